"""The numeric identity test: two expressions evaluated at the same random points, before sympy.

Most symbolic pairs (``2\\sqrt{2}`` vs ``\\sqrt{8}``, ``x^2+2x+1`` vs ``(x+1)^2``) are decided by
evaluating both sides, parsed by `expr.parse_expression` (no eval), at a fixed set of points:
four real ones in (0.35, 2.9) and three complex ones (one with a negative real part); every variable gets the same value on both
sides. Per point the comparison allows for floating-point error (estimated from the largest
intermediate value, so cancellation such as ``(x+10^8)^2 - x^2 - ...`` cannot fake a difference).

- "equal": both sides agree (relative 1e-9) at every point where both are defined, at least 3;
- "not_equal": they differ clearly (relative 1e-6) at a REAL point, and neither side is written with
  a decimal (math-verify rounds decimals; those pairs keep its verdict);
- None: anything else (unparseable, too few defined points, a difference only at complex points,
  where branch cuts such as ``\\sqrt{x^2}`` vs ``x`` live): the symbolic worker decides.

``e`` and ``i`` are read twice: as variables (how math-verify's grammar reads ``i``) and as Euler's
number and the imaginary unit. Equal under either reading is equal (``e^{i\\pi}`` is ``-1``); not
equal needs both. Equations (``lhs - (rhs)`` of each side) are equal when one is a nonzero
constant multiple of the other at every point.

Bounded: inputs are size-limited, evaluation is one walk per point over the tree, and every
intermediate result over 1e150 in size ends that point (no huge integers are ever built).
"""

from __future__ import annotations

import cmath
import math
import random
from functools import lru_cache

from hymar.rewards.rules.math.expr import Node, names, parse_expression

_REAL_POINTS = 4
_COMPLEX_POINTS = 3
_MIN_POINTS = 3
_EQUAL_TOL = 1e-9
_DIFF_TOL = 1e-6
_HUGE = 1e150
_EPS = 1e-13
_CONSTANTS = {"e": math.e, "i": 1j}


class _Undefined(ArithmeticError):
    """The expression is not defined (or too large) at this point."""


class _DivisionByZero(_Undefined):
    """Defined nowhere: a division by zero or a logarithm of zero (not merely too large)."""


def numeric_verdict(pred: str, gold: str, equation: bool = False) -> str | None:
    """"equal", "not_equal" or None (see the module docstring)."""
    p, g = _parsed(pred), _parsed(gold)
    if p is None or g is None:
        return None
    variables = sorted(names(p) | names(g))
    has_decimal = "." in pred or "." in gold
    if not variables and not equation:
        # constants: "\\frac{4}{0}" (defined nowhere) is not the defined gold "\\frac{3}{4}"
        broken = [_divides_by_zero(n) for n in (p, g)]
        if broken[0] != broken[1]:
            return "not_equal"
    readings = [False, True] if {"e", "i"} & set(variables) else [False]
    verdicts = [_decide(p, g, variables, constants, equation) for constants in readings]
    if "equal" in verdicts:
        return "equal"
    if all(v == "not_equal" for v in verdicts) and not has_decimal:
        return "not_equal"
    return None


def numeric_first(pred: str, gold: str, want_gold_value: bool, equation: bool) -> str | None:
    """The verdict for a symbolic job's arguments when numbers decide it, in the worker's vocabulary
    ("numeric:equal", "numeric:not_equal", "gold_value:<decimal>"), else None (ask the worker).

    With ``want_gold_value`` the prediction is a plain number and the gold a constant expression:
    equal when the values agree to 1e-12, else the gold's value for the caller's rounding rule.
    """
    if want_gold_value:
        value = constant_value(gold)
        predicted = constant_value(pred)
        if value is None or predicted is None or abs(value.imag) > 1e-12 * max(1.0, abs(value)):
            return None
        if abs(predicted - value) <= 1e-12 * max(1.0, abs(value)):
            return "numeric:equal"
        return f"gold_value:{value.real!r}"
    verdict = numeric_verdict(pred, gold, equation)
    return f"numeric:{verdict}" if verdict is not None else None


def _divides_by_zero(node: Node) -> bool:
    try:
        _eval(node, {})
    except _DivisionByZero:
        return True
    except (_Undefined, ArithmeticError, ValueError):
        return False
    return False


def constant_value(text: str) -> complex | None:
    """The value of an expression without variables (``2\\pi``, ``\\sqrt{2}``), or None."""
    node = _parsed(text)
    if node is None or names(node) - {"e"}:
        return None
    try:
        value, _ = _eval(node, {"e": math.e})
    except (_Undefined, ArithmeticError, ValueError):
        return None
    return value


# --- internals -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Node | None:
    # golds repeat across a GRPO group: each is parsed once
    return parse_expression(text)


@lru_cache(maxsize=64)
def _points(n_vars: int) -> tuple[tuple[complex, ...], ...]:
    rng = random.Random(20261203 + n_vars)  # fixed: the same pair always gets the same verdict
    out = []
    for k in range(_REAL_POINTS + _COMPLEX_POINTS):
        if k < _REAL_POINTS:
            out.append(tuple(complex(rng.uniform(0.35, 2.9), 0.0) for _ in range(n_vars)))
        else:  # the last complex point has a negative real part: branch cuts show up there
            low, high = (-2.0, -0.3) if k == _REAL_POINTS + _COMPLEX_POINTS - 1 else (0.3, 2.0)
            out.append(tuple(complex(rng.uniform(low, high), rng.uniform(0.2, 1.1)) for _ in range(n_vars)))
    return tuple(out)


