"""Grounding rows in `hymar eval`: IoU@0.5 with `GroundingIoU` instead of the answer verifier.

A row is a grounding row when its task is "grounding". How its boxes are read comes from the row's
metadata, ``metadata["grounding"]`` (or ``metadata["facts"]["grounding"]``, where the synthetic
suite stores it): ``{"frame", "gold_frame", "metric", "threshold"}``, the `GroundingIoU` arguments;
missing keys default to absolute pixels for both and IoU >= 0.5 (the usual REC accuracy, as in
RefCOCO evaluations). The row is right when the score is >= 0.5 (with one gold box and
"iou_threshold": its IoU reaches the threshold); ``info["ious"]`` holds the matched IoUs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hymar.rewards.types import Sample, Score

GROUNDING_TASK = "grounding"
DEFAULTS = {"metric": "iou_threshold", "threshold": 0.5}
_ARGS = ("frame", "gold_frame", "box_format", "gold_format", "metric", "threshold", "match_labels")


def is_grounding(task: Any) -> bool:
    return isinstance(task, str) and task.strip().lower() == GROUNDING_TASK


def grounding_spec(row: Mapping[str, Any]) -> dict[str, Any]:
    """The `GroundingIoU` arguments of a row (see the module docstring)."""
    metadata = row.get("metadata_json", row.get("metadata"))
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            metadata = {}
    metadata = metadata if isinstance(metadata, Mapping) else {}
    spec = metadata.get("grounding")
    if not isinstance(spec, Mapping):
        facts = metadata.get("facts")
        spec = facts.get("grounding") if isinstance(facts, Mapping) else None
    spec = spec if isinstance(spec, Mapping) else {}
    return {**DEFAULTS, **{k: spec[k] for k in _ARGS if k in spec}}


def grade_grounding(sample: Sample) -> Score:
    """The sample's grounding score, with the spec `grounding_spec` put in ``sample.metadata["grounding"]``
    (the defaults without one); invalid with the reason when the spec is unusable."""
    from hymar.rewards.grounding import GroundingIoU

    spec = sample.metadata.get("grounding") if isinstance(sample.metadata, Mapping) else None
    try:
        component = GroundingIoU(**(spec if isinstance(spec, Mapping) else DEFAULTS))
    except (TypeError, ValueError) as err:
        return Score.invalid(f"grounding spec: {err}")
    return component.score_one(sample)
