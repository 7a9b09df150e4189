"""The rule-based correctness verifier: extract -> check -> compare, as one `Score`.

Flow of `verify`:
    1. No gold, or an "open" task -> ``Score.not_applicable``.
    2. Safety limits on the gold and the completion (`limits.check_text`) -> invalid on failure.
    3. A gold written as a sentence with a final-answer marker ("Alina and the answer is (C) Cecile",
       "answer is 42") is read as its marked value. `extract_answer` (from the one parse of the
       completion; an answer only inside the reasoning is no answer). Limit breaches (too many
       boxes, braces too deep) -> invalid. No answer -> value 0.0 with confidence 0.5 and reason "no
       answer found": the model failed to answer, which is a wrong answer, not an unjudgeable one.
    4. Answer checks: bidi control characters -> invalid (see `limits`); over-long answer ->
       invalid; a hedge ("3 or 4", "maybe 5", "4?") -> 0.0 unless the gold (or, for multiple choice,
       an option's text) contains a hedge pattern itself, or, for multiple choice, the "or" joins
       only rejected options ("D, it can't be A or B"), or, for math, "or" joins the values of a
       gold that lists several ("x = 1 or x = -1" for "1, -1"), or "or" joins renderings of one value
       that all equal the gold ("$\\frac{1}{2}$, or 0.5"; at most 3 alternatives); conflicting final
       answers -> 0.0 unless, for a gold that lists several values, the boxes together are that list
       (``\\boxed{1}, \\boxed{2}`` for "1, 2", confidence at most 0.9), or every candidate (at most 3
       are checked) equals the gold (``\\boxed{1/2} ... \\boxed{0.5}``, or a box and a later "Final
       answer:" restatement).
       A value picked out of a sentence (source ``last_line_value``, or a marker whose value is a
       sentence) is used for numeric types only; choice, yes/no and text golds get the whole line.
    5. Comparer by answer type: the task tag (`normalize_task`) or, for None/unknown tags, the type
       inferred from the gold (`infer_answer_type`): choice -> `compare_choice`, yesno ->
       `compare_yesno`, count -> `compare_count` (then `compare_math` when that cannot decide),
       math/number -> `compare_math` (number words such as "seven" against a number gold ->
       `compare_count`), text -> `compare_text` (`compare_math` for a numeric-looking gold,
       `compare_count` for a number-word gold such as "nine"). A comparer that cannot judge
       (``equal=None``) gives an invalid score. The comparers and candidate rules live in `judging`.

Confidence semantics: ``Score.confidence = extraction confidence x comparison confidence``. The
extraction confidence says how sure we are that we found the FINAL answer (1.0 tag/box, 0.9 marker
phrase, 0.6 last line); the comparison confidence says how sure the comparer is of its verdict (1.0
exact, 0.9 tolerance/rounding/unit-assumed/option-text, 0.7 fuzzy text). It applies equally to
value 1.0 and 0.0: a low confidence means "this verdict could be wrong", which the hybrid combiner
uses to blend in a model score. Invalid scores have confidence 0.

`AccuracyReward` scores a batch in passes: every sample is read and checked, then the batch's math
answers go to `compare_math_many` together (one worker round trip for all the symbolic ones, whose
verdicts are then cached), then each sample is judged (cache hits, no second extraction).

`verify` never raises on a str completion: unexpected exceptions become
``Score.invalid("internal error: <type>")``. It uses no signals, so any thread may call it; the
in-process work is linear and bounded by `Limits`, and the only super-linear work (symbolic math)
is time-bounded inside `compare_math` (a worker process).

Example:
    >>> verify("2 + 2 = 4, so the answer is \\\\boxed{4}.", "4").value
    1.0
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.rules.answer_type import infer_answer_type, normalize_task
from hymar.rewards.rules.extract import Extraction, as_whole_line, extract_answer, marker_value
from hymar.rewards.rules.judging import (
    INFO_ANSWER_CHARS,
    MAX_CONFLICT_CHECKS,
    Question,
    compare,
    hedge_allowed,
    or_alternatives,
    score_conflict,
    score_or_restatement,
    to_score,
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
from hymar.rewards.types import Sample, Score

__all__ = ["MAX_CONFLICT_CHECKS", "AccuracyReward", "or_alternatives", "verify"]


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
        prompt: the question as text; used to read multiple-choice options and "what percentage".
        tolerance: relative tolerance for numeric comparison (passed to `compare_math`).
        limits: size limits (see `limits.Limits`).

    Returns:
        A `Score` (see the module docstring); never raises on a str completion.
    """
    try:
        prepared = _prepare(completion, gold, task, prompt, tolerance, limits)
        if isinstance(prepared, Score):
            return prepared
        return _judge(*prepared, limits)
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
    default_failure_threshold = None  # bounds its own time; invalid scores are about the input

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

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        """Verify a batch in two passes: every sample is read and checked first, then the batch's
        math answers are compared together (`prefetch_math`: one worker round trip for all the
        symbolic ones), then each sample is judged (its symbolic verdicts are cache hits)."""
        prepared = [_safe_prepare(*self._arguments(s), self.tolerance, self.limits) for s in samples]
        _prefetch(prepared, self.tolerance, self.limits)
        return [p if isinstance(p, Score) else _safe_judge(p, self.limits) for p in prepared]

    def score_one(self, sample: Sample) -> Score:
        completion, gold, task, prompt = self._arguments(sample)
        return verify(completion, gold, task=task, prompt=prompt, tolerance=self.tolerance, limits=self.limits)

    @staticmethod
    def _arguments(sample: Sample) -> tuple[Any, Any, Any, str | None]:
        try:
            prompt = sample.prompt_text
        except Exception:  # noqa: BLE001 -- malformed chat messages only lose the option list
            prompt = None
        return sample.completion, sample.answer, sample.task, prompt

    def __repr__(self) -> str:
        return f"AccuracyReward(tolerance={self.tolerance}, limits={self.limits})"


