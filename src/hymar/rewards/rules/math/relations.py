"""Inequalities in one variable read as intervals, and the sides of equations."""

from __future__ import annotations

import re

from hymar.rewards.rules.math.structures import split_top
from hymar.rewards.rules.numbers import split_unit

# relation token -> (direction, strict): direction "<" for less-than relations, ">" for greater-than
_RELATIONS = {
    "<": ("<", True), ">": (">", True), "<=": ("<", False), ">=": (">", False), "=<": ("<", False),
    "=>": (">", False), "\u2264": ("<", False), "\u2265": (">", False), "\u2a7d": ("<", False),
    "\u2a7e": (">", False), "\\lt": ("<", True), "\\gt": (">", True), "\\le": ("<", False),
    "\\leq": ("<", False), "\\leqslant": ("<", False), "\\ge": (">", False), "\\geq": (">", False),
    "\\geqslant": (">", False),
}  # fmt: skip
# a relation token: a LaTeX command (checked against _RELATIONS), or one of the symbol forms
_RELATION_TOKEN_RE = re.compile(r"\\[A-Za-z]+|[<>]=?|=[<>]?|[\u2264\u2265\u2a7d\u2a7e]|!=")
_VARIABLE_NAME_RE = re.compile(r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|\\[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?")
_NOT_VARIABLES = frozenset({"\\infty", "\\pi", "e"})
_FREE_LETTER_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]")


def inequality_interval(s: str) -> tuple[str, str] | None:
    """Read an inequality in one variable as an interval: ``"x < 4"`` -> ("x", ``"(-\\infty, 4)"``).

    Forms: ``x < a``, ``a < x`` (and ``>``), ``a < x < b`` (both relations pointing the same way).
    Relations: ``< > <= >= ≤ ≥ \\lt \\gt \\le \\leq \\ge \\geq \\leqslant \\geqslant``; strict ones give
    open ends, the others closed ends; infinite ends are open. One linear scan, no eval.

    Args:
        s: a normalised answer.

    Returns:
        (variable, interval in LaTeX) or None when ``s`` is not such an inequality (an equation, a
        ``\\ne``, two variables, relations pointing both ways, ...).
    """
    cuts: list[tuple[int, int, str, bool]] = []
    for m in _RELATION_TOKEN_RE.finditer(s):
        token = m.group()
        if token in _RELATIONS:
            direction, strict = _RELATIONS[token]
            cuts.append((m.start(), m.end(), direction, strict))
            if len(cuts) > 2:
                return None
        elif token[0] != "\\":
            return None  # "=", "!=": an equation or a negation, not an interval
        elif token in ("\\ne", "\\neq", "\\approx", "\\equiv"):
            return None
    if not cuts or len({c[2] for c in cuts}) != 1:
        return None
    parts, start = [], 0
    for begin, end, _, _ in cuts:
        parts.append(s[start:begin].strip())
        start = end
    parts.append(s[start:].strip())
    if any(not part for part in parts):
        return None
    is_var = [_is_variable(x) for x in parts]
    less = cuts[0][2] == "<"
    negated = [x.startswith("-") and _is_variable(x[1:].strip()) for x in parts]
    if sum(negated) == 1 and not any(is_var):
        # "-x > -1" is "x < 1": multiplying by -1 negates every side and flips the relation
        parts = [x[1:].strip() if neg else negate(x) for x, neg in zip(parts, negated)]
        is_var, less = negated, not less
    if len(parts) == 3:
        if is_var != [False, True, False]:
            return None
        low, high = (parts[0], parts[2]) if less else (parts[2], parts[0])
        low_strict, high_strict = (cuts[0][3], cuts[1][3]) if less else (cuts[1][3], cuts[0][3])
        return parts[1], _interval(low, low_strict, high, high_strict)
    if is_var == [True, False]:
        var, bound, upper = parts[0], parts[1], less  # x < a: a is the upper end
    elif is_var == [False, True]:
        var, bound, upper = parts[1], parts[0], not less  # a < x: a is the lower end
    else:
        return None
    if upper:
        return var, _interval("-\\infty", True, bound, cuts[0][3])
    return var, _interval(bound, cuts[0][3], "\\infty", True)


def _is_variable(x: str) -> bool:
    return _VARIABLE_NAME_RE.fullmatch(x) is not None and x not in _NOT_VARIABLES


def negate(x: str) -> str:
    """``-x`` as text: "-1" -> "1", "3" -> "-3", "a+b" -> "-(a+b)", "-\\infty" -> "\\infty"."""
    x = x.strip()
    if x.startswith("-") and not any(op in x[1:] for op in "+-"):
        return x[1:].strip()
    if _SIMPLE_TERM_RE.fullmatch(x):
        return "-" + x
    return f"-({x})"


_SIMPLE_TERM_RE = re.compile(r"[0-9.]+|\\?[A-Za-z]+|\\frac\{[^{}]*\}\{[^{}]*\}|\\sqrt\{[^{}]*\}")


def computation_result(s: str) -> str:
    """The last side of a computation: "35 + 70 = 105" -> "105", "(2 + 3 = 5)" -> "5".

    Only when every side before the last is arithmetic without a variable (``x = 5`` and
    ``x + y = 3`` are equations, kept whole) and the equals signs are plain ones.
    """
    t = s.strip()
    if t.startswith("(") and t.endswith(")") and "=" in t:
        t = t[1:-1].strip()
    if "=" not in t or any(r in t for r in ("<=", ">=", "!=", "=<", "=>")):
        return s
    parts = [x.strip() for x in split_top(t.replace("=", ","), thousands=False)]
    if len(parts) < 2 or len(parts) != t.count("=") + 1 or not all(parts):
        return s  # a comma inside a side, or an empty side: not a plain chain
    if any(has_free_variable(x) or not any(c.isdigit() for c in x) for x in parts[:-1]):
        return s
    return parts[-1]


def _interval(low: str, low_open: bool, high: str, high_open: bool) -> str:
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def has_free_variable(s: str) -> bool:
    """True when ``s`` names a variable: a letter outside a LaTeX command name (``2x``, ``\\frac{a}{2}``;
    not ``\\pi`` or ``\\frac{1}{2}``). A trailing unit (``12 cm``) is not a variable."""
    number, unit = split_unit(s)
    return _FREE_LETTER_RE.search(number if unit is not None else s) is not None


def equation_sides(s: str) -> tuple[str, str] | None:
    """``"x + y = 3"`` -> ("x + y", "3"): the two sides of a single equation, or None (no ``=``,
    several, a relation such as ``<=``/``!=``, or a top-level list)."""
    at = s.find("=")
    if at <= 0 or s.find("=", at + 1) >= 0 or s[at - 1] in "<>!:=" or s[at + 1 : at + 2] in ("<", ">"):
        return None
    lhs, rhs = s[:at].strip(), s[at + 1 :].strip()
    if not lhs or not rhs or len(split_top(s, thousands=True)) > 1:
        return None
    return lhs, rhs

