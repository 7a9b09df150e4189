"""The rule-based correctness verifier: extract -> check -> compare, as one `Score`.

Flow of `verify`:
    1. No gold, or an "open" task -> ``Score.not_applicable``.
    2. Safety limits on the gold and the completion (`limits.check_text`) -> invalid on failure.
    3. `extract_answer`. Limit breaches (too many boxes, braces too deep) -> invalid. No answer ->
       value 0.0 with confidence 0.5 and reason "no answer found": the model failed to answer, which
       is a wrong answer, not an unjudgeable one.
    4. Answer checks: bidi control characters -> invalid (see `limits`); over-long answer ->
       invalid; a hedge ("3 or 4", "maybe 5", "4?") -> 0.0 unless the gold (or, for multiple choice,
       an option's text) contains a hedge pattern itself, or, for math, "or" joins the values of a
       gold that lists several ("x = 1 or x = -1" for "1, -1"), or "or" joins renderings of one value
       that all equal the gold ("$\\frac{1}{2}$, or 0.5"; at most 3 alternatives); conflicting final
       answers -> 0.0 unless every candidate (at most 3 are checked) equals the gold
       (``\\boxed{1/2} ... \\boxed{0.5}``, or a box and a later "Final answer:" restatement).
       A value picked from a last-line sentence (source ``last_line_value``) is used for numeric
       types only; choice, yes/no and text golds get the whole line.
    5. Comparer by answer type: the task tag (`normalize_task`) or, for None/unknown tags, the type
       inferred from the gold (`infer_answer_type`): choice -> `compare_choice`, yesno ->
       `compare_yesno`, count -> `compare_count` (then `compare_math` when that cannot decide),
       math/number -> `compare_math` (number words such as "seven" against a number gold ->
       `compare_count`), text -> `compare_text` (`compare_math` for a numeric-looking gold). A comparer that cannot judge (``equal=None``) gives an invalid score.

Confidence semantics: ``Score.confidence = extraction confidence x comparison confidence``. The
extraction confidence says how sure we are that we found the FINAL answer (1.0 tag/box, 0.9 marker
phrase, 0.6 last line); the comparison confidence says how sure the comparer is of its verdict (1.0
exact, 0.9 tolerance/rounding/unit-assumed/option-text, 0.7 fuzzy text). It applies equally to
value 1.0 and 0.0: a low confidence means "this verdict could be wrong", which the hybrid combiner
uses to blend in a model score. Invalid scores have confidence 0.

`verify` never raises on a str completion: unexpected exceptions become
``Score.invalid("internal error: <type>")``. It uses no signals, so any thread may call it; the
in-process work is linear and bounded by `Limits`, and the only super-linear work (symbolic math)
is time-bounded inside `compare_math` (a worker process).

Example:
    >>> verify("2 + 2 = 4, so the answer is \\\\boxed{4}.", "4").value
    1.0
"""

from __future__ import annotations

from typing import Any

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.rules.answer_type import infer_answer_type, normalize_task
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.choice import compare_choice, parse_options
from hymar.rewards.rules.extract import (
    Extraction,
    as_whole_line,
    clean_answer,
    detect_hedge,
    extract_answer,
)
from hymar.rewards.rules.limits import (
    DEFAULT_LIMITS,
    MAX_ANSWER_CHARS,
    MAX_BOXED,
    MAX_BRACE_DEPTH,
    MAX_COMPLETION_CHARS,
    Limits,
    check_text,
    has_bidi_controls,
    strip_invisible,
)
from hymar.rewards.rules.text import (
    compare_count,
    compare_text,
    compare_yesno,
    parse_count,
)
from hymar.rewards.types import Sample, Score

#: at most this many conflicting candidates are compared with the gold (each may cost a symbolic call)
MAX_CONFLICT_CHECKS = 3
_INFO_ANSWER_CHARS = 200


def verify(
    completion: str,
    gold: str | None,
    *,
    task: str | None = None,
    prompt: str | None = None,
    tolerance: float = 1e-6,
    limits: Limits = DEFAULT_LIMITS,
) -> Score:
    """Score a completion's final answer against the gold answer (1.0 right, 0.0 wrong).

    Args:
        completion: the model's response (untrusted).
        gold: the gold answer; None -> not applicable.
        task: task tag (see `normalize_task`); None or unknown -> inferred from the gold.
        prompt: the question as text; used to read multiple-choice options.
        tolerance: relative tolerance for numeric comparison (passed to `compare_math`).
        limits: size limits (see `limits.Limits`).

    Returns:
        A `Score` (see the module docstring); never raises on a str completion.
    """
    try:
        return _verify(completion, gold, task, prompt, tolerance, limits)
    except Exception as err:  # noqa: BLE001 -- a reward must never crash training on odd input
        return Score.invalid(f"internal error: {type(err).__name__}")