def prefetch_math(
    items: Sequence[tuple[Any, Any, Any, str | None]], tolerance: float = 1e-6, limits: Limits = DEFAULT_LIMITS
) -> int:
    """Compare the math answers of many (completion, gold, task, prompt) items in one batch, so
    that the symbolic comparisons among them take one worker round trip; their verdicts land in
    the math package's cache, where later `verify` calls find them. Never raises.

    Returns:
        How many (answer, gold) pairs were sent.
    """
    return _prefetch([_safe_prepare(*item, tolerance, limits) for item in items], tolerance, limits)


# --- internals -------------------------------------------------------------------------------


def _safe_prepare(
    completion: Any, gold: Any, task: Any, prompt: Any, tolerance: float, limits: Limits
) -> Score | tuple[Extraction, Question]:
    try:
        return _prepare(completion, gold, task, prompt, tolerance, limits)
    except Exception as err:  # noqa: BLE001 -- a reward must never crash training on odd input
        return Score.invalid(f"internal error: {type(err).__name__}")


def _safe_judge(prepared: tuple[Extraction, Question], limits: Limits) -> Score:
    try:
        return _judge(*prepared, limits)
    except Exception as err:  # noqa: BLE001
        return Score.invalid(f"internal error: {type(err).__name__}")


def _prefetch(prepared: Sequence[Score | tuple[Extraction, Question]], tolerance: float, limits: Limits) -> int:
    """Send the math answers of prepared samples to `compare_math_many` in one call (see `prefetch_math`)."""
    pairs: list[tuple[str, str]] = []
    for item in prepared:
        if isinstance(item, Score):
            continue
        extraction, q = item
        if not q.numeric or extraction.answer is None or len(extraction.answer) > limits.max_answer_chars:
            continue
        if extraction.hedged and not hedge_allowed(extraction.answer, q):
            continue  # judged a hedge without any comparison
        candidates = extraction.candidates if extraction.conflict else (extraction.answer,)
        pairs.extend((c, q.gold) for c in candidates[:MAX_CONFLICT_CHECKS])
    if len(pairs) < 2:
        return 0  # nothing to batch: the per-sample call is the same round trip
    try:
        from hymar.rewards.rules.math import compare_math_many

        compare_math_many(list(dict.fromkeys(pairs)), tolerance=tolerance)
    except Exception:  # noqa: BLE001 -- a failed prefetch only costs the per-sample calls their cache hits
        return 0
    return len(pairs)


def _prepare(
    completion: Any, gold: Any, task: Any, prompt: Any, tolerance: float, limits: Limits
) -> Score | tuple[Extraction, Question]:
    """Checks and extraction: a final `Score` when the sample is settled here, else the extraction
    and the `Question` to judge it against."""
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
    gold = _read_gold(strip_invisible(gold).strip(), limits)
    answer_type = answer_type or infer_answer_type(gold)
    if prompt is not None and not isinstance(prompt, str):
        prompt = None
    q = Question(gold, answer_type, prompt, completion, tolerance)
    extraction = extract_answer(completion, limits)
    if extraction.whole_line is not None and not q.numeric:
        # a value picked out of a sentence suits a numeric gold; "Yes, it is 5 m tall." is a yes/no answer
        extraction = as_whole_line(extraction)
    return extraction, q


def _read_gold(gold: str, limits: Limits) -> str:
    """A gold written as a sentence with a final-answer marker ("Alina and the answer is\\n(C)
    Cecile", "answer is 42") is its marked value; any other gold is kept as it is."""
    if len(gold) > 2 * limits.max_answer_chars or " " not in gold.strip():
        return gold
    value = marker_value(gold, limits)
    return value if value else gold


def _judge(extraction: Extraction, q: Question, limits: Limits) -> Score:
    info: dict[str, Any] = {"source": extraction.source, "answer_type": q.answer_type}
    if extraction.invalid:
        return Score.invalid(extraction.reason or "invalid completion", **info)
    answer = extraction.answer
    if answer is None:
        return Score(0.0, 0.5, True, {**info, "extracted": None, "reason": "no answer found"})
    info["extracted"] = answer[:INFO_ANSWER_CHARS]
    if has_bidi_controls(answer):
        return Score.invalid("answer contains bidi control characters", **info)
    if len(answer) > limits.max_answer_chars:
        return Score.invalid(f"answer too long ({len(answer)} > {limits.max_answer_chars} characters)", **info)

    if extraction.hedged and not hedge_allowed(answer, q):
        restated = score_or_restatement(answer, extraction.confidence, q, info)
        if restated is not None:
            return restated
        return Score(0.0, extraction.confidence, True, {**info, "method": "hedge", "reason": extraction.reason})

    if extraction.conflict:
        return score_conflict(extraction, q, info)

    return to_score(compare(answer, q), extraction.confidence, info)
