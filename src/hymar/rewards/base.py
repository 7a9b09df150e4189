"""The one interface every reward component implements: score a batch with group ids."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence

from hymar.rewards.types import Sample, Score, default_groups


class RewardComponent(ABC):
    """A reward component scores a batch of samples.

    Batch-level so a model can batch its forward passes and group-relative terms (length penalty,
    normalisation) can see the whole group. ``groups[i]`` is the group id of ``samples[i]``; samples
    sharing an id are the rollouts of one prompt. Subclasses implement `score` and must return one
    Score per sample, never raise on bad model output (return `Score.invalid(reason)` instead), and
    never mutate their inputs. Components are plain picklable objects: rollout workers spawn.
    """

    #: default name under which the combiner logs this component
    name: str = "component"

    @abstractmethod
    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        """Score ``samples``; ``groups`` has one group id per sample."""

    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> list[Score]:
        samples = list(samples)
        scores = self.score(samples, default_groups(len(samples), groups))
        if len(scores) != len(samples):
            raise RuntimeError(f"{type(self).__name__} returned {len(scores)} scores for {len(samples)} samples")
        return scores


class PerSampleComponent(RewardComponent):
    """A component whose score of a sample does not depend on the rest of its group."""

    @abstractmethod
    def score_one(self, sample: Sample) -> Score:
        """Score one sample."""

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return [self.score_one(s) for s in samples]
