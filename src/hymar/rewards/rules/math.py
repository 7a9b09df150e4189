"""Equivalence of a math answer with a gold answer: an exact fast path, then a sandboxed symbolic one.

`compare_math(pred, gold)` takes two already-extracted answer strings and returns a `Comparison`.
It never raises and returns within ``timeout`` + ~0.5 s from any thread or process.

Normalisation (both sides, pure string work, linear time): strip ``$``, ``\\( \\)``, ``\\[ \\]``,
``\\displaystyle``, ``\\left``/``\\right``, ``\\boxed{}``, spacing commands (``\\, \\; \\: \\! \\quad ~``),
``\\text{}``/``\\mathrm{}``-style wrappers (their content is kept), a trailing ``.``; ``\\dfrac``/``\\tfrac``
become ``\\frac``; degree marks (``^\\circ``, ``°``) and currency signs are decoration and ignored;
``x = 2`` / ``x \\in [1, 3)`` prefixes are dropped when the other side is a bare value (both sides
naming different variables is a mismatch); ``a and b`` / ``a or b`` read as the list ``a, b``; a
trailing "percent"/"per cent" is a ``%`` sign.

Fast path (in-process, no sympy, exact `Fraction` arithmetic; see ``numbers.py`` for number forms):
- numbers are compared exactly (confidence 1.0, method "rational");
- tolerance (method "tolerance", confidence 0.9): when either side is written as a decimal, values
  within the relative ``tolerance`` (default 1e-6) are equal;
- rounding (method "rounding", confidence 0.9): a predicted decimal with k written decimals equals
  the gold when |pred - gold| <= 0.5 * 10^-k and it has at least 2 significant digits for an exact
  gold (grading convention: 1/3 -> "0.33" right, "0.3" wrong; 5/6 -> "0.83") or 3 for a gold that is
  itself a rounded decimal ("2.53" -> "2.5" wrong);
- percent (confidence 0.9): ``50%`` equals both ``0.5`` and ``50``;
- units (see `split_unit`; spelled names, ``square``/``cubic``, ``km/h``, ``kilometers per hour``): same
  dimension -> converted exactly (``12 m`` == ``1200 cm``, confidence 1.0); different dimension -> not
  equal; unit on one side only -> the numbers are compared (confidence 0.9);
- counted nouns that are not units (``4 cats``, see `split_noun`): against a bare number the noun is
  ignored (confidence 0.9); against a unit, not equal; two different nouns, not equal (confidence 0.7);
- inequalities in one variable are intervals: ``x < 4`` == ``(-\\infty, 4)``, ``x \\geq 3`` ==
  ``[3, \\infty)``, ``2 \\le x \\le 5`` == ``[2, 5]`` (strictness decides the brackets);
- structures: ``(a, b)``/``[a, b)`` intervals and tuples compare brackets and items in order; ``\\{a, b\\}``
  sets and bare lists ``a, b`` compare order-free (a set against a bare list: confidence 0.9);
  items are compared recursively with the same rules;
- a number over the size limits (``numbers.MAX_DIGITS``/``MAX_EXPONENT``) -> undecided.
The fast path answers only when every part is a number (or infinity); otherwise:

Symbolic path (``2\\sqrt{2}`` vs ``\\sqrt{8}``, ``\\frac{\\pi}{2}`` vs ``\\pi/2``, ``x^2+2x+1`` vs ``(x+1)^2``):
math-verify's LaTeX grammar in a `BoundedRunner` worker process, killed on timeout. Equal -> 1.0.
Two equations that are not both "same variable = value" (``x + y = 3`` vs ``y = -x + 3``) are equal
when ``lhs - rhs`` of one is a nonzero constant multiple of the other's (same solution set), decided
by sympy in the same worker.
Input over ``MAX_SYMBOLIC_CHARS`` or nested deeper than ``MAX_NESTING`` -> undecided (size limit).

Outcomes: the gold unparseable, a timeout, a size limit -> ``Comparison.undecided``; the gold parses but
the prediction does not -> not equal with confidence 0.8 ("unparseable answer").

Why the symbolic path cannot eval model text (checked in the sources of math-verify 0.9 and
latex2sympy2_extended 1.11): we call ``math_verify.parse`` with ``[LatexExtractionConfig()]`` only, so
``extract_expr``/``parse_expr`` (the ExprExtractionConfig path, eval-based) is never reached; the LaTeX
path is an ANTLR grammar whose visitor builds sympy objects directly. The one string-to-eval call left
is ``sympy.Number(token)`` -> ``sympify`` -> ``parse_expr`` on NUMBER tokens, which the lexer limits to
digits, ``.`` and ``,``; ``variable_values`` (the other parse_expr call) is never passed. As defence in
depth the worker replaces ``parse_expr`` with a guard that refuses any string but a numeric literal or
a single identifier (sympy sympifies constant names itself when it lazily imports units), and
`audit_symbolic_compare` records every eval/exec/parse_expr call for the tests. math-verify's own
signal-based timeouts are disabled (``parsing_timeout=None``, ``timeout_seconds=None``): they fail off
the main thread; the parent process enforces time instead.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.braces import matching_brace
from hymar.rewards.rules.numbers import (
    NumberTooLarge,
    ParsedNumber,
    parse_number_ex,
    percent_words_to_sign,
    same_noun,
    split_noun,
    split_unit,
    unit_info,
)
from hymar.rewards.rules.sandbox import shared_runner

MAX_INPUT_CHARS = 2000
MAX_SYMBOLIC_CHARS = 1000
MAX_NESTING = 32
MAX_ITEMS = 64
# Element comparisons one call may make (order-free matching of nested sets is quadratic per level).
MAX_ELEMENT_COMPARISONS = 4096
PARTIAL_CONFIDENCE = 0.9
UNPARSEABLE_CONFIDENCE = 0.8
#: a number with a counted noun against the same number with a different noun ("4 cats" vs "4 dogs")
NOUN_MISMATCH_CONFIDENCE = 0.7
#: significant digits a rounded decimal needs to match an exact gold (1/3 -> "0.33")
ROUNDING_MIN_SIG_DIGITS = 2
#: ... and to match a gold that is itself a rounded decimal ("2.534" -> "2.53", not "2.5")
ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD = 3
_CACHE_SIZE = 4096

__all__ = ["compare_math", "compare_math_many", "normalise", "warm_up"]


# ----------------------------------------------------------------------------------------------
# normalisation

_PLAIN_REPLACEMENTS = (
    ("\u2212", "-"),
    ("\u221e", "\\infty"),
    ("\\infin ", "\\infty "),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("\\displaystyle", ""),
    ("\\textstyle", ""),
    ("\\$", ""),  # currency: decoration
    ("$", ""),
    ("\\(", ""),
    ("\\)", ""),
    ("\\[", ""),
    ("\\]", ""),
    ("\\lbrace", "\\{"),
    ("\\rbrace", "\\}"),
    ("\\%", "%"),
    ("\\!", ""),
    ("\\,", " "),
    ("\\;", " "),
    ("\\:", " "),
    ("\\ ", " "),
    ("\\qquad", " "),
    ("\\quad", " "),
    ("~", " "),
    ("^{\\circ}", "°"),
    ("^\\circ", "°"),
    ("\\degree", "°"),
    ("\\circ", "°"),
)
_LEFT_RIGHT_RE = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![A-Za-z])")
_WRAPPER_START_RE = re.compile(
    r"\\(?:text|mathrm|textrm|mbox|textbf|mathbf|textit|mathit|textnormal|boxed)\s*\{"
)
_MAX_UNWRAPS = 64
_AND_OR_RE = re.compile(r"\s+(?:and|or)\s+")
_SPACES_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical string form of an answer (see the module docstring for the rules).

    Args:
        text: an extracted answer, e.g. ``"$\\dfrac{1}{2}$."``.

    Returns:
        The normalised string, e.g. ``"\\frac{1}{2}"``.
    """
    s = text
    for old, new in _PLAIN_REPLACEMENTS:
        if old in s:
            s = s.replace(old, new)
    s = _LEFT_RIGHT_RE.sub("", s)
    s = _unwrap_wrappers(s)
    s = _SPACES_RE.sub(" ", s).strip()
    s = percent_words_to_sign(s)
    s = _AND_OR_RE.sub(", ", s)
    while s.endswith(".") and not s.endswith(".."):
        s = s[:-1].rstrip()
    if s.startswith("+") and not s.startswith("+-"):
        s = s[1:].lstrip()
    return s


