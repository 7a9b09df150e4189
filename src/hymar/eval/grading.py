"""Per-row grading options for benchmark evaluation: several acceptable golds and a numeric tolerance.

A task row may carry, in its metadata (``metadata_json``, or a ``metadata`` mapping), a ``"grading"``
object that `hymar.data.benchmarks` mappers write:

    {"grading": {"answers": ["1.5", "1.50"], "tolerance": 0.05, "relaxed_numeric": true}}

- ``answers``: every acceptable gold (DocVQA and ChartQA list several; MMMU sometimes). The row is
  right when the completion verifies against ANY of them (first match wins). Without it, the row's
  single ``answer`` is the only gold.
- ``tolerance``: the relative tolerance passed to `hymar.rewards.rules.verifier.verify` (which applies
  it when either side is written as a decimal).
- ``metric``: "match" (default: the verifier's 1/0 verdict) or "anls" (DocVQA's Average Normalized
  Levenshtein Similarity, `hymar.rewards.anls`; the row's ``anls`` is reported next to its verdict).
- ``relaxed_numeric``: the ChartQA "relaxed accuracy" rule (Methani et al. 2020, used by ChartQA,
  arXiv:2203.10244 sec. 5.1): when the extracted answer and the gold are both plain numbers, they are
  equal within ``tolerance`` relative to the gold, also for two integers (where ``verify`` is exact).

Rows without a "grading" object are graded exactly as before (one gold, default tolerance).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hymar.data.benchmarks.grading import Grading
from hymar.eval.grounding import grade_grounding, is_grounding
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Sample, Score

# a plain number as ChartQA's relaxed metric reads one: sign, digits (optional thousands commas),
# decimals, exponent, optional percent sign. Anchored, no nested quantifiers: linear.
_PLAIN_NUMBER = re.compile(r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+\-]?\d{1,3})?%?")
_NO_RELAX_METHODS = frozenset({"hedge", "conflict"})


def grade(
    completion: str, answer: str | None, *, task: str | None, prompt: str | None, grading: Grading = Grading()
) -> Score:
    """Grade a completion against every acceptable gold; right when any gold verifies.

    Args:
        completion: the model's response (untrusted; only `verify` and a plain-number regex read it).
        answer: the row's gold answer (used when ``grading.answers`` is empty).
        task: task tag (see `hymar.rewards.rules.answer_type.normalize_task`).
        prompt: the question text (multiple-choice options are read from it).
        grading: the row's `Grading`.

    Returns:
        The first gold's score that is right (its ``info["gold"]`` names that gold), else the relaxed
        numeric verdict when it applies and is right, else the first valid wrong score (else the first
        score). ``Score.not_applicable`` without any gold.
    """
    from hymar.rewards.rules.verifier import verify

    golds = grading.golds(answer)
    if not golds:
        return Score.not_applicable("no gold answer")
    scores = []
    for gold in golds:
        score = verify(completion, gold, task=task, prompt=prompt, tolerance=grading.tolerance)
        if score.correct:
            return _with_gold(score, gold, len(golds))
        scores.append(score)
    if grading.relaxed_numeric:
        for gold, score in zip(golds, scores):
            if relaxed_numeric_match(score, gold, grading.tolerance):
                info = {**score.info, "method": "relaxed_numeric", "gold": gold}
                info.pop("reason", None)
                return Score(1.0, 0.9, True, info)
    chosen = next((s for s in scores if s.valid), scores[0])
    return chosen if len(golds) == 1 else Score(chosen.value, chosen.confidence, chosen.valid, {**chosen.info, "golds": len(golds)})


def relaxed_numeric_match(score: Score, gold: str, tolerance: float) -> bool:
    """ChartQA's relaxed accuracy on a verifier verdict: the extracted answer and the gold are plain
    numbers (a trailing "%" divides by 100 on both sides, as in the official metric) and
    ``|pred - gold| <= tolerance * |gold|``. A gold of 0 needs an exact match. Hedged or conflicting
    answers never match."""
    extracted = score.info.get("extracted")
    if not score.valid or not isinstance(extracted, str) or score.info.get("method") in _NO_RELAX_METHODS:
        return False
    pred_value, gold_value = plain_number(extracted), plain_number(gold)
    if pred_value is None or gold_value is None:
        return False
    if gold_value == 0:
        return pred_value == 0
    return abs(pred_value - gold_value) <= tolerance * abs(gold_value)


def plain_number(text: str) -> float | None:
    """The value of a plain number ("12", "-3.5", "1,234", "45%" -> 0.45, "2e3"); None otherwise.

    ``float`` only ever sees text the anchored regex accepted, so nothing else is parsed."""
    s = text.strip().rstrip(".").strip()
    if s.startswith("$") and s.endswith("$") and len(s) > 1:
        s = s[1:-1].strip()
    if not s or len(s) > 40 or not any(c.isdigit() for c in s) or not _PLAIN_NUMBER.fullmatch(s):
        return None
    percent = s.endswith("%")
    value = float(s.rstrip("%").replace(",", ""))
    if not math.isfinite(value):
        return None
    return value / 100.0 if percent else value


def _with_gold(score: Score, gold: str, n_golds: int) -> Score:
    if n_golds == 1:
        return score
    return Score(score.value, score.confidence, score.valid, {**score.info, "gold": gold, "golds": n_golds})


def anls_of(completion: str, answer: str | None, grading: Grading) -> float | None:
    """The row's ANLS when its grading asks for it (``metric: anls``), else None."""
    if grading.metric != "anls":
        return None
    from hymar.rewards.anls import anls_score

    golds = grading.golds(answer)
    if not golds:
        return None
    score = anls_score(completion, golds)
    return float(score.value) if score.applies else 0.0


@dataclass(frozen=True)
class GradedAccuracy(PerSampleComponent):
    """The rule verifier against every acceptable gold of a benchmark row (`grade`), as a component.

    The row's `Grading` travels in ``Sample.metadata["grading"]`` (absent: one gold, default
    tolerance). Grounding rows are graded by their boxes instead (`hymar.eval.grounding`, the spec in
    ``Sample.metadata["grounding"]``). Not applicable where the sample is not verifiable (no gold answer, or an open-ended
    task). Evaluation names it by its "module:attr" path in the reward it scores with.
    """

    name = "graded_accuracy"
    default_failure_threshold = None  # local and bounded in time, like the verifier it wraps

    def score_one(self, sample: Sample) -> Score:
        if not is_verifiable(sample.answer, sample.task):
            return Score.not_applicable("not verifiable (no gold answer, or an open-ended task)")
        if is_grounding(sample.task):
            return grade_grounding(sample)
        grading = sample.metadata.get("grading") if isinstance(sample.metadata, Mapping) else None
        return grade(
            sample.completion,
            sample.answer,
            task=sample.task,
            prompt=sample.prompt_text,
            grading=grading if isinstance(grading, Grading) else Grading(),
        )


def is_verifiable(answer: Any, task: Any) -> bool:
    """A gold answer that is not blank, and a task that is not open-ended."""
    from hymar.rewards.rules.answer_type import normalize_task

    return answer is not None and str(answer).strip() != "" and normalize_task(task) != "open"
