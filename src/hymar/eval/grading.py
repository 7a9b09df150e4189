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

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hymar.rewards.types import Score

GRADING_KEY = "grading"
#: relative tolerance of `verify` when a row sets none (the verifier's own default)
DEFAULT_TOLERANCE = 1e-6
# a plain number as ChartQA's relaxed metric reads one: sign, digits (optional thousands commas),
# decimals, exponent, optional percent sign. Anchored, no nested quantifiers: linear.
_PLAIN_NUMBER = re.compile(r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+\-]?\d{1,3})?%?")
_NO_RELAX_METHODS = frozenset({"hedge", "conflict"})
METRICS = ("match", "anls")


@dataclass(frozen=True)
class Grading:
    """How one row is graded.

    Args:
        answers: acceptable golds (empty: the row's ``answer`` alone).
        tolerance: relative numeric tolerance for `verify`.
        relaxed_numeric: ChartQA relaxed accuracy for plain numbers (see the module docstring).
        metric: "match" or "anls" (see the module docstring).
    """

    answers: tuple[str, ...] = ()
    tolerance: float = DEFAULT_TOLERANCE
    relaxed_numeric: bool = False
    metric: str = "match"

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"grading metric must be one of {METRICS}, got {self.metric!r}")
        if not (isinstance(self.tolerance, (int, float)) and math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise ValueError(f"grading tolerance must be a finite number >= 0, got {self.tolerance!r}")

    def golds(self, answer: str | None) -> tuple[str, ...]:
        """The golds to try, in order: ``answers`` when given, else ``(answer,)`` (none without one)."""
        if self.answers:
            return self.answers
        return () if answer is None else (answer,)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored under ``metadata["grading"]``."""
        out = {"answers": list(self.answers), "tolerance": self.tolerance, "relaxed_numeric": self.relaxed_numeric}
        if self.metric != "match":
            out["metric"] = self.metric
        return out


def grading_from_metadata(metadata: Any) -> Grading:
    """The `Grading` of a row's metadata (a mapping or its JSON text); the default when absent.

    Args:
        metadata: ``row["metadata_json"]`` (str), ``row["metadata"]`` (mapping) or None.

    Returns:
        A `Grading`; unreadable or absent grading info gives the default (one gold, exact).
    """
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            return Grading()
    if not isinstance(metadata, Mapping):
        return Grading()
    spec = metadata.get(GRADING_KEY)
    if not isinstance(spec, Mapping):
        return Grading()
    answers = tuple(str(a) for a in spec.get("answers") or () if a is not None and str(a).strip())
    tolerance = spec.get("tolerance")
    return Grading(
        answers=answers,
        tolerance=DEFAULT_TOLERANCE if tolerance is None else float(tolerance),
        relaxed_numeric=bool(spec.get("relaxed_numeric", False)),
        metric=spec.get("metric") if spec.get("metric") in METRICS else "match",
    )


def grading_of_row(row: Mapping[str, Any]) -> Grading:
    """The `Grading` of a task row (its ``metadata_json`` text or ``metadata`` mapping)."""
    metadata = row.get("metadata_json")
    if metadata is None:
        metadata = row.get("metadata")
    return grading_from_metadata(metadata)


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
        if score.valid and score.value is not None and score.value >= 0.5:
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