class AccuracyReward(PerSampleComponent):
    """Rule-based accuracy: 1.0 for a correct final answer, 0.0 for a wrong one (see `verify`).

    Args:
        tolerance: relative tolerance for numeric answers.
        max_completion_chars, max_answer_chars, max_boxed, max_brace_depth: safety limits
            (defaults in `hymar.rewards.rules.limits`).

    Example:
        >>> AccuracyReward()([Sample(completion="<answer>B</answer>", answer="B")])[0].value
        1.0
    """

    name = "accuracy"

    def __init__(
        self,
        tolerance: float = 1e-6,
        max_completion_chars: int = MAX_COMPLETION_CHARS,
        max_answer_chars: int = MAX_ANSWER_CHARS,
        max_boxed: int = MAX_BOXED,
        max_brace_depth: int = MAX_BRACE_DEPTH,
    ) -> None:
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
        self.tolerance = float(tolerance)
        self.limits = Limits(max_completion_chars, max_answer_chars, max_boxed, max_brace_depth)

    def score_one(self, sample: Sample) -> Score:
        try:
            prompt = sample.prompt_text
        except Exception:  # noqa: BLE001 -- malformed chat messages only lose the option list
            prompt = None
        return verify(
            sample.completion,
            sample.answer,
            task=sample.task,
            prompt=prompt,
            tolerance=self.tolerance,
            limits=self.limits,
        )

    def __repr__(self) -> str:
        return f"AccuracyReward(tolerance={self.tolerance}, limits={self.limits})"


# --- internals -------------------------------------------------------------------------------


def _verify(
    completion: str, gold: str | None, task: str | None, prompt: str | None, tolerance: float, limits: Limits
) -> Score:
    answer_type = normalize_task(task)
    if answer_type == "open":
        return Score.not_applicable("open-ended task: rules do not apply", answer_type="open")
    if isinstance(gold, (int, float)) and not isinstance(gold, bool):
        gold = str(gold)  # JSON datasets often store numeric golds as numbers
    if gold is None or (isinstance(gold, str) and not gold.strip()):
        return Score.not_applicable("no gold answer")
    problem = check_text(gold, "gold", limits.max_completion_chars)
    if problem is None:
        problem = check_text(completion, "completion", limits.max_completion_chars)
    if problem is not None:
        return Score.invalid(problem)
    gold = strip_invisible(gold).strip()
    answer_type = answer_type or infer_answer_type(gold)
    if prompt is not None and not isinstance(prompt, str):
        prompt = None

    extraction = extract_answer(completion, limits)
    if extraction.whole_line is not None and not _numeric_type(answer_type, gold):
        # a value picked out of a sentence suits a numeric gold; "Yes, it is 5 m tall." is a yes/no answer
        extraction = as_whole_line(extraction)
    info: dict[str, Any] = {"source": extraction.source, "answer_type": answer_type}
    if extraction.invalid:
        return Score.invalid(extraction.reason or "invalid completion", **info)
    answer = extraction.answer
    if answer is None:
        return Score(0.0, 0.5, True, {**info, "extracted": None, "reason": "no answer found"})
    info["extracted"] = answer[:_INFO_ANSWER_CHARS]
    if has_bidi_controls(answer):
        return Score.invalid("answer contains bidi control characters", **info)
    if len(answer) > limits.max_answer_chars:
        return Score.invalid(f"answer too long ({len(answer)} > {limits.max_answer_chars} characters)", **info)

    if extraction.hedged and not _hedge_allowed(gold, answer_type, prompt, answer):
        restated = _score_or_restatement(answer, extraction.confidence, gold, answer_type, prompt, tolerance, info)
        if restated is not None:
            return restated
        return Score(0.0, extraction.confidence, True, {**info, "method": "hedge", "reason": extraction.reason})

    if extraction.conflict:
        return _score_conflict(extraction, gold, answer_type, prompt, tolerance, info)

    comparison = _compare(answer, gold, answer_type, prompt, tolerance)
    return _to_score(comparison, extraction.confidence, info)


def _numeric_type(answer_type: str, gold: str) -> bool:
    """Whether answers of this type are compared as numbers/math (see `_compare`)."""
    if answer_type in ("math", "number", "count"):
        return True
    return answer_type == "text" and infer_answer_type(gold) == "number"


def _compare(pred: str, gold: str, answer_type: str, prompt: str | None, tolerance: float) -> Comparison:
    """Dispatch on the answer type (one comparer per type; see the module docstring)."""
    if answer_type == "choice":
        return compare_choice(pred, gold, prompt)
    if answer_type == "yesno":
        return compare_yesno(pred, gold)
    if answer_type == "count":
        comparison = compare_count(pred, gold)
        undecidable = comparison.equal is None or (parse_count(pred) is None and any(c.isdigit() for c in pred))
        return _compare_math(pred, gold, tolerance) if undecidable else comparison
    if answer_type == "text":
        if infer_answer_type(gold) == "number":
            return _compare_math(pred, gold, tolerance)
        return compare_text(pred, gold)
    if answer_type == "number" and not any(c.isdigit() for c in pred) and parse_count(pred) is not None:
        # "seven" for gold "7 apples": number words are a count, not something to parse as LaTeX
        comparison = compare_count(pred, gold)
        if comparison.equal is not None:
            return comparison
    return _compare_math(pred, gold, tolerance)  # "math", "number"


