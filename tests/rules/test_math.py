"""compare_math: fast-path and symbolic equivalence, table-driven, each case with its reason."""

from __future__ import annotations

import time

import pytest

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math import (
    compare_math,
    compare_math_many,
    normalise,
    strip_variable,
)

T, F_ = True, False

# (pred, gold, equal, confidence, reason)
FAST_CASES = [
    # numbers
    ("\\frac{1}{2}", "0.5", T, 1.0, "fraction equals its exact decimal"),
    ("0.5", "\\frac{1}{2}", T, 1.0, "symmetric"),
    ("\\dfrac{1}{2}", "1/2", T, 1.0, "dfrac is frac"),
    ("\\tfrac12", "0.5", T, 1.0, "tfrac shorthand"),
    ("1/2", "2/4", T, 1.0, "unreduced fraction"),
    ("0.50", "0.5", T, 1.0, "trailing zero"),
    ("0.5", "0.05", F_, 1.0, "off by a factor of ten"),
    ("-3", "3", F_, 1.0, "sign matters"),
    ("\u22127", "-7", T, 1.0, "unicode minus"),
    ("$-7$", "-7", T, 1.0, "math delimiters stripped"),
    ("+3", "3", T, 1.0, "explicit plus sign"),
    ("2\\frac{1}{2}", "2.5", T, 1.0, "mixed number"),
    ("2 1/2", "5/2", T, 1.0, "mixed number in text"),
    ("-\\frac{1}{2}", "-0.5", T, 1.0, "negative fraction"),
    ("1,234", "1234", T, 1.0, "thousands comma"),
    ("1 234", "1234", T, 1.0, "thousands space"),
    ("1\\,234", "1234", T, 1.0, "LaTeX thin space as thousands separator"),
    ("12,345,678", "12345678", T, 1.0, "several thousands groups"),
    ("1,234", "1.234", F_, 1.0, "thousands comma is not a decimal comma"),
    ("3.0 \\times 10^{4}", "30000", T, 1.0, "scientific notation with times"),
    ("3e4", "30000", T, 1.0, "e notation"),
    ("3\\cdot10^4", "30000", T, 1.0, "scientific notation with cdot"),
    ("10^{5}", "100000", T, 1.0, "bare power of ten"),
    ("1.5E-3", "0.0015", T, 1.0, "negative exponent"),
    # percent
    ("50\\%", "0.5", T, 0.9, "percent against its fraction"),
    ("0.5", "50\\%", T, 0.9, "fraction against a percent gold"),
    ("50%", "50", T, 0.9, "percent against the bare number"),
    ("50\\%", "50%", T, 1.0, "both percent"),
    ("5%", "0.5", F_, 1.0, "5% is 0.05"),
    ("12.5\\%", "0.125", T, 0.9, "decimal percent"),
    # tolerance and rounding
    ("0.333333", "\\frac{1}{3}", T, 0.8, "rounding: 6 decimals of 1/3"),
    ("0.333", "\\frac{1}{3}", T, 0.8, "rounding: 3 decimals, 3 significant digits"),
    ("0.33", "\\frac{1}{3}", T, 0.8, "rounding: two significant digits suffice for an exact gold"),
    ("0.3", "\\frac{1}{3}", F_, 1.0, "one significant digit is too coarse"),
    ("2.5", "2.53", F_, 1.0, "a decimal gold needs three significant digits of rounding"),
    ("0.334", "\\frac{1}{3}", F_, 1.0, "wrongly rounded"),
    ("3.14", "\\frac{22}{7}", T, 0.8, "rounding of 22/7"),
    ("2", "\\frac{7}{3}", F_, 1.0, "integers are exact, never a rounding"),
    ("0.00", "0.001", F_, 1.0, "no significant digits"),
    ("1.0000001", "1", T, 0.8, "within relative tolerance 1e-6"),
    ("1.00001", "1", F_, 1.0, "outside relative tolerance"),
    # units
    ("12 m", "1200 cm", T, 1.0, "unit conversion"),
    ("1200 cm", "12 m", T, 1.0, "unit conversion, other direction"),
    ("12 m", "12 cm", F_, 1.0, "same number, different unit"),
    ("12", "12 cm", T, 0.9, "gold unit, bare pred number"),
    ("12 cm", "12", T, 0.9, "pred unit, bare gold number"),
    ("12 m", "12 kg", F_, 1.0, "different dimensions"),
    ("5km", "5000 m", T, 1.0, "attached multi-letter unit"),
    ("2.5 kg", "2500 g", T, 1.0, "mass"),
    ("90 min", "1.5 h", T, 1.0, "time"),
    ("1 L", "1000 ml", T, 1.0, "volume"),
    ("1000 cm^3", "1 L", T, 1.0, "cubic centimetres are millilitres"),
    ("1 m^2", "10000 cm^2", T, 1.0, "area"),
    ("\\text{12 cm}", "12 cm", T, 1.0, "text wrapper"),
    ("5\\mathrm{cm}", "0.05 m", T, 1.0, "mathrm unit"),
    ("12 \\text{ cm}", "0.12 m", T, 1.0, "text unit after a space"),
    ("\\$5", "5", T, 1.0, "currency is decoration"),
    ("\u20ac3", "3", T, 1.0, "euro is decoration"),
    ("5 dollars", "5.00", T, 1.0, "currency word"),
    # degrees
    ("90^\\circ", "90", T, 1.0, "degree mark ignored"),
    ("90^{\\circ}", "90\u00b0", T, 1.0, "two degree spellings"),
    ("45^\\circ", "90", F_, 1.0, "different angle"),
    # equations
    ("x=2", "2", T, 1.0, "variable prefix dropped"),
    ("x = 2", "x=2", T, 1.0, "spacing"),
    ("2", "y=2", T, 1.0, "gold with a variable prefix"),
    ("x = 2", "y = 2", F_, 1.0, "different variables"),
    ("x=3", "2", F_, 1.0, "wrong value after the prefix"),
    ("x \\in [1, 3)", "[1,3)", T, 1.0, "membership prefix"),
    # intervals, tuples
    ("(1,2)", "(2,1)", F_, 1.0, "tuples are ordered"),
    ("(1, 2)", "(1,2)", T, 1.0, "tuple spacing"),
    ("[1,3)", "[1,3]", F_, 1.0, "interval bracket mismatch"),
    ("(1, 3]", "(1,3]", T, 1.0, "half-open interval"),
    ("(1,2)", "[1,2]", F_, 1.0, "open against closed"),
    ("(-\\infty, 2)", "(-\\infty,2)", T, 1.0, "interval to minus infinity"),
    ("(-\\infty, 2)", "(\\infty, 2)", F_, 1.0, "infinity sign matters"),
    ("(-\\infty, 2)", "(-\\infty, 3)", F_, 1.0, "interval end differs"),
    ("[0,100]", "[0, 100]", T, 1.0, "3-digit numbers in brackets are items, not thousands"),
    ("\\left(1, 2\\right)", "(1,2)", T, 1.0, "left/right stripped"),
    ("(0.5, \\frac{1}{2})", "(\\frac{1}{2}, 0.5)", T, 1.0, "items compared numerically"),
    ("5", "(1, 2)", F_, 1.0, "a number is not a tuple"),
    ("(5)", "5", T, 1.0, "parentheses around one number"),
    # sets and lists
    ("\\{1,2\\}", "\\{2,1\\}", T, 1.0, "sets are unordered"),
    ("\\{1,2,3\\}", "\\{3,2,1\\}", T, 1.0, "larger set"),
    ("\\{1,2\\}", "\\{1,2,3\\}", F_, 1.0, "missing element"),
    ("\\{1,2\\}", "1, 2", T, 0.9, "set against a bare list"),
    ("\\lbrace 1, 2\\rbrace", "\\{1,2\\}", T, 1.0, "lbrace spelling"),
    ("1, 2", "2, 1", T, 0.8, "answer lists are unordered (a convention: 0.8 when the order differs)"),
    ("1, 2", "1, 2", T, 1.0, "the same list in the same order"),
    ("1,2", "1, 2", T, 1.0, "1,2 is a list, not a thousands number"),
    ("1, 2", "1, 3", F_, 1.0, "wrong element in a list"),
    ("2", "1, 2", F_, 1.0, "one of two answers"),
    ("\\{2\\}", "2", T, 0.9, "singleton set against the value"),
    ("x=1, y=2", "y=2, x=1", T, 1.0, "named values in any order"),
    ("x=2, y=1", "x=1, y=2", F_, 1.0, "swapped named values"),
    ("x=1 or x=2", "1, 2", T, 1.0, "'or' list of solutions"),
    ("1 and 2", "\\{1, 2\\}", T, 0.9, "'and' list against a set"),
    ("\\{(1,2),(3,4)\\}", "\\{(3,4),(1,2)\\}", T, 1.0, "set of tuples"),
    # infinity, normalisation
    ("\\infty", "\u221e", T, 1.0, "unicode infinity"),
    ("-\\infty", "\\infty", F_, 1.0, "signed infinity"),
    ("\\boxed{5}", "5", T, 1.0, "boxed wrapper"),
    ("\\boxed{\\frac{1}{2}}", "0.5", T, 1.0, "boxed wrapper with nested braces"),
    ("12\\,\\mathrm{cm^{2}}", "0.0012 m^2", T, 1.0, "mathrm unit with a braced power"),
    ("5.", "5", T, 1.0, "trailing period"),
    ("\\displaystyle \\frac{1}{2}", "0.5", T, 1.0, "displaystyle"),
    ("\\(5\\)", "5", T, 1.0, "inline math delimiters"),
    # unparseable / empty
    ("", "5", F_, 0.8, "empty answer is wrong, not undecided"),
]

