"""Property tests: compare_math never raises, and a number equals itself however it is written."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math import compare_math
from hymar.rewards.rules.numbers import parse_number, split_unit

# Fragments that make random strings look like (broken) LaTeX answers.
_TOKENS = st.sampled_from(
    ["\\frac{", "}", "{", "\\sqrt", "^", "_", "(", ")", "[", "]", "\\{", "\\}", ",", ".", "%", "\\%",
     "=", "x", "y", "\\pi", "\\infty", "-", "+", "/", " ", "cm", " m", "^\\circ", "\\text{", "$", "e",
     "1", "2", "3", "0", "10", "999", "\\times 10^{", "\\left(", "\\right)", "and", "\\!", "\\,"]
)
_LATEXISH = st.lists(_TOKENS, max_size=12).map("".join)
_ANY_TEXT = st.text(max_size=40)


def _fast_only(*args, **kwargs):
    """Stand-in for the sandbox in properties that must be decided by the fast path."""
    raise AssertionError("fast path expected")


class TestNeverRaises:
    @settings(max_examples=300, deadline=None)
    @given(pred=st.one_of(_ANY_TEXT, _LATEXISH), gold=st.one_of(_ANY_TEXT, _LATEXISH))
    def test_fast_layers_never_raise(self, pred, gold):
        # everything before the sandbox: normalisation, structures, numbers, units
        try:
            prepared = mathrule._prepare(pred, gold, 1e-6)
        except Exception as exc:  # pragma: no cover - the property under test
            raise AssertionError(f"_prepare raised {exc!r} on {pred!r} vs {gold!r}") from exc
        assert isinstance(prepared, (Comparison, mathrule._Job))
        parse_number(pred)
        split_unit(pred)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pred=_LATEXISH, gold=st.sampled_from(["2", "\\frac{1}{2}", "x+1", "[1, 3)", "\\{1, 2\\}"]))
    def test_compare_math_never_raises(self, pred, gold):
        result = compare_math(pred, gold, timeout=0.5)
        assert isinstance(result, Comparison)
        assert result.equal in (True, False, None)
        assert 0.0 <= result.confidence <= 1.0
        if result.equal is None:
            assert result.reason


_FRACTIONS = st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**12)


def _renderings(value: Fraction) -> list[str]:
    p, q = value.numerator, value.denominator
    sign = "-" if value < 0 else ""
    out = [f"{p}/{q}", f"\\frac{{{p}}}{{{q}}}", f"{sign}\\frac{{{abs(p)}}}{{{q}}}", f"\\dfrac{{{p}}}{{{q}}}"]
    if q == 1:
        out += [str(p), f"{p:,}", f"{p:_}", f"${p}$", f"\u2212{abs(p)}" if p < 0 else f"+{p}"]
    # exact decimal when the denominator has only factors 2 and 5
    rest = q
    for f in (2, 5):
        while rest % f == 0:
            rest //= f
    if rest == 1:
        k = 0
        while (value * 10**k).denominator != 1:
            k += 1
        scaled = str(abs(value.numerator) * 10**k // q).rjust(k + 1, "0")
        digits = f"{scaled[:-k]}.{scaled[-k:]}" if k else str(abs(p))
        out += [f"{sign}{digits}", f"{sign}{digits}0" if k else f"{sign}{digits}.0"]
        pct = value * 100
        if pct.denominator == 1:
            out.append(f"{pct.numerator}\\%")
    return out


class TestReflexive:
    @settings(max_examples=300, deadline=None)
    @given(value=_FRACTIONS, data=st.data())
    def test_renderings_are_equal(self, value, data):
        forms = _renderings(value)
        a = data.draw(st.sampled_from(forms), label="pred")
        b = data.draw(st.sampled_from(forms), label="gold")
        result = _decide_fast(a, b)
        assert result.equal is True, (a, b, result)
        assert result.confidence >= 0.9

    @settings(max_examples=200, deadline=None)
    @given(value=_FRACTIONS, other=_FRACTIONS)
    def test_different_values_are_not_equal(self, value, other):
        if value == other:
            return
        result = _decide_fast(f"\\frac{{{value.numerator}}}{{{value.denominator}}}", f"{other.numerator}/{other.denominator}")
        assert result.equal is False

    @settings(max_examples=200, deadline=None)
    @given(value=_FRACTIONS)
    def test_sets_of_renderings(self, value):
        forms = _renderings(value)
        pred = f"\\{{{forms[0]}, 7\\}}"
        gold = f"\\{{7, {forms[-1]}\\}}"
        assert _decide_fast(pred, gold).equal is True


def _decide_fast(pred: str, gold: str) -> Comparison:
    prepared = mathrule._prepare(pred, gold, 1e-6)
    assert isinstance(prepared, Comparison), f"fast path did not decide {pred!r} vs {gold!r}"
    return prepared
