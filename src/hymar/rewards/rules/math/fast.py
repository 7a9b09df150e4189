"""The fast path: exact comparison of numbers, units and structures with `Fraction` arithmetic."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math.limits import (
    NOUN_MISMATCH_CONFIDENCE,
    ORDER_FREE_CONFIDENCE,
    ROUNDED_EXACT_CONFIDENCE,
    PARTIAL_CONFIDENCE,
    ROUNDING_MIN_SIG_DIGITS,
    ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD,
)
from hymar.rewards.rules.math.identity import numeric_verdict
from hymar.rewards.rules.math.relations import equation_sides, has_free_variable, inequality_interval
from hymar.rewards.rules.math.unions import compare_unions
from hymar.rewards.rules.math.normalise import strip_variable
from hymar.rewards.rules.math.structures import Budget, Struct, matrix_cells, structure
from hymar.rewards.rules.numbers import ParsedNumber, parse_number_ex, same_noun, split_noun, split_unit, unit_info

_INFINITY = {"\\infty": 1, "+\\infty": 1, "-\\infty": -1, "inf": 1, "-inf": -1, "infinity": 1}


@lru_cache(maxsize=8192)  # pure; golds repeat across a GRPO group
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


def fast_compare(p: str, g: str, tol: float, budget: Budget, depth: int = 0) -> Comparison | None:
    """Compare normalised strings with exact arithmetic; None when the fast path cannot decide.
    Raises SizeLimit when ``budget`` runs out, NumberTooLarge for numbers over the limits."""
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
    stated = _stated_value(pb, gb, tol, budget, depth)
    if stated is not None:
        return stated
    unions = compare_unions(pb, gb)
    if unions is not None:
        return Comparison(unions, 1.0, "structure", None if unions else "intervals differ")
    ps, gs = structure(pb), structure(gb)
    ps, pb = _unwrap_single(ps, pb)
    gs, gb = _unwrap_single(gs, gb)
    if ps is None and gs is None:
        pm, gm = matrix_cells(pb), matrix_cells(gb)
        if pm is not None and gm is not None:
            return _compare_matrices(pm, gm, tol, budget, depth)
        scalars = _compare_scalars(pb, gb, tol, budget.percent_question)
        if scalars is None and depth > 0:
            return _element_identity(pb, gb)
        return scalars
    if ps is not None and gs is not None:
        # one point against a list of points: a list of one (the list's other points are missing)
        if ps.kind == "seq" and gs.kind == "list" and _all_seqs(gs):
            ps = Struct("list", "", (pb,))
        elif gs.kind == "seq" and ps.kind == "list" and _all_seqs(ps):
            gs = Struct("list", "", (gb,))
        return _compare_structs(ps, gs, tol, budget, depth)
    struct, scalar = (gs, pb) if gs is not None else (ps, gb)
    assert struct is not None
    if struct.kind in ("set", "list"):
        # a lone value against a set or list of answers: an order-free list of one
        result = _compare_structs(Struct("list", "", (scalar,)), struct, tol, budget, depth)
        return _capped(result, PARTIAL_CONFIDENCE) if result is not None and result.equal else result
    items = [_scalar(x) for x in struct.items]
    if _scalar(scalar) is not None and all(i is not None for i in items):
        return Comparison(False, 1.0, "structure", "a number against a tuple or interval")
    return None


def _stated_value(p: str, g: str, tol: float, budget: Budget, depth: int) -> Comparison | None:
    """An answer "a + b = 12" for a numeric gold: the value it states, compared (as the symbolic
    path reads an equation against a number). One way only: a gold written as an equation
    ("2x + z = 1") is not met by its right-hand side, as the symbolic path also decides."""
    sides = equation_sides(p)
    if sides is None or _scalar(g) is None or _scalar(sides[1]) is None or not has_free_variable(sides[0]):
        return None  # "2 + 3 = 5" is a computation, already reduced to its result
    return fast_compare(sides[1], g, tol, budget, depth + 1)


def _all_seqs(struct: Struct) -> bool:
    return all(structure(item) is not None and structure(item).kind == "seq" for item in struct.items)  # type: ignore[union-attr]


def _compare_matrices(
    a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...], tol: float, budget: Budget, depth: int
) -> Comparison | None:
    """Same shape and every cell equal (cells compared by the fast path; None if one cannot be)."""
    if [len(r) for r in a] != [len(r) for r in b]:
        return Comparison(False, 1.0, "structure", "matrices of different shapes")
    results = [fast_compare(x, y, tol, budget, depth + 1) for ra, rb in zip(a, b) for x, y in zip(ra, rb)]
    return _combine_ordered(results)


def _unwrap_single(struct: Struct | None, s: str) -> tuple[Struct | None, str]:
    """``(5)`` is the number 5, not a 1-tuple; ``[90]`` is 90 (one value in brackets, as geometry
    sets write answers), not an interval, which needs two ends."""
    if struct is not None and struct.kind == "seq" and len(struct.items) == 1 and struct.brackets in ("()", "[]"):
        inner = struct.items[0]
        return structure(inner), inner
    return struct, s


def _compare_structs(a: Struct, b: Struct, tol: float, budget: Budget, depth: int) -> Comparison | None:
    if (a.kind == "seq") != (b.kind == "seq"):
        return None  # "(1, 2)" vs "1, 2": a point or two answers? leave it to the symbolic path
    if any(not item for item in a.items + b.items):
        return None
    if a.kind == "seq":
        if a.brackets != b.brackets:
            return Comparison(False, 1.0, "structure", f"brackets {a.brackets} vs {b.brackets}")
        if len(a.items) != len(b.items):
            return Comparison(False, 1.0, "structure", "different lengths")
        results = [fast_compare(x, y, tol, budget, depth + 1) for x, y in zip(a.items, b.items)]
        return _combine_ordered(results)
    # order-free: every item of each side equals some item of the other (set semantics)
    matrix = [[fast_compare(x, y, tol, budget, depth + 1) for y in b.items] for x in a.items]
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
    in_order = len(a.items) == len(b.items) and all(matrix[i][i].equal for i in range(len(a.items)))
    named = all(strip_variable(x)[0] for x in a.items + b.items)  # "x=1, y=2": names fix the pairing
    if a.kind == b.kind == "list" and not in_order and not named:
        # two bare lists in different orders: equal as lists of solutions (hymar's convention), but
        # some graders read a bare list as ordered answers, so the verdict is less certain
        confidence = min(confidence, ORDER_FREE_CONFIDENCE)
    return Comparison(True, confidence, "structure")


def _combine_ordered(results: list[Comparison | None]) -> Comparison | None:
    """Item-by-item results of a tuple or matrix: one item certainly different decides "not equal"
    whatever the others are (the symbolic path could only agree); else None while any is undecided."""
    if any(r is not None and r.equal is False and r.confidence >= 1.0 for r in results):
        return Comparison(False, 1.0, "structure", "items differ")
    if any(r is None or r.equal is None for r in results):
        return None
    return _combine(results, ordered=True)  # type: ignore[arg-type]


def _element_identity(p: str, g: str) -> Comparison | None:
    """An item of a tuple, list or matrix that is an expression (``\\frac{1}{3x^{2/3}}`` vs
    ``\\frac{1}{3\\sqrt[3]{x}^2}``): the numeric identity test, in process, as the symbolic stage
    applies it to a whole answer, so that one such item no longer sends the whole structure to the
    sympy worker. Items with units are left to the symbolic path (it converts them)."""
    if split_unit(p)[1] is not None or split_unit(g)[1] is not None:
        return None
    verdict = numeric_verdict(p, g)
    if verdict is None:
        return None
    if verdict == "not_equal":
        return Comparison(False, 1.0, "numeric_identity")
    decimal = any(ch == "." for ch in p + g)  # compared to 1e-9, not exactly: as a rounded decimal is
    return Comparison(True, PARTIAL_CONFIDENCE if decimal else 1.0, "numeric_identity")


def _combine(results: list[Comparison], ordered: bool) -> Comparison:
    if all(r.equal for r in results):
        return Comparison(True, min((r.confidence for r in results), default=1.0), "structure")
    return Comparison(False, 1.0, "structure", "items differ" if ordered else None)


def _capped(result: Comparison, cap: float) -> Comparison:
    return replace(result, confidence=min(result.confidence, cap))


def _compare_scalars(p: str, g: str, tol: float, percent_question: bool = False) -> Comparison | None:
    ps, gs = _scalar(p), _scalar(g)
    if ps is None or gs is None:
        return None
    if ps[0] == "inf" or gs[0] == "inf":
        equal = ps[0] == gs[0] and ps[1] == gs[1]
        return Comparison(equal, 1.0, "exact")
    p_noun, g_noun = ps[3], gs[3]
    if p_noun is None and g_noun is None:
        return _compare_numbers(ps[1], ps[2], gs[1], gs[2], tol, percent_question)
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


def reconcile_units(p_unit: str | None, g_unit: str | None) -> _UnitScale | Comparison:
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
    p: ParsedNumber, p_unit: str | None, g: ParsedNumber, g_unit: str | None, tol: float,
    percent_question: bool = False,
) -> Comparison:
    units = reconcile_units(p_unit, g_unit)
    if isinstance(units, Comparison):
        return units
    p_factor, g_factor, cap, note = units.p_factor, units.g_factor, units.cap, units.note
    candidates = [(p, g, 1.0, None)]
    if p.percent != g.percent:
        # "50%" vs "0.5" (value/100), at 0.9. The bare number ("25" for "25%") counts when the gold
        # carries the % sign; a % the prediction adds to a bare gold is a percent count only when the
        # question asks for a percentage or the gold is over 1: "0.25%" is not an answer for 0.25.
        candidates = [(p, g, PARTIAL_CONFIDENCE, "percent")]
        if g.percent or percent_question or abs(g.value) > 1:
            candidates.append((_undo_percent(p), _undo_percent(g), PARTIAL_CONFIDENCE, "percent"))
    for cp, cg, conf, why in candidates:
        match = numbers_equal(cp, cg, p_factor, g_factor, tol)
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


def numbers_equal(
    p: ParsedNumber, g: ParsedNumber, p_factor: Fraction, g_factor: Fraction, tol: float
) -> tuple[str, float] | None:
    pv, gv = p.value * p_factor, g.value * g_factor
    if pv == gv:
        return "rational", 1.0
    diff = abs(pv - gv)
    # A decimal answer for an exact gold (1/3, 2\pi) is a rounding of it, however close: accepted as
    # hymar's grading convention, at a confidence below that of a tolerance between two decimals.
    rounded_exact = ROUNDED_EXACT_CONFIDENCE if g.exact else PARTIAL_CONFIDENCE
    if not (p.exact and g.exact) and diff <= Fraction(tol) * max(abs(pv), abs(gv)):
        return "tolerance", rounded_exact
    # Grading convention: a rounding of an exact value (1/3, 5/6, 2\pi) needs 2 significant digits
    # ("0.33", "0.83"; "0.3" is too coarse). A gold that is itself a rounded decimal keeps 3: a coarser
    # rounding of a rounded gold ("2.5" for "2.53") throws away precision the gold states.
    min_sig = ROUNDING_MIN_SIG_DIGITS if g.exact else ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD
    if p.decimals is not None and p.sig_digits >= min_sig:
        half_ulp = Fraction(1, 2) * Fraction(10) ** (-p.decimals) * p_factor
        if diff <= half_ulp:
            return "rounding", rounded_exact
    # A gold that is itself rounded (a decimal with 3+ significant digits: "3.14", "66.7%") is also
    # met by a more precise answer that rounds to it ("3.1416"), never by a neighbour ("2.23" for
    # "2.24"). A two-digit decimal gold ("0.25") is read as exact.
    if (
        g.decimals is not None
        and g.sig_digits >= ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD
        and p.decimals is not None
        and p.decimals > g.decimals
        and diff <= Fraction(1, 2) * Fraction(10) ** (-g.decimals) * g_factor
    ):
        return "rounding", PARTIAL_CONFIDENCE
    return None

