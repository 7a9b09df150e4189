"""Equivalence of a math answer with a gold answer: an exact fast path, then a sandboxed symbolic one.

`compare_math(pred, gold)` takes two already-extracted answer strings and returns a `Comparison`.
This package is the orchestration; the stages are modules of their own: `normalise` (string
normalisation), `structures` (tuples, sets, lists), `relations` (inequalities, equations), `fast`
(exact numbers, units, structures), `jobs` (preparing symbolic work, the verdict cache), `worker`
(the sandboxed math-verify call) and `limits` (size limits and confidence levels).
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


import time

from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math.identity import numeric_first
from hymar.rewards.rules.math.jobs import _VERDICTS, _Job, _outcome_verdict, _prepare, _verdict_to_comparison
from hymar.rewards.rules.math.limits import (
    MAX_ELEMENT_COMPARISONS,
    MAX_INPUT_CHARS,
    MAX_ITEMS,
    MAX_NESTING,
    MAX_SYMBOLIC_CHARS,
    NOUN_MISMATCH_CONFIDENCE,
    PARTIAL_CONFIDENCE,
    ROUNDING_MIN_SIG_DIGITS,
    ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD,
    UNPARSEABLE_CONFIDENCE,
)
from hymar.rewards.rules.math.normalise import normalise, strip_variable
from hymar.rewards.rules.math.relations import equation_sides, has_free_variable, inequality_interval
from hymar.rewards.rules.math.worker import (
    _SAFE_PARSE_TEXT_RE,
    _guarded_parse_expr,
    audit_symbolic_compare,
    symbolic_compare,
)
from hymar.rewards.rules.sandbox import shared_runner

__all__ = [
    "MAX_ELEMENT_COMPARISONS", "MAX_INPUT_CHARS", "MAX_ITEMS", "MAX_NESTING", "MAX_SYMBOLIC_CHARS",
    "NOUN_MISMATCH_CONFIDENCE", "PARTIAL_CONFIDENCE", "ROUNDING_MIN_SIG_DIGITS",
    "ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD", "UNPARSEABLE_CONFIDENCE", "_SAFE_PARSE_TEXT_RE", "_VERDICTS", "_Job",
    "_guarded_parse_expr", "_prepare", "audit_symbolic_compare", "compare_math", "compare_math_many",
    "equation_sides", "has_free_variable", "inequality_interval", "normalise", "strip_variable",
    "symbolic_compare", "warm_up",
]  # fmt: skip


def compare_math(
    pred: str, gold: str, *, tolerance: float = 1e-6, timeout: float = 1.0, percent_question: bool = False
) -> Comparison:
    """Judge whether an extracted answer equals the gold answer (semantics: module docstring).

    Args:
        pred: the model's extracted final answer (untrusted text).
        gold: the gold answer.
        tolerance: relative tolerance for decimal (rounded) values.
        timeout: seconds allowed for the symbolic path (the fast path takes microseconds).
        percent_question: the question asks for a percentage, so "0.25%" may answer a gold of 0.25.

    Returns:
        A Comparison; ``Comparison.undecided`` when the gold cannot be parsed, on timeout, or over a
        size limit. Never raises.

    >>> compare_math("1200 cm", "12 m").equal, compare_math("0.05", "0.5").equal
    (True, False)
    """
    deadline = time.monotonic() + timeout
    try:
        prepared = _prepare(pred, gold, tolerance, percent_question)
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
        if key in verdicts or key in todo:
            continue
        cached = _VERDICTS.get(key)
        if cached is None:
            # the numeric identity test decides most pairs in-process, without a worker round trip
            cached = numeric_first(*key)
            if cached is not None:
                _VERDICTS.put(key, cached)
        if cached is not None:
            verdicts[key] = cached
        else:
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

