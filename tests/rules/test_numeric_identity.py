"""The numeric identity test (rules/math/identity.py) and its safe expression parser (expr.py)."""

from __future__ import annotations

import time

import pytest

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.math.expr import parse_expression
from hymar.rewards.rules.math.identity import constant_value, numeric_first, numeric_verdict
from hymar.rewards.rules.math.worker import symbolic_compare
from hymar.rewards.rules.sandbox import shared_runner

# (pred, gold, verdict, reason)
VERDICTS = [
    ("2\\sqrt{2}", "\\sqrt{8}", "equal", "surds"),
    ("x^2+2x+1", "(x+1)^2", "equal", "expanded square"),
    ("x^2+2x+2", "(x+1)^2", "not_equal", "off by one"),
    ("\\frac{n(n+1)}{2}", "\\frac{n^2+n}{2}", "equal", "n(n+1) is a product"),
    ("x\\sqrt{x}", "x^{3/2}", "equal", "a power law"),
    ("\\ln 2 + \\ln 3", "\\ln 6", "equal", "log rule"),
    ("\\sin^2 x + \\cos^2 x", "1", "equal", "a trigonometric identity"),
    ("\\frac12\\pi", "\\frac{\\pi}{2}", "equal", "\\frac12 shorthand"),
    ("x^23", "x^{23}", "equal", "a bare exponent is the whole number, as math-verify reads it"),
    ("47 \\bmod 11", "3", "equal", "\\bmod"),
    ("47 \\bmod 12", "3", "not_equal", "\\bmod, other modulus"),
    ("e^{i\\pi}", "-1", "equal", "Euler's identity: e and i read as constants"),
    ("e^{i\\pi/2}", "-1", "not_equal", "not equal under either reading"),
    ("\\log_{2} 8", "3", "equal", "log with a base"),
    ("\\log 100", "2", "equal", "\\log is base 10, as math-verify reads it"),
    ("\\sqrt{x^2}", "x", None, "differs only at complex points (a branch cut): sympy decides"),
    ("\\ln(x^2)", "2\\ln x", None, "a branch cut again"),
    ("1.4x", "\\frac{3x}{2}", None, "a decimal that differs: math-verify's rounding decides"),
    ("1.5x", "\\frac{3x}{2}", "equal", "a decimal that is exact"),
    ("(x+10^8)^2 - x^2 - 2 \\cdot 10^8 x", "10^{16}", "equal", "cancellation is not a difference"),
    ("2^{10^{10}}", "1", None, "an overflow decides nothing"),
    ("f(x)", "f(y)", None, "function application is left to sympy"),
    ("\\frac{1}{2x}", "\\frac{1}{2}x", "not_equal", "explicit fractions are unambiguous"),
    ("1/2x", "x/2", None, "1/2x is ambiguous"),
    ("\\sqrt[3]{27}", "3", "equal", "an n-th root"),
    ("\\sqrt[3]{3}", "\\sqrt{3}", "not_equal", "a cube root is not a square root"),
    ("\\frac{4}{0}", "\\frac{3}{4}", "not_equal", "defined nowhere against a defined constant"),
    ("\\ln 0", "\\ln 1", "not_equal", "a logarithm of zero is defined nowhere"),
]


@pytest.mark.parametrize(("pred", "gold", "verdict", "reason"), VERDICTS, ids=[v[3] for v in VERDICTS])
def test_numeric_verdict(pred, gold, verdict, reason):
    assert numeric_verdict(pred, gold) == verdict, reason


def test_equations_up_to_a_constant_factor():
    assert numeric_verdict("x+y-(3)", "y-(-x+3)", equation=True) == "equal"
    assert numeric_verdict("2x+2y-(6)", "x+y-(3)", equation=True) == "equal"
    assert numeric_verdict("x+y-(4)", "x+y-(3)", equation=True) == "not_equal"
    assert numeric_verdict("1-(1)", "2-(2)", equation=True) is None, "no variable: not an equation"


def test_gold_value_for_a_plain_number():
    assert numeric_first("2", "\\sqrt{4}", True, False) == "numeric:equal"
    verdict = numeric_first("6.28", "2\\pi", True, False)
    assert verdict is not None and verdict.startswith("gold_value:6.28318")
    assert constant_value("x") is None and constant_value("2\\pi") == pytest.approx(6.283185307)


UNSUPPORTED = [
    "__import__('os').system('x')", "1, 2", "x = 2", "\\{1\\}", "[0, 1)", "x < 3", "\\infty",
    "(" * 200 + "1" + ")" * 200, "[1]", "\\unknowncommand{2}",
]  # fmt: skip


@pytest.mark.parametrize("text", UNSUPPORTED)
def test_parser_refuses_what_it_does_not_read(text):
    assert parse_expression(text) is None


def test_parser_is_bounded():
    start = time.perf_counter()
    assert parse_expression("x+" * 600 + "1") is None, "over the size limit"
    assert numeric_verdict("2^{2^{2^{2^{2^{2^{2}}}}}}", "1") is None
    numeric_verdict("(" * 50 + "x" + ")" * 50 + "!" * 30, "x")  # any verdict, but fast
    assert time.perf_counter() - start < 0.5


def test_the_identity_test_runs_before_the_worker(monkeypatch):
    # a pair the numbers decide never reaches the sandbox
    def refuse(*args, **kwargs):
        raise AssertionError("sent to the worker")

    monkeypatch.setattr(mathrule, "shared_runner", refuse)
    mathrule._VERDICTS.clear()
    got = mathrule.compare_math("(x+1)^2", "x^2 + 2x + 1")
    assert got.equal is True and got.method == "numeric_identity"
    assert mathrule.compare_math("(x+1)^2", "x^2 + 2x").equal is False


AGREEMENT = [(p, g) for p, g, v, _ in VERDICTS if v is not None and "e^{i" not in p] + [
    ("\\frac{x^2-1}{x-1}", "x+1"), ("\\sqrt{12}", "2\\sqrt{3}"), ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"),
    ("\\tan x", "\\frac{\\sin x}{\\cos x}"), ("2^{x+1}", "2 \\cdot 2^x"), ("\\binom{5}{2}", "10"), ("a_1 + a_2", "a_2 + a_1"),
    ("x^3 - 1", "(x-1)(x^2+x+1)"), ("\\frac{2}{3}\\pi r^3", "\\frac{2\\pi r^3}{3}"), ("3x", "x+x+2x"),
]  # fmt: skip


def test_numeric_verdicts_agree_with_sympy():
    # Where the numbers decide, they must say what math-verify's symbolic comparison says.
    assert mathrule.warm_up(60.0)
    pairs = [(mathrule.normalise(p), mathrule.normalise(g)) for p, g in AGREEMENT]  # as jobs see them
    decided = [(p, g, numeric_verdict(p, g)) for p, g in pairs]
    decided = [d for d in decided if d[2] is not None]
    outcomes = shared_runner().run_many(symbolic_compare, [(p, g) for p, g, _ in decided], timeout_each=20.0)
    for (p, g, verdict), outcome in zip(decided, outcomes):
        assert outcome.ok, (p, g, outcome)
        assert outcome.value == verdict, (p, g, verdict, outcome.value)