def _unwrap_wrappers(s: str) -> str:
    """Replace ``\\text{...}``, ``\\boxed{...}`` and friends by their content (nested braces allowed)."""
    pos = 0
    for _ in range(_MAX_UNWRAPS):
        m = _WRAPPER_START_RE.search(s, pos)
        if m is None:
            break
        close = matching_brace(s, m.end() - 1)
        if close is None:
            break
        s = f"{s[: m.start()]} {s[m.end() : close]} {s[close + 1 :]}"
        pos = m.start()
    return s


_VAR_RE = re.compile(
    r"(?P<v>[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|\\[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?)\s*(?:=|\\in(?![A-Za-z]))\s*(?P<rhs>.+)",
    re.DOTALL,
)


def strip_variable(s: str) -> tuple[str | None, str]:
    """``"x = 2"`` -> ("x", "2"); ``"x \\in [1,3)"`` -> ("x", "[1,3)"); anything else -> (None, s)."""
    m = _VAR_RE.fullmatch(s)
    if m is None or "=" in m.group("rhs"):
        return None, s
    return m.group("v"), m.group("rhs").strip()


# ----------------------------------------------------------------------------------------------
# inequalities (as intervals) and equations

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
    is_var = [_VARIABLE_NAME_RE.fullmatch(x) is not None and x not in _NOT_VARIABLES for x in parts]
    less = cuts[0][2] == "<"
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
    if not lhs or not rhs or len(_split_top(s, thousands=True)) > 1:
        return None
    return lhs, rhs


# ----------------------------------------------------------------------------------------------
# structures: tuples / intervals, sets, bare lists

_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class _Struct:
    kind: str  # "seq" (bracketed, ordered), "set" (\{...\}), "list" (bare commas)
    brackets: str  # e.g. "[)" for seq, "" otherwise
    items: tuple[str, ...]


def _nesting_depth(s: str) -> int:
    depth = deepest = 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth -= 1
    return deepest