def _decide(p: Node, g: Node, variables: list[str], constants: bool, equation: bool) -> str | None:
    free = [v for v in variables if not (constants and v in _CONSTANTS)]
    if equation and not free:
        return None
    defined = 0
    ratio: complex | None = None
    for k, point in enumerate(_points(len(free))):
        env = dict(zip(free, point))
        if constants:
            env.update({v: _CONSTANTS[v] for v in variables if v in _CONSTANTS})
        try:
            a, ma = _eval(p, env)
            b, mb = _eval(g, env)
        except (_Undefined, ArithmeticError, ValueError):
            continue
        defined += 1
        real_point = k < _REAL_POINTS
        if equation:
            if abs(b) <= _EPS * max(1.0, mb):
                return None  # a point on the curve: the ratio says nothing there
            r = a / b
            if ratio is None:
                ratio = r
                continue
            a, b, ma, mb = r, ratio, abs(r) + abs(ratio), abs(r) + abs(ratio)
        scale = max(1.0, abs(a), abs(b))
        err = (ma + mb) * _EPS
        diff = abs(a - b)
        if diff <= _EQUAL_TOL * scale + err:
            continue
        if real_point and diff > _DIFF_TOL * scale + 1000 * err:
            return "not_equal"
        return None
    if defined < _MIN_POINTS:
        return None
    if equation and (ratio is None or abs(ratio) < _EPS):
        return None
    return "equal"


def _eval(node: Node, env: dict[str, complex]) -> tuple[complex, float]:
    """(value, largest magnitude met on the way) of ``node`` at ``env``."""
    kind = node[0]
    if kind == "num":
        return complex(node[1]), abs(node[1])
    if kind == "var":
        value = env[node[1]]
        return value, abs(value)
    if kind == "pi":
        return complex(math.pi), math.pi
    if kind == "neg":
        v, m = _eval(node[1], env)
        return -v, m
    if kind in ("+", "-", "*", "/", "^", "mod", "binom"):
        a, ma = _eval(node[1], env)
        b, mb = _eval(node[2], env)
        return _checked(_binary(kind, a, b), max(ma, mb))
    if kind == "log" and len(node) == 3:
        x, mx = _eval(node[1], env)
        base, mb = _eval(node[2], env)
        if x == 0 or base == 0 or base == 1:
            raise _Undefined
        return _checked(cmath.log(x) / cmath.log(base), max(mx, mb))
    v, m = _eval(node[1], env)
    return _checked(_unary(kind, v), m)


def _checked(value: complex, magnitude: float) -> tuple[complex, float]:
    size = abs(value)
    if not math.isfinite(size) or size > _HUGE:
        raise _Undefined
    return value, max(magnitude, size)


def _binary(kind: str, a: complex, b: complex) -> complex:
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        if b == 0:
            raise _DivisionByZero
        return a / b
    if kind == "^":
        return _power(a, b)
    if kind == "mod":
        x, n = _integer(a), _integer(b)
        if n == 0:
            raise _Undefined
        return complex(x % n)
    n, k = _integer(a), _integer(b)  # binom
    if not 0 <= k <= n <= 1000:
        raise _Undefined
    return complex(math.comb(n, k))


def _power(a: complex, b: complex) -> complex:
    if a == 0:
        if b.real > 0 and b.imag == 0:
            return 0j
        raise _Undefined
    if b.imag == 0 and a.imag == 0 and float(b.real).is_integer() and abs(b.real) <= 4096:
        return complex(a.real ** int(b.real))  # exact sign for negative bases: (-2)^3 = -8
    if abs(b) * max(1.0, abs(cmath.log(a))) > 700:
        raise _Undefined  # would overflow
    return a**b


def _integer(v: complex) -> int:
    if v.imag != 0 or not float(v.real).is_integer() or abs(v.real) > 1e15:
        raise _Undefined
    return int(v.real)


_FUNCS = {
    "sin": cmath.sin, "cos": cmath.cos, "tan": cmath.tan, "sinh": cmath.sinh, "cosh": cmath.cosh,
    "tanh": cmath.tanh, "arcsin": cmath.asin, "arccos": cmath.acos, "arctan": cmath.atan, "exp": cmath.exp,
}  # fmt: skip


def _unary(kind: str, v: complex) -> complex:
    if kind in _FUNCS:
        if kind in ("exp", "sinh", "cosh") and abs(v.real) > 300:
            raise _Undefined
        return _FUNCS[kind](v)
    if kind in ("cot", "sec", "csc"):
        d = {"cot": cmath.tan, "sec": cmath.cos, "csc": cmath.sin}[kind](v)
        if d == 0:
            raise _Undefined
        return 1 / d
    if kind == "sqrt":
        return cmath.sqrt(v)
    if kind == "abs":
        return complex(abs(v))
    if kind in ("ln", "log"):
        if v == 0:
            raise _DivisionByZero
        return cmath.log(v) if kind == "ln" else cmath.log10(v)
    if kind == "fact":
        if v.imag != 0 or v.real < 0 or v.real > 170:
            raise _Undefined
        return complex(math.gamma(v.real + 1))
    raise _Undefined
