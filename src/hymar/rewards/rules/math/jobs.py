"""Symbolic comparisons on the parent side: preparing a job, caching verdicts, reading the answer."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math.fast import fast_compare, numbers_equal, reconcile_units
from hymar.rewards.rules.math.limits import (
    MAX_INPUT_CHARS,
    MAX_NESTING,
    MAX_SYMBOLIC_CHARS,
    PARTIAL_CONFIDENCE,
    UNPARSEABLE_CONFIDENCE,
)
from hymar.rewards.rules.math.normalise import decimal_comma, normalise, strip_variable
from hymar.rewards.rules.math.relations import computation_result, equation_sides, inequality_interval
from hymar.rewards.rules.math.structures import Budget, SizeLimit, nesting_depth
from hymar.rewards.rules.numbers import NumberTooLarge, ParsedNumber, parse_number_ex, split_unit

_CACHE_SIZE = 4096

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
    if nesting_depth(p) > MAX_NESTING or nesting_depth(g) > MAX_NESTING:
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
    units = reconcile_units(p_unit, g_unit)
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
    if verdict == "numeric:equal":
        return Comparison(True, job.cap, "numeric_identity", job.note)
    if verdict == "numeric:not_equal":
        return Comparison(False, 1.0, "numeric_identity")
    if verdict == "equal":
        return Comparison(True, job.cap, "symbolic", job.note)
    if verdict == "not_equal":
        return Comparison(False, 1.0, "symbolic")
    if verdict.startswith("gold_value:"):
        # pred is a plain number, gold a real constant such as 2\pi: apply the fast path's rules
        gold_value = parse_number_ex(verdict.partition(":")[2])
        if gold_value is not None and job.pred_number is not None:
            gold_value = ParsedNumber(gold_value.value)  # exact for the rounding rule
            match = numbers_equal(job.pred_number, gold_value, Fraction(1), Fraction(1), job.tol)
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


def _prepare(pred: Any, gold: Any, tol: float, percent_question: bool = False) -> Comparison | _Job:
    """The fast path's verdict on a pair, or the symbolic job it needs (cached: a batch's pairs are
    prepared once by `compare_math_many` and again by the per-sample calls that follow)."""
    if isinstance(pred, str) and isinstance(gold, str) and len(pred) + len(gold) <= 2 * MAX_INPUT_CHARS:
        return _prepare_cached(pred, gold, float(tol), bool(percent_question))
    return _prepare_uncached(pred, gold, tol, percent_question)


@lru_cache(maxsize=8192)
def _prepare_cached(pred: str, gold: str, tol: float, percent_question: bool) -> Comparison | _Job:
    return _prepare_uncached(pred, gold, tol, percent_question)


def _prepare_uncached(pred: Any, gold: Any, tol: float, percent_question: bool = False) -> Comparison | _Job:
    if not isinstance(gold, str) or not gold.strip():
        return Comparison.undecided("empty or non-text gold answer", method="input")
    if not isinstance(pred, str) or not pred.strip():
        return Comparison(False, UNPARSEABLE_CONFIDENCE, "input", "unparseable answer")
    if len(gold) > MAX_INPUT_CHARS:
        return Comparison.undecided("gold answer over size limit", method="size_limit")
    if len(pred) > MAX_INPUT_CHARS:
        return Comparison.undecided("answer over size limit", method="size_limit")
    pair = normalised_pair(pred, gold)
    if isinstance(pair, Comparison):
        return pair
    p, g = pair
    if p == g:
        return Comparison(True, 1.0, "exact")
    try:
        fast = fast_compare(p, g, tol, Budget(percent_question=percent_question))
    except NumberTooLarge as exc:
        return Comparison.undecided(f"number too large ({exc})", method="size_limit")
    except SizeLimit as exc:
        return Comparison.undecided(f"answer over size limit ({exc})", method="size_limit")
    if fast is not None:
        return fast
    if _BARE_WORDS_RE.fullmatch(p) and p.lower() not in _CONSTANT_NAMES and _gold_is_number(g):
        # Sampled text such as "the" or "your" against "4": sympy would read it as a product of
        # symbols and spend milliseconds deciding what is plain from here.
        return Comparison(False, 1.0, "non_numeric", "a word answer for a numeric gold")
    if _prose_words(p) >= 2 and _gold_is_number(g):
        # "It is not 0", "y cannot be 0": a sentence the extraction left whole. Read as math it is a
        # product of one-letter symbols times the number, which equals a gold of 0 at every point.
        return Comparison(False, PROSE_ANSWER_CONFIDENCE, "non_numeric", "a sentence, not a value, for a numeric gold")
    return _symbolic_job(p, g, tol)


def normalised_pair(pred: str, gold: str) -> tuple[str, str] | Comparison:
    """The two answers as every stage compares them (normalised; a computation's result; decimal
    commas read), or the verdict when one is empty after normalisation."""
    g, p = normalise(gold), normalise(pred)
    if not g:
        return Comparison.undecided("gold answer empty after normalisation", method="input")
    if not p:
        return Comparison(False, UNPARSEABLE_CONFIDENCE, "input", "unparseable answer")
    p = computation_result(p)  # "35 + 70 = 105": the answer is the last side
    return _decimal_commas(p, g)


# Words with no digit, backslash or operator; constant names that can denote a number are excluded.
_BARE_WORDS_RE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){0,20}")
_CONSTANT_NAMES = frozenset({"e", "i", "pi", "inf", "infty", "infinity", "oo"})
# runs of 2+ letters that are not a LaTeX command (after a backslash) or a function name
_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_FUNCTION_NAMES = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "max", "min", "sqrt", "det", "gcd", "lcm",
     "mod", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "lim"}
)  # fmt: skip
#: a sentence left whole against a numeric gold is judged wrong, a little below certain
PROSE_ANSWER_CONFIDENCE = 0.9


def _prose_words(p: str) -> int:
    """Words of prose in a normalised answer: 2+ letters, not a command, function or constant name."""
    return sum(1 for w in _WORD_RE.findall(p) if w.lower() not in _FUNCTION_NAMES and w.lower() not in _CONSTANT_NAMES)


def _decimal_commas(p: str, g: str) -> tuple[str, str]:
    """One number against one number: a comma that cannot separate thousands is a decimal comma
    ("1000,99" is 1000.99, "0,111" is 0.111); against a list ("2, 5") the comma separates values."""
    dp, dg = decimal_comma(p), decimal_comma(g)
    if dp is not None and dg is None and _is_number(g):
        return dp, g
    if dg is not None and dp is None and _is_number(p):
        return p, dg
    return p, g


def _is_number(s: str) -> bool:
    try:
        return "," not in s and parse_number_ex(split_unit(s)[0]) is not None
    except NumberTooLarge:
        return False


def _gold_is_number(g: str) -> bool:
    try:
        return parse_number_ex(g) is not None
    except NumberTooLarge:
        return False