def _encloses(s: str, start: int, end: int) -> bool:
    """True when the bracket at ``start`` closes exactly at ``end`` (any bracket kinds, so that
    half-open intervals count)."""
    depth = 0
    for i in range(start, end + 1):
        ch = s[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return i == end
    return False


def _split_top(s: str, *, thousands: bool) -> list[str]:
    """Split on commas at bracket depth 0. With ``thousands``, a comma between a 1-3 digit group and
    exactly three digits (``1,234``) is a thousands separator, not a split."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            if thousands and _is_thousands_comma(s, i):
                continue
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _is_thousands_comma(s: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and s[j].isdigit():
        j -= 1
    before = i - 1 - j  # digits in the group before the comma
    if not 1 <= before <= 3 or (j >= 0 and s[j] == "."):
        return False
    after = s[i + 1 : i + 5]
    return len(after) >= 3 and after[:3].isdigit() and (len(after) == 3 or not after[3].isdigit())


def _structure(s: str) -> _Struct | None:
    """The structure of ``s`` or None for a scalar. Raises ValueError for too many items."""
    if s.startswith("\\{") and s.endswith("\\}") and len(s) >= 4:
        inner = s[2:-2].strip()
        items = tuple(_split_top(inner, thousands=False)) if inner else ()
        return _checked(_Struct("set", "", items))
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _encloses(s, 0, len(s) - 1):
        items = tuple(_split_top(s[1:-1], thousands=False))
        return _checked(_Struct("seq", s[0] + s[-1], items))
    items = tuple(_split_top(s, thousands=True))
    if len(items) > 1:
        return _checked(_Struct("list", "", items))
    return None


def _checked(struct: _Struct) -> _Struct:
    if len(struct.items) > MAX_ITEMS:
        raise _SizeLimit(f"more than {MAX_ITEMS} items")
    return struct


class _SizeLimit(ValueError):
    pass


class _Budget:
    """Counts element comparisons so that the in-process fast path stays bounded in time."""

    def __init__(self, limit: int = MAX_ELEMENT_COMPARISONS) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _SizeLimit(f"more than {MAX_ELEMENT_COMPARISONS} element comparisons")


# ----------------------------------------------------------------------------------------------
# fast path

_INFINITY = {"\\infty": 1, "+\\infty": 1, "-\\infty": -1, "inf": 1, "-inf": -1, "infinity": 1}


def _scalar(s: str) -> tuple[str, Any, str | None, str | None] | None:
    """("inf", sign, None, None) | ("num", ParsedNumber, unit, noun) | None when not a plain number.

    ``noun`` is a counted noun that is not a unit ("4 cats" -> "cats", see `split_noun`), else None.
    """
    if s in _INFINITY:
        return "inf", _INFINITY[s], None, None
    number, unit = split_unit(s)
    parsed = parse_number_ex(number)
    if parsed is not None:
        return "num", parsed, unit, None
    if unit is None and (counted := split_noun(s)) is not None:
        parsed = parse_number_ex(counted[0])
        if parsed is not None:
            return "num", parsed, None, counted[1]
    return None


def _fast(p: str, g: str, tol: float, budget: _Budget, depth: int = 0) -> Comparison | None:
    """Compare normalised strings with exact arithmetic; None when the fast path cannot decide.
    Raises _SizeLimit when ``budget`` runs out, NumberTooLarge for numbers over the limits."""
    budget.spend()
    if depth > 6:
        return None
    pv, pb = strip_variable(p)
    gv, gb = strip_variable(g)
    if pv and gv and pv != gv:
        if depth == 0 and (has_free_variable(pb) or has_free_variable(gb)):
            # "y = 3 - x" vs "x = 3 - y": equations, compared by the symbolic path. Inside a list
            # ("x = a, y = b") items are named values, and different names do not match.
            return None
        return Comparison(False, 1.0, "structure", "different variables")
    pi, gi = inequality_interval(pb), inequality_interval(gb)
    if pi is not None and gi is not None and pi[0] != gi[0]:
        return Comparison(False, 1.0, "structure", "different variables")
    # "x < 4" is the interval (-\infty, 4): compared with the interval rules (brackets matter)
    pb = pi[1] if pi is not None else pb
    gb = gi[1] if gi is not None else gb
    if pb == gb:
        return Comparison(True, 1.0, "exact")
    ps, gs = _structure(pb), _structure(gb)
    ps, pb = _unwrap_single(ps, pb)
    gs, gb = _unwrap_single(gs, gb)
    if ps is None and gs is None:
        return _compare_scalars(pb, gb, tol)
    if ps is not None and gs is not None:
        return _compare_structs(ps, gs, tol, budget, depth)
    struct, scalar = (gs, pb) if gs is not None else (ps, gb)
    assert struct is not None
    if struct.kind in ("set", "list"):
        # a lone value against a set or list of answers: an order-free list of one
        result = _compare_structs(_Struct("list", "", (scalar,)), struct, tol, budget, depth)
        return _capped(result, PARTIAL_CONFIDENCE) if result is not None and result.equal else result
    items = [_scalar(x) for x in struct.items]
    if _scalar(scalar) is not None and all(i is not None for i in items):
        return Comparison(False, 1.0, "structure", "a number against a tuple or interval")
    return None


def _unwrap_single(struct: _Struct | None, s: str) -> tuple[_Struct | None, str]:
    """``(5)`` is the number 5, not a 1-tuple."""
    if struct is not None and struct.kind == "seq" and len(struct.items) == 1 and struct.brackets == "()":
        inner = struct.items[0]
        return _structure(inner), inner
    return struct, s


def _compare_structs(a: _Struct, b: _Struct, tol: float, budget: _Budget, depth: int) -> Comparison | None:
    if (a.kind == "seq") != (b.kind == "seq"):
        return None  # "(1, 2)" vs "1, 2": a point or two answers? leave it to the symbolic path
    if any(not item for item in a.items + b.items):
        return None
    if a.kind == "seq":
        if a.brackets != b.brackets:
            return Comparison(False, 1.0, "structure", f"brackets {a.brackets} vs {b.brackets}")
        if len(a.items) != len(b.items):
            return Comparison(False, 1.0, "structure", "different lengths")
        results = [_fast(x, y, tol, budget, depth + 1) for x, y in zip(a.items, b.items)]
        if any(r is None or r.equal is None for r in results):
            return None
        return _combine(results, ordered=True)  # type: ignore[arg-type]
    # order-free: every item of each side equals some item of the other (set semantics)
    matrix = [[_fast(x, y, tol, budget, depth + 1) for y in b.items] for x in a.items]
    if any(r is None or r.equal is None for row in matrix for r in row):
        return None
    a_matched = [max((r.confidence for r in row if r.equal), default=None) for row in matrix]
    b_matched = [
        max((matrix[i][j].confidence for i in range(len(a.items)) if matrix[i][j].equal), default=None)
        for j in range(len(b.items))
    ]
    if any(c is None for c in a_matched + b_matched):
        return Comparison(False, 1.0, "structure", "items differ")
    confidence = min(c for c in a_matched + b_matched if c is not None)
    if a.kind != b.kind:
        confidence = min(confidence, PARTIAL_CONFIDENCE)
    return Comparison(True, confidence, "structure")


def _combine(results: list[Comparison], ordered: bool) -> Comparison:
    if all(r.equal for r in results):
        return Comparison(True, min((r.confidence for r in results), default=1.0), "structure")
    return Comparison(False, 1.0, "structure", "items differ" if ordered else None)


def _capped(result: Comparison, cap: float) -> Comparison:
    return replace(result, confidence=min(result.confidence, cap))


def _compare_scalars(p: str, g: str, tol: float) -> Comparison | None:
    ps, gs = _scalar(p), _scalar(g)
    if ps is None or gs is None:
        return None
    if ps[0] == "inf" or gs[0] == "inf":
        equal = ps[0] == gs[0] and ps[1] == gs[1]
        return Comparison(equal, 1.0, "exact")
    p_noun, g_noun = ps[3], gs[3]
    if p_noun is None and g_noun is None:
        return _compare_numbers(ps[1], ps[2], gs[1], gs[2], tol)
    return _compare_counted(ps[1], ps[2], p_noun, gs[1], gs[2], g_noun, tol)


def _compare_counted(
    p: ParsedNumber, p_unit: str | None, p_noun: str | None,
    g: ParsedNumber, g_unit: str | None, g_noun: str | None, tol: float,
) -> Comparison:
    """Numbers of which at least one carries a counted noun ("4 cats").

    A noun is not a unit: against a bare number it is ignored (confidence 0.9, like an assumed unit);
    against a real unit it is a mismatch; two nouns must name the same thing (singular/plural
    alike), else the verdict is "not equal" at `NOUN_MISMATCH_CONFIDENCE`.
    """
    other_unit = g_unit if p_noun is not None else p_unit
    if other_unit is not None and unit_info(other_unit)[0] is not None:
        return Comparison(False, PARTIAL_CONFIDENCE, "unit", "a counted noun against a unit")
    result = _compare_numbers(p, None, g, None, tol)
    if p_noun is not None and g_noun is not None:
        if same_noun(p_noun, g_noun):
            return result
        if result.equal:
            why = f"counted nouns differ: {p_noun} vs {g_noun}"
            return Comparison(False, NOUN_MISMATCH_CONFIDENCE, "noun", why)
        return result
    if not result.equal:
        return result
    note = "; ".join(x for x in ("counted noun ignored", result.reason) if x)
    return Comparison(True, min(result.confidence, PARTIAL_CONFIDENCE), result.method, note)


class _UnitScale(NamedTuple):
    p_factor: Fraction
    g_factor: Fraction
    cap: float
    note: str | None
    p_dim: str | None


def _reconcile_units(p_unit: str | None, g_unit: str | None) -> _UnitScale | Comparison:
    """How the two sides' units relate: different dimensions are a wrong answer; the same dimension
    gives both conversion factors; a unit on one side only is assumed (confidence capped at 0.9)."""
    p_dim, p_factor = unit_info(p_unit) if p_unit else (None, Fraction(1))
    g_dim, g_factor = unit_info(g_unit) if g_unit else (None, Fraction(1))
    if p_dim and g_dim:
        if p_dim != g_dim:
            return Comparison(False, 1.0, "unit", f"units {p_unit} vs {g_unit}")
        return _UnitScale(p_factor, g_factor, 1.0, None, p_dim)
    if p_dim or g_dim:
        return _UnitScale(Fraction(1), Fraction(1), PARTIAL_CONFIDENCE, "unit assumed", p_dim)
    return _UnitScale(Fraction(1), Fraction(1), 1.0, None, p_dim)


def _compare_numbers(
    p: ParsedNumber, p_unit: str | None, g: ParsedNumber, g_unit: str | None, tol: float
) -> Comparison:
    units = _reconcile_units(p_unit, g_unit)
    if isinstance(units, Comparison):
        return units
    p_factor, g_factor, cap, note = units.p_factor, units.g_factor, units.cap, units.note
    candidates = [(p, g, 1.0, None)]
    if p.percent != g.percent:
        # "50%" vs "0.5" (value/100) and "50%" vs "50" (the bare number): both accepted, 0.9
        raw_p = _undo_percent(p)
        raw_g = _undo_percent(g)
        candidates = [(p, g, PARTIAL_CONFIDENCE, "percent"), (raw_p, raw_g, PARTIAL_CONFIDENCE, "percent")]
    for cp, cg, conf, why in candidates:
        match = _numbers_equal(cp, cg, p_factor, g_factor, tol)
        if match is not None:
            method, mconf = match
            reason = "; ".join(x for x in (note, why, None if method == "rational" else method) if x)
            return Comparison(True, min(cap, conf, mconf), method, reason or None)
    return Comparison(False, cap, "rational", note)


def _undo_percent(n: ParsedNumber) -> ParsedNumber:
    if not n.percent:
        return n
    decimals = n.decimals - 2 if n.decimals is not None else None
    return ParsedNumber(value=n.value * 100, percent=False, decimals=decimals, sig_digits=n.sig_digits)


def _numbers_equal(
    p: ParsedNumber, g: ParsedNumber, p_factor: Fraction, g_factor: Fraction, tol: float
) -> tuple[str, float] | None:
    pv, gv = p.value * p_factor, g.value * g_factor
    if pv == gv:
        return "rational", 1.0
    diff = abs(pv - gv)
    if not (p.exact and g.exact) and diff <= Fraction(tol) * max(abs(pv), abs(gv)):
        return "tolerance", PARTIAL_CONFIDENCE
    # Grading convention: a rounding of an exact value (1/3, 5/6, 2\pi) needs 2 significant digits
    # ("0.33", "0.83"; "0.3" is too coarse). A gold that is itself a rounded decimal keeps 3: a coarser
    # rounding of a rounded gold ("2.5" for "2.53") throws away precision the gold states.
    min_sig = ROUNDING_MIN_SIG_DIGITS if g.exact else ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD
    if p.decimals is not None and p.sig_digits >= min_sig:
        half_ulp = Fraction(1, 2) * Fraction(10) ** (-p.decimals) * p_factor
        if diff <= half_ulp:
            return "rounding", PARTIAL_CONFIDENCE
    return None


# ----------------------------------------------------------------------------------------------
# symbolic path: parent side


@dataclass(frozen=True)
class _Job:
    pred: str
    gold: str
    cap: float = 1.0
    note: str | None = None
    pred_number: ParsedNumber | None = None  # set when pred is a plain number (rounding rule)
    tol: float = 1e-6
    equation: bool = False  # pred/gold are "lhs-(rhs)" of two equations (see `symbolic_compare`)

    @property
    def key(self) -> tuple[str, str, bool, bool]:
        """The worker call's arguments, also the verdict cache key."""
        return (self.pred, self.gold, self.pred_number is not None, self.equation)


class _LRU:
    """A small thread-safe LRU of symbolic verdicts keyed by (pred, gold)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, str, bool, bool], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bool, bool]) -> str | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple[str, str, bool, bool], value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_VERDICTS = _LRU(_CACHE_SIZE)


_DECIMAL_RE = re.compile(r"[0-9]\.[0-9]")


def _symbolic_job(p: str, g: str, tol: float) -> _Job | Comparison:
    """Strip variables and units so that the worker compares bare expressions."""
    if len(p) > MAX_SYMBOLIC_CHARS or len(g) > MAX_SYMBOLIC_CHARS:
        return Comparison.undecided("input over size limit for symbolic comparison", method="size_limit")
    if _nesting_depth(p) > MAX_NESTING or _nesting_depth(g) > MAX_NESTING:
        return Comparison.undecided("input nested too deeply for symbolic comparison", method="size_limit")
    equations = _equation_job(p, g, tol)
    if equations is not None:
        return equations
    pi, gi = inequality_interval(p), inequality_interval(g)
    if (pi is None) != (gi is None):  # one side an inequality, the other (say) an interval
        p, g = (pi[1] if pi is not None else p), (gi[1] if gi is not None else g)
    _, pb = strip_variable(p)
    _, gb = strip_variable(g)
    p_num, p_unit = split_unit(pb)
    g_num, g_unit = split_unit(gb)
    units = _reconcile_units(p_unit, g_unit)
    if isinstance(units, Comparison):
        return units
    cap, note, p_dim = units.cap, units.note, units.p_dim
    ratio = units.p_factor / units.g_factor
    if ratio != 1:  # express pred in the gold's unit
        p_num = f"({p_num})\\cdot\\frac{{{ratio.numerator}}}{{{ratio.denominator}}}"
    if _DECIMAL_RE.search(p_num) or _DECIMAL_RE.search(g_num):
        # math-verify compares decimals after rounding to 6 places: a tolerance match, not exact
        cap, note = PARTIAL_CONFIDENCE, note or "decimal compared numerically"
    try:
        pred_number = parse_number_ex(p_num) if p_unit is None or p_dim else None
    except NumberTooLarge:
        pred_number = None
    # the LaTeX grammar knows ^\circ, not the ° our normalisation produced
    p_num, g_num = p_num.replace("°", "^{\\circ}"), g_num.replace("°", "^{\\circ}")
    return _Job(p_num, g_num, cap, note, pred_number, tol)


def _equation_job(p: str, g: str, tol: float) -> _Job | None:
    """Two equations that are not both "same variable = value": compare ``lhs - rhs`` of each up to
    a nonzero constant factor (``x + y = 3`` == ``y = -x + 3`` == ``2x + 2y = 6``). None otherwise."""
    p_sides, g_sides = equation_sides(p), equation_sides(g)
    if p_sides is None or g_sides is None:
        return None
    pv, _ = strip_variable(p)
    gv, _ = strip_variable(g)
    if pv is not None and pv == gv:
        return None  # "y = 2x + 1" vs "y = 1 + 2x": the values are compared (rounding rules apply)
    cap, note = 1.0, "equations equal up to a constant factor"
    if _DECIMAL_RE.search(p) or _DECIMAL_RE.search(g):
        cap = PARTIAL_CONFIDENCE
    pred, gold = (f"{lhs}-({rhs})" for lhs, rhs in (p_sides, g_sides))
    return _Job(pred.replace("°", "^{\\circ}"), gold.replace("°", "^{\\circ}"), cap, note, None, tol, True)


def _verdict_to_comparison(verdict: str, job: _Job) -> Comparison:
    if verdict == "equal":
        return Comparison(True, job.cap, "symbolic", job.note)
    if verdict == "not_equal":
        return Comparison(False, 1.0, "symbolic")
    if verdict.startswith("gold_value:"):
        # pred is a plain number, gold a real constant such as 2\pi: apply the fast path's rules
        gold_value = parse_number_ex(verdict.partition(":")[2])
        if gold_value is not None and job.pred_number is not None:
            gold_value = ParsedNumber(gold_value.value)  # exact for the rounding rule
            match = _numbers_equal(job.pred_number, gold_value, Fraction(1), Fraction(1), job.tol)
            if match is not None:
                return Comparison(True, min(match[1], job.cap), match[0], f"{match[0]} of a symbolic value")
        return Comparison(False, 1.0, "symbolic")
    if verdict == "pred_unparseable":
        return Comparison(False, UNPARSEABLE_CONFIDENCE, "symbolic", "unparseable answer")
    if verdict == "gold_unparseable":
        return Comparison.undecided("gold answer unparseable", method="symbolic")
    if verdict == "timeout":
        return Comparison.undecided("symbolic comparison timed out", method="symbolic")
    return Comparison.undecided(f"symbolic comparison failed: {verdict}", method="symbolic")


def _outcome_verdict(outcome: Any) -> str:
    if outcome.ok:
        return str(outcome.value)
    if outcome.timed_out:
        return "timeout"
    return f"error: {outcome.error}"


def _prepare(pred: Any, gold: Any, tol: float) -> Comparison | _Job:
    if not isinstance(gold, str) or not gold.strip():
        return Comparison.undecided("empty or non-text gold answer", method="input")
    if not isinstance(pred, str) or not pred.strip():
        return Comparison(False, UNPARSEABLE_CONFIDENCE, "input", "unparseable answer")
    if len(gold) > MAX_INPUT_CHARS:
        return Comparison.undecided("gold answer over size limit", method="size_limit")
    if len(pred) > MAX_INPUT_CHARS:
        return Comparison.undecided("answer over size limit", method="size_limit")
    g, p = normalise(gold), normalise(pred)
    if not g:
        return Comparison.undecided("gold answer empty after normalisation", method="input")
    if not p:
        return Comparison(False, UNPARSEABLE_CONFIDENCE, "input", "unparseable answer")
    if p == g:
        return Comparison(True, 1.0, "exact")
    try:
        fast = _fast(p, g, tol, _Budget())
    except NumberTooLarge as exc:
        return Comparison.undecided(f"number too large ({exc})", method="size_limit")
    except _SizeLimit as exc:
        return Comparison.undecided(f"answer over size limit ({exc})", method="size_limit")
    if fast is not None:
        return fast
    if _BARE_WORDS_RE.fullmatch(p) and p.lower() not in _CONSTANT_NAMES and _gold_is_number(g):
        # Sampled text such as "the" or "your" against "4": sympy would read it as a product of
        # symbols and spend milliseconds deciding what is plain from here.
        return Comparison(False, 1.0, "non_numeric", "a word answer for a numeric gold")
    return _symbolic_job(p, g, tol)


# Words with no digit, backslash or operator; constant names that can denote a number are excluded.
_BARE_WORDS_RE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){0,20}")
_CONSTANT_NAMES = frozenset({"e", "i", "pi", "inf", "infty", "infinity", "oo"})


def _gold_is_number(g: str) -> bool:
    try:
        return parse_number_ex(g) is not None
    except NumberTooLarge:
        return False


def compare_math(pred: str, gold: str, *, tolerance: float = 1e-6, timeout: float = 1.0) -> Comparison:
    """Judge whether an extracted answer equals the gold answer (semantics: module docstring).

    Args:
        pred: the model's extracted final answer (untrusted text).
        gold: the gold answer.
        tolerance: relative tolerance for decimal (rounded) values.
        timeout: seconds allowed for the symbolic path (the fast path takes microseconds).

    Returns:
        A Comparison; ``Comparison.undecided`` when the gold cannot be parsed, on timeout, or over a
        size limit. Never raises.

    >>> compare_math("1200 cm", "12 m").equal, compare_math("0.05", "0.5").equal
    (True, False)
    """
    deadline = time.monotonic() + timeout
    try:
        prepared = _prepare(pred, gold, tolerance)
        if isinstance(prepared, Comparison):
            return prepared
        return _run_symbolic([prepared], deadline, timeout)[0]
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return Comparison.undecided(f"internal error: {type(exc).__name__}: {exc}", method="error")


def compare_math_many(
    pairs: list[tuple[str, str]], *, tolerance: float = 1e-6, timeout: float = 1.0
) -> list[Comparison]:
    """`compare_math` over many (pred, gold) pairs, sending the symbolic ones to the worker in one
    batch (each with its own ``timeout``). Never raises."""
    results: list[Comparison | None] = [None] * len(pairs)
    jobs: list[tuple[int, _Job]] = []
    for i, (pred, gold) in enumerate(pairs):
        try:
            prepared = _prepare(pred, gold, tolerance)
        except Exception as exc:  # noqa: BLE001
            prepared = Comparison.undecided(f"internal error: {type(exc).__name__}: {exc}", method="error")
        if isinstance(prepared, Comparison):
            results[i] = prepared
        else:
            jobs.append((i, prepared))
    if jobs:
        try:
            done = _run_symbolic([job for _, job in jobs], time.monotonic() + timeout, timeout)
        except Exception as exc:  # noqa: BLE001
            done = [Comparison.undecided(f"internal error: {type(exc).__name__}", method="error")] * len(jobs)
        for (i, _), comparison in zip(jobs, done):
            results[i] = comparison
    return [r if r is not None else Comparison.undecided("internal error", method="error") for r in results]


def _run_symbolic(jobs: list[_Job], first_deadline: float, timeout_each: float) -> list[Comparison]:
    verdicts: dict[tuple[str, str, bool, bool], str] = {}
    todo: list[tuple[str, str, bool, bool]] = []
    for job in jobs:
        key = job.key
        cached = _VERDICTS.get(key)
        if cached is not None:
            verdicts[key] = cached
        elif key not in todo:
            todo.append(key)
    if len(todo) == 1:
        remaining = max(0.05, first_deadline - time.monotonic())
        outcomes = [shared_runner().run(symbolic_compare, *todo[0], timeout=remaining)]
    elif todo:
        outcomes = shared_runner().run_many(symbolic_compare, todo, timeout_each=timeout_each)
    else:
        outcomes = []
    for key, outcome in zip(todo, outcomes):
        verdict = _outcome_verdict(outcome)
        verdicts[key] = verdict
        # Only decided verdicts are cached. A timeout says as much about the load (a busy pool, a
        # slow machine) as about the input, so caching it turned a correct pair into a permanent
        # invalid; repeats inside one batch are still sent once (the `todo` de-duplication above).
        if outcome.ok:
            _VERDICTS.put(key, verdict)
    return [_verdict_to_comparison(verdicts[job.key], job) for job in jobs]


def warm_up(wait: float = 30.0) -> bool:
    """Start the symbolic workers now (fork server, sympy import, first parse) so that the first
    training step does not pay for it. Returns True when they are ready."""
    runner = shared_runner()
    if not runner.warm(wait):
        return False
    return runner.run(symbolic_compare, "1", "1", timeout=wait).ok


# ----------------------------------------------------------------------------------------------
# symbolic path: worker side (runs only inside sandbox workers)

# What the guard lets through to sympy's eval-based parser: numeric literals (the NUMBER tokens of
# the LaTeX grammar) and single identifiers (sympy itself sympifies constant names such as 'yotta'
# while lazily importing sympy.physics.units). Evaluating either can only look a name up, never
# call anything: no parentheses, dots, quotes or operators get through.
_SAFE_PARSE_TEXT_RE = re.compile(r"[0-9.,eE+\- ]{1,2000}|[A-Za-z_][A-Za-z0-9_]{0,99}")
_GUARD_STATE: dict[str, Any] = {}


def _guarded_parse_expr(s: Any, *args: Any, **kwargs: Any) -> Any:
    """Replacement for sympy's eval-based parse_expr inside the worker: numbers and names only."""
    log = _GUARD_STATE.get("log")
    if not (isinstance(s, str) and _SAFE_PARSE_TEXT_RE.fullmatch(s)):
        if log is not None:
            log["refused"].append(repr(s)[:200])
        raise ValueError("hymar sandbox: refusing eval-based parsing of non-numeric text")
    if log is not None:
        log["parse_expr"].append(s)
    return _GUARD_STATE["original"](s, *args, **kwargs)


def _install_guards() -> None:
    if _GUARD_STATE.get("installed"):
        return
    import logging

    import latex2sympy2_extended.latex2sympy2 as l2s
    import math_verify.parser as mv_parser
    import sympy.parsing
    import sympy.parsing.sympy_parser as sympy_parser

    _GUARD_STATE["original"] = sympy_parser.parse_expr
    # sympify() imports parse_expr from sympy_parser at call time, so patching the module suffices
    sympy_parser.parse_expr = _guarded_parse_expr
    sympy.parsing.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    l2s.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    mv_parser.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    # "timeout disabled" warnings are expected: the parent process enforces time
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    _GUARD_STATE["installed"] = True


def _parse_latex(latex: str) -> tuple[Any, ...]:
    from math_verify import LatexExtractionConfig, parse

    return tuple(
        parse(
            f"${latex}$",
            extraction_config=[LatexExtractionConfig()],
            fallback_mode="no_fallback",
            parsing_timeout=None,  # type: ignore[arg-type]
        )
    )


@lru_cache(maxsize=512)
def _parse_gold(latex: str) -> tuple[Any, ...]:
    # A GRPO group shares one gold across 8-16 rollouts: parse it once per worker.
    return _parse_latex(latex)


def symbolic_compare(pred: str, gold: str, want_gold_value: bool = False, equation: bool = False) -> str:
    """Worker-side symbolic comparison with math-verify's LaTeX grammar.

    Args:
        pred: normalised predicted answer (LaTeX, no ``$``).
        gold: normalised gold answer.
        want_gold_value: when not equal and the gold is a real constant, return its value so the
            parent can apply its rounding rule to a numeric prediction.
        equation: pred and gold are ``lhs - (rhs)`` of two equations; they are equal when one is a
            nonzero constant multiple of the other (the equations have the same solutions).

    Returns:
        "equal", "not_equal", "gold_value:<decimal>", "gold_unparseable" or "pred_unparseable".
    """
    _install_guards()
    from math_verify import verify

    gold_parsed = _parse_gold(gold)
    if not gold_parsed:
        return "gold_unparseable"
    pred_parsed = _parse_latex(pred)
    if not pred_parsed:
        return "pred_unparseable"
    if equation:
        return _proportional(pred_parsed[0], gold_parsed[0])
    if verify(list(gold_parsed), list(pred_parsed), timeout_seconds=None):  # type: ignore[arg-type]
        return "equal"
    if want_gold_value:
        value = gold_parsed[0]
        if getattr(value, "is_number", False) and getattr(value, "is_real", False):
            # 40 significant digits: far beyond any rounding the rule accepts
            return f"gold_value:{value.evalf(40)}"
    return "not_equal"


def _proportional(pred: Any, gold: Any) -> str:
    """"equal" when ``pred == c * gold`` for a nonzero constant c (both sympy expressions with free
    symbols), "not_equal" otherwise. Runs in the worker, which the parent kills at the deadline."""
    import sympy

    if not (isinstance(pred, sympy.Expr) and isinstance(gold, sympy.Expr)):
        return "not_equal"
    if not (pred.free_symbols and gold.free_symbols):
        return "not_equal"  # "1 = 1" or "2 = 3": not an equation in a variable
    if sympy.simplify(pred - gold) == 0:
        return "equal"
    ratio = sympy.simplify(pred / gold)
    if ratio.free_symbols or not ratio.is_number or ratio.is_zero is not False or ratio.is_finite is not True:
        return "not_equal"
    return "equal"


def audit_symbolic_compare(pred: str, gold: str) -> dict[str, Any]:
    """Worker-side self-check: run `symbolic_compare` (caches cleared) while recording every call of
    builtins.eval/exec and of sympy's parse_expr. Used by the injection tests.

    Returns:
        {"verdict", "eval": [sources], "exec": [sources], "parse_expr": [accepted inputs],
        "refused": [refused inputs]}.
    """
    import builtins

    import math_verify.parser as mv_parser

    _install_guards()
    log: dict[str, list[str]] = {"eval": [], "exec": [], "parse_expr": [], "refused": []}
    real_eval, real_exec = builtins.eval, builtins.exec

    def recording_eval(src: Any, *args: Any, **kwargs: Any) -> Any:
        log["eval"].append(src if isinstance(src, str) else f"<{type(src).__name__}>")
        return real_eval(src, *args, **kwargs)

    def recording_exec(src: Any, *args: Any, **kwargs: Any) -> Any:
        log["exec"].append(src if isinstance(src, str) else f"<{type(src).__name__}>")
        return real_exec(src, *args, **kwargs)

    _parse_gold.cache_clear()
    mv_parser.parse_latex_cached.cache_clear()
    mv_parser.extract_latex.cache_clear()
    builtins.eval, builtins.exec = recording_eval, recording_exec
    _GUARD_STATE["log"] = log
    try:
        verdict = symbolic_compare(pred, gold)
    finally:
        builtins.eval, builtins.exec = real_eval, real_exec
        _GUARD_STATE.pop("log", None)
    return {"verdict": verdict, **log}
