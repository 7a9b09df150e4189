"""The per-row grading options benchmark mappers write: several acceptable golds and a numeric tolerance.

A task row may carry, in its metadata (``metadata_json``, or a ``metadata`` mapping), a ``"grading"``
object; `hymar.eval.grading.grade` reads it (the module docstring there says what each field means):

    {"grading": {"answers": ["1.5", "1.50"], "tolerance": 0.05, "relaxed_numeric": true}}

It lives beside the mappers (the data layer) so they can write it without importing the evaluation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GRADING_KEY = "grading"
#: relative tolerance of `verify` when a row sets none (the verifier's own default)
DEFAULT_TOLERANCE = 1e-6
#: "match": the verifier's 1/0 verdict; "anls": DocVQA's ANLS reported next to it (`hymar.eval.grading`)
METRICS = ("match", "anls")


@dataclass(frozen=True)
class Grading:
    """How one row is graded.

    Args:
        answers: acceptable golds (empty: the row's ``answer`` alone).
        tolerance: relative numeric tolerance for `verify`.
        relaxed_numeric: ChartQA relaxed accuracy for plain numbers (see `hymar.eval.grading`).
        metric: one of `METRICS`.
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
