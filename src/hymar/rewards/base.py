"""The one interface every reward component implements: score a batch with group ids."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import ClassVar

from hymar.rewards.types import Sample, Score, default_groups

#: consecutive failed batches that open a component's circuit breaker (see `hymar.rewards.guard`)
DEFAULT_FAILURE_THRESHOLD = 3


class RewardComponent(ABC):
    """A reward component scores a batch of samples.

    Batch-level so a model can batch its forward passes and group-relative terms (length penalty,
    normalisation) can see the whole group. ``groups[i]`` is the group id of ``samples[i]``; samples
    sharing an id are the rollouts of one prompt. Subclasses implement `score` and must return one
    Score per sample, never raise on bad model output (return `Score.invalid(reason)` instead), and
    never mutate their inputs. Components are plain picklable objects: rollout workers spawn.

    What the combiner and its fault guard need to know about a component is declared here as class
    attributes (overridden by a subclass, or per config entry where the config has the field):
    """

    #: default name under which the combiner logs this component
    name: str = "component"
    #: True for model-based components (a learned RM, embedding similarity, an LLM judge): what the
    #: hybrid routes open-ended samples to and what evaluation reports as the model reward
    uses_model: ClassVar[bool] = False
    #: True: scored after the others through `score_with_correctness`, with each sample's correctness
    #: (the group-relative length penalty needs to know which rollouts are right)
    needs_correctness: ClassVar[bool] = False
    #: seconds one batch may take when the config sets no ``timeout_s`` (None: no deadline, run inline)
    default_timeout_s: ClassVar[float | None] = None
    #: consecutive failed batches that open the breaker when the config sets no ``failure_threshold``;
    #: None for components that run locally on the sample alone (they cannot be "down")
    default_failure_threshold: ClassVar[int | None] = DEFAULT_FAILURE_THRESHOLD

    @abstractmethod
    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        """Score ``samples``; ``groups`` has one group id per sample."""

    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> list[Score]:
        samples = list(samples)
        scores = self.score(samples, default_groups(len(samples), groups))
        if len(scores) != len(samples):
            raise RuntimeError(f"{type(self).__name__} returned {len(scores)} scores for {len(samples)} samples")
        return scores

    def score_with_correctness(
        self, samples: Sequence[Sample], groups: Sequence[Hashable], correct: Sequence[bool | None] | None
    ) -> list[Score]:
        """Score knowing each sample's correctness (None: unknown); only for ``needs_correctness``."""
        raise NotImplementedError(f"{type(self).__name__} does not declare needs_correctness")


class PerSampleComponent(RewardComponent):
    """A component whose score of a sample does not depend on the rest of its group."""

    @abstractmethod
    def score_one(self, sample: Sample) -> Score:
        """Score one sample."""

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return [self.score_one(s) for s in samples]