SYMBOLIC_CASES = [
    ("\\frac{\\pi}{2}", "\\pi/2", T, 1.0, "two spellings of pi/2"),
    ("x^2+2x+1", "(x+1)^2", T, 1.0, "expanded square"),
    ("2\\sqrt{2}", "\\sqrt{8}", T, 1.0, "simplified radical"),
    ("\\sqrt{2}/2", "\\frac{1}{\\sqrt{2}}", T, 1.0, "rationalised denominator"),
    ("x+1", "1+x", T, 1.0, "commuted sum"),
    ("\\frac{x}{2}", "0.5x", T, 0.9, "decimal coefficient: numeric match"),
    ("\\sin^2 x + \\cos^2 x", "1", T, 1.0, "trig identity"),
    ("2\\sqrt{3}", "\\sqrt{8}", F_, 1.0, "different radicals"),
    ("x^2+1", "(x+1)^2", F_, 1.0, "missing cross term"),
    ("\\sqrt{2}", "1.41421356", T, 0.9, "decimal gold of a radical"),
    ("6.28", "2\\pi", T, 0.8, "rounding rule applied to a symbolic gold"),
    ("1.414", "\\sqrt{2}", T, 0.8, "three decimals of sqrt 2"),
    ("1.4", "\\sqrt{2}", T, 0.8, "two significant digits of sqrt 2 (grading convention)"),
    ("1", "\\sqrt{2}", F_, 1.0, "one digit is too coarse for sqrt 2"),
    ("2\\sqrt{2} cm", "\\sqrt{8} cm", T, 1.0, "same unit on both sides"),
    ("y=2x+1", "2x+1", T, 1.0, "equation prefix dropped"),
    ("hello", "2", F_, 1.0, "a word is not a number"),
    ("The answer is \\frac{\\pi}{2}??", "\\frac{\\pi}{2}", F_, None, "junk around the answer"),
]


