"""The base class of every aspect: judge one sample against its constraints.

An aspect is a `PerSampleComponent` whose ``score_one`` works out the sample's constraints
(`constraints_for`: dataset column over prompt phrasings) and hands them to ``judge``. The aggregator
`InstructionAdherence` works out the constraints once per sample and calls ``judge`` of every aspect
directly, so a long prompt is parsed once, not once per aspect.

A completion over `MAX_RESPONSE_CHARS` (the rule verifier's completion limit) is invalid for every
aspect without being read: keyword matching costs (keywords x response length), and a 16 MB
completion would make one sample cost tens of seconds.
"""

from __future__ import annotations

from abc import abstractmethod

from hymar.rewards.aspects.constraints import Constraints, constraints_for
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.rules.limits import MAX_COMPLETION_CHARS
from hymar.rewards.types import Sample, Score

MAX_RESPONSE_CHARS = MAX_COMPLETION_CHARS


def oversized(sample: Sample) -> Score | None:
    """The invalid Score for a completion too long to judge, or None when its size is fine."""
    completion = sample.completion
    if isinstance(completion, str) and len(completion) > MAX_RESPONSE_CHARS:
        return Score.invalid(f"completion too long ({len(completion)} > {MAX_RESPONSE_CHARS} characters)")
    return None


class Aspect(PerSampleComponent):
    """One instruction-adherence check; value in [0, 1], 1 = fully adherent."""

    name = "aspect"
    default_failure_threshold = None  # a pure function of the sample: no breaker unless configured

    def score_one(self, sample: Sample) -> Score:
        too_long = oversized(sample)
        if too_long is not None:
            return too_long
        try:
            constraints = constraints_for(sample)
        except (TypeError, ValueError) as err:
            # A malformed constraints column is a data problem, not a model failure: say so per sample.
            return Score.invalid(f"bad constraints: {err}")
        return self.judge(sample, constraints)

    @abstractmethod
    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        """Score ``sample`` against ``constraints``.

        Args:
            sample: the rollout (its completion is untrusted text).
            constraints: what the prompt or the dataset asks for.

        Returns:
            A Score in [0, 1]; ``Score.not_applicable`` when the aspect has nothing to check;
            ``Score.invalid(reason)`` when it cannot judge. Never raises on model output.
        """
