"""Unions of intervals with constant ends, compared in process (``(1, \\infty) \\cup (-\\infty, -1)``).

A union of pairwise disjoint intervals that cannot merge (no overlap; two parts may share an end
only when both leave it out, as ``(2, 12) \\cup (12, 102)``) has exactly one way to be written up
to the order of its parts, so two such unions are equal exactly when they hold the same intervals
(ends and brackets). Ends are numbers (compared exactly) or constant expressions such as
``-\\frac12`` or ``\\sqrt{2}`` (evaluated by the numeric identity module, equal to 1e-12).
Anything else (ends with variables or decimals against an exact end, parts that could merge) is
left to the symbolic path: None.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hymar.rewards.rules.math.identity import constant_value
from hymar.rewards.rules.math.structures import split_top
from hymar.rewards.rules.numbers import parse_number_ex

_INF = {"\\infty": 1, "+\\infty": 1, "-\\infty": -1, "inf": 1, "-inf": -1, "infinity": 1}
# an end: (value, kind) where kind is -1 / +1 for minus / plus infinity, 0 for a finite end; the
# value is a Fraction for a number, a float for a constant expression
End = tuple[Fraction | float, int]
_CLOSE = 1e-12
Interval = tuple[End, bool, End, bool]  # (low, low closed, high, high closed)


def union_intervals(s: str) -> list[Interval] | None:
    """The intervals of ``s`` sorted by their low end, or None when ``s`` is not a union of
    intervals with numeric ends, at most 32 parts."""
    parts = [p.strip() for p in s.split("\\cup")]
    if len(parts) > 32:
        return None
    out = []
    for part in parts:
        interval = _interval(part)
        if interval is None:
            return None
        out.append(interval)
    return sorted(out, key=lambda iv: (_key(iv[0]), not iv[1]))


def compare_unions(p: str, g: str) -> bool | None:
    """True/False when both sides are canonical unions (see the module docstring), else None."""
    if "\\cup" not in p and "\\cup" not in g:
        return None
    a, b = union_intervals(p), union_intervals(g)
    if a is None or b is None or not (_canonical(a) and _canonical(b)):
        return None
    if len(a) != len(b):
        return False
    for (alo, alc, ahi, ahc), (blo, blc, bhi, bhc) in zip(a, b):
        lows, highs = _same_end(alo, blo), _same_end(ahi, bhi)
        if lows is None or highs is None:
            return None
        if not (lows and highs and alc == blc and ahc == bhc):
            return False
    return True


def _same_end(a: End, b: End) -> bool | None:
    """Equal ends; None when a float end is too close to an exact one to tell (a rounding)."""
    if a[1] != b[1]:
        return False
    if a[1] != 0 or (isinstance(a[0], Fraction) and isinstance(b[0], Fraction)):
        return a[0] == b[0]
    return math.isclose(float(a[0]), float(b[0]), rel_tol=_CLOSE, abs_tol=_CLOSE)


def _interval(part: str) -> Interval | None:
    if len(part) < 5 or part[0] not in "([" or part[-1] not in ")]":
        return None
    items = split_top(part[1:-1], thousands=False)
    if len(items) != 2:
        return None
    low, high = _end(items[0]), _end(items[1])
    if low is None or high is None:
        return None
    return low, part[0] == "[", high, part[-1] == "]"


def _end(text: str) -> End | None:
    t = text.strip()
    if t in _INF:
        return Fraction(0), _INF[t]
    try:
        parsed = parse_number_ex(t)
    except ValueError:  # NumberTooLarge
        return None
    if parsed is not None:
        if parsed.percent or not parsed.exact:
            return None  # a rounded decimal end: the symbolic path applies its rounding rules
        return parsed.value, 0
    value = constant_value(t)
    if value is None or abs(value.imag) > _CLOSE or not math.isfinite(value.real):
        return None
    return value.real, 0


def _key(end: End) -> tuple[int, float]:
    return (end[1], float(end[0]))


def _canonical(intervals: list[Interval]) -> bool:
    """Every part non-empty, and each ends before the next begins: strictly, or at a shared end
    that both parts leave out (they cannot merge there). Ends closer than `_CLOSE` but not equal
    are refused (a float end cannot order them)."""
    for low, _, high, _ in intervals:
        if _key(low) >= _key(high):
            return False
    for (_, _, high, high_closed), (low, low_closed, _, _) in zip(intervals, intervals[1:]):
        touching = _same_end(high, low)
        if touching:
            if high_closed or low_closed:
                return False
            continue
        if _key(high) >= _key(low) or touching is None:
            return False
    return True