def _check(pred: str, gold: str, equal: bool, confidence: float | None, reason: str) -> Comparison:
    result = compare_math(pred, gold)
    assert result.equal is equal, f"{reason}: {result}"
    if confidence is not None:
        assert result.confidence == pytest.approx(confidence), f"{reason}: {result}"
    assert 0.0 <= result.confidence <= 1.0
    return result


@pytest.fixture(scope="module")
def warm_workers():
    assert mathrule.warm_up(60.0), "symbolic workers did not start"


class TestFastPath:
    @pytest.mark.parametrize("pred,gold,equal,confidence,reason", FAST_CASES, ids=[c[4] for c in FAST_CASES])
    def test_case(self, pred, gold, equal, confidence, reason, monkeypatch):
        # the fast path must decide these without the sandbox
        monkeypatch.setattr(mathrule, "_run_symbolic", _no_symbolic)
        result = _check(pred, gold, equal, confidence, reason)
        assert result.method != "symbolic"

    def test_fast_path_is_fast(self, monkeypatch):
        monkeypatch.setattr(mathrule, "_run_symbolic", _no_symbolic)
        pairs = [(p, g) for p, g, *_ in FAST_CASES if p]
        start = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            for p, g in pairs:
                compare_math(p, g)
        per_pair = (time.perf_counter() - start) / (rounds * len(pairs))
        print(f"fast path: {per_pair * 1e6:.1f} us per pair")
        assert per_pair < 2e-3


def _no_symbolic(*args, **kwargs):
    raise AssertionError("the fast path should have decided")