def _compare_math(pred: str, gold: str, tolerance: float) -> Comparison:
    # Imported here so the verifier module imports (and the other comparers work) without the math
    # module and its sympy-backed worker being loaded.
    try:
        from hymar.rewards.rules.math import compare_math
    except ImportError as err:
        return Comparison.undecided(f"math comparer unavailable: {err}", method="math")
    return compare_math(pred, gold, tolerance=tolerance)


def _to_score(comparison: Comparison, extraction_confidence: float, info: dict[str, Any]) -> Score:
    info = {**info, "method": comparison.method}
    if comparison.reason:
        info["reason"] = comparison.reason
    if comparison.equal is None:
        rest = {k: v for k, v in info.items() if k != "reason"}
        return Score.invalid(comparison.reason or "could not compare", **rest)
    confidence = min(1.0, max(0.0, extraction_confidence * comparison.confidence))
    return Score(1.0 if comparison.equal else 0.0, confidence, True, info)


def _score_conflict(
    extraction: Extraction, gold: str, answer_type: str, prompt: str | None, tolerance: float, info: dict[str, Any]
) -> Score:
    """Several different final answers: right only when every one of them equals the gold."""
    info = {**info, "candidates": [c[:_INFO_ANSWER_CHARS] for c in extraction.candidates[:MAX_CONFLICT_CHECKS]]}
    wrong = Score(0.0, extraction.confidence, True, {**info, "method": "conflict", "reason": extraction.reason})
    if len(extraction.candidates) > MAX_CONFLICT_CHECKS:
        return wrong
    confidences = []
    for candidate in extraction.candidates:
        if has_bidi_controls(candidate):
            return Score.invalid("answer contains bidi control characters", **info)
        if detect_hedge(candidate) and not _hedge_allowed(gold, answer_type, prompt, candidate):
            restated = _score_or_restatement(candidate, 1.0, gold, answer_type, prompt, tolerance, info)
            if restated is None or restated.value != 1.0:
                return wrong
            confidences.append(restated.confidence)
            continue
        comparison = _compare(candidate, gold, answer_type, prompt, tolerance)
        if comparison.equal is not True:
            return wrong
        confidences.append(comparison.confidence)
    info.update(method="all_candidates_equal", reason="several renderings of the same answer")
    return Score(1.0, extraction.confidence * min(confidences), True, info)


def or_alternatives(answer: str, max_parts: int = MAX_CONFLICT_CHECKS) -> list[str] | None:
    """The alternatives an answer joins with the word "or" ("$\\frac{1}{2}$, or 0.5" -> [``\\frac{1}{2}``,
    "0.5"]), cleaned like extracted answers; None when there is no "or" between two non-empty parts
    or more than ``max_parts`` parts. ``\\text{ or }`` counts as "or". Linear: a split on whitespace."""
    for wrapped in ("\\text{ or }", "\\text{or}", "\\mbox{ or }", "\\mathrm{ or }"):
        answer = answer.replace(wrapped, " or ")
    parts: list[list[str]] = [[]]
    for token in answer.split():
        if token.lower() == "or":
            if len(parts) == max_parts:
                return None
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) < 2:
        return None
    cleaned = [clean_answer(" ".join(p)) for p in parts]
    return cleaned if all(cleaned) else None


def _score_or_restatement(
    answer: str,
    confidence: float,
    gold: str,
    answer_type: str,
    prompt: str | None,
    tolerance: float,
    info: dict[str, Any],
) -> Score | None:
    """An "or" that restates one value ("The answer is 1/2, or 0.5") is not a hedge: right when
    every alternative equals the gold (as for conflicting boxes). None when the answer has no such
    "or" or an alternative differs (the caller then scores the hedge as wrong)."""
    if detect_hedge(answer) != "or":
        return None
    alternatives = or_alternatives(answer)
    if alternatives is None:
        return None
    confidences = []
    for alternative in alternatives:
        if detect_hedge(alternative) is not None:
            return None
        comparison = _compare(alternative, gold, answer_type, prompt, tolerance)
        if comparison.equal is not True:
            return None
        confidences.append(comparison.confidence)
    info = {**info, "method": "all_alternatives_equal", "reason": "'or' joins renderings of the same answer"}
    return Score(1.0, confidence * min(confidences), True, info)


def _hedge_allowed(gold: str, answer_type: str, prompt: str | None, answer: str) -> bool:
    """A hedge pattern is legitimate when the gold has one ("black or white"); for multiple choice
    when an option's text has one (the letter comparer catches real two-letter hedges); and for
    math when the gold lists several values: "x = 1 or x = -1" states a solution set, which
    `compare_math` compares with the gold's list."""
    if detect_hedge(gold) is not None:
        return True
    if answer_type in ("math", "number") and "," in gold and detect_hedge(answer) == "or":
        return True
    if answer_type == "choice" and prompt:
        return any(detect_hedge(text) is not None for text in parse_options(prompt).values())
    return False
