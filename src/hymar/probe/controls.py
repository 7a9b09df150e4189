"""Negative controls: deliberately gameable rewards the audit must flag.

`SubstringMatch` is the reward of Visual-RFT #176 and many quick-start scripts: 1.0 when the gold
appears anywhere in the completion. Every hedge, shotgun and "answer after the tag" exploit earns it
full credit, and with an empty gold every completion does. It is not registered as a built-in and no
preset uses it; point a config at it (``type: hymar.probe.controls:SubstringMatch``) to see what a
failing audit looks like (``examples/probe-weak.yaml``).
"""

from __future__ import annotations

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Sample, Score


class SubstringMatch(PerSampleComponent):
    """1.0 when the gold (or reference) is a case-insensitive substring of the completion, else 0.0."""

    name = "substring"

    def score_one(self, sample: Sample) -> Score:
        gold = sample.answer if sample.answer is not None else sample.reference
        if gold is None:
            return Score.not_applicable("no gold answer")
        return Score(1.0 if gold.strip().lower() in sample.completion.lower() else 0.0)