@pytest.mark.usefixtures("warm_workers")
class TestSymbolic:
    @pytest.mark.parametrize(
        "pred,gold,equal,confidence,reason", SYMBOLIC_CASES, ids=[c[4] for c in SYMBOLIC_CASES]
    )
    def test_case(self, pred, gold, equal, confidence, reason):
        _check(pred, gold, equal, confidence, reason)

    def test_unparseable_pred_is_wrong_not_undecided(self):
        result = compare_math("\\frac{", "\\sqrt{2}")
        assert result.equal is False and result.confidence == pytest.approx(0.8)
        assert result.reason == "unparseable answer"

    def test_unparseable_gold_is_undecided(self):
        result = compare_math("\\sqrt{2}", "\\frac{")
        assert result.equal is None and result.reason

    def test_empty_gold_is_undecided(self):
        assert compare_math("5", "").equal is None

    def test_repeated_pair_is_cached(self):
        pred, gold = "3\\sqrt{2}", "\\sqrt{18}"
        assert compare_math(pred, gold).equal is True
        start = time.perf_counter()
        assert compare_math(pred, gold).equal is True
        assert time.perf_counter() - start < 0.005

    def test_batch_matches_single_calls(self):
        pairs = [("2\\sqrt{2}", "\\sqrt{8}"), ("0.5", "\\frac{1}{2}"), ("x^2", "x^3"), ("12 m", "12 cm")]
        assert [c.equal for c in compare_math_many(pairs)] == [True, True, False, False]

    def test_works_inside_a_daemonic_pool_worker(self):
        import multiprocessing

        # multiprocessing.Pool workers are daemonic, and daemonic processes may not start children
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            result = pool.apply(compare_math, ("2\\sqrt{2}", "\\sqrt{8}"), {"timeout": 30.0})
        assert result.equal is True

    def test_symbolic_from_a_thread(self):
        import threading

        out: list[Comparison] = []
        t = threading.Thread(target=lambda: out.append(compare_math("\\sqrt{12}", "2\\sqrt{3}")))
        t.start()
        t.join(10.0)
        assert out and out[0].equal is True


class TestNormalise:
    @pytest.mark.parametrize(
        "text,expected",
        [
            ("$\\dfrac{1}{2}$.", "\\frac{1}{2}"),
            ("\\left( 1, 2 \\right)", "( 1, 2 )"),
            ("\\text{12 cm}", "12 cm"),
            ("90^\\circ", "90\u00b0"),
            ("\\boxed{\\text{5}}", "5"),
            ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
            ("\\text{area: } 12 \\mathrm{cm^{2}}", "area: 12 cm^{2}"),
            ("\\text{open {brace", "\\text{open {brace"),
            ("1 and 2", "1, 2"),
            ("x\\!=\\!3", "x=3"),
        ],
    )
    def test_normalise(self, text, expected):
        assert normalise(text) == expected

    @pytest.mark.parametrize(
        "text,expected",
        [
            ("x = 2", ("x", "2")),
            ("x_1=5", ("x_1", "5")),
            ("\\theta = 30\u00b0", ("\\theta", "30\u00b0")),
            ("x \\in (0, 1)", ("x", "(0, 1)")),
            ("x^2 = 4", (None, "x^2 = 4")),
            ("x = y = 2", (None, "x = y = 2")),
        ],
    )
    def test_strip_variable(self, text, expected):
        assert strip_variable(text) == expected


def test_table_size():
    assert len(FAST_CASES) + len(SYMBOLIC_CASES) >= 80


def test_never_raises_on_odd_types():
    for pred, gold in [(None, "1"), ("1", None), (3, "3"), ("1", b"1")]:
        result = compare_math(pred, gold)  # type: ignore[arg-type]
        assert isinstance(result, Comparison)


@pytest.mark.parametrize(
    "pred, gold, equal, method",
    [
        ("the", "4", False, "non_numeric"),  # sampled word against a number: decided without sympy
        ("your answer", "12", False, "non_numeric"),  # several words
        ("P", "4", False, "non_numeric"),  # a lone variable is not a number
        ("pi", "3.14", None, None),  # a constant name can denote the number: left to the symbolic path
        ("e", "2.72", None, None),  # same for e
    ],
)
def test_word_answers_against_numeric_gold(pred, gold, equal, method):
    got = compare_math(pred, gold)
    if method is None:
        assert got.method != "non_numeric"
    else:
        assert (got.equal, got.method) == (equal, method)
