"""The reward layer: rule verifiers, instruction-adherence aspects, length penalties, model rewards
and the hybrid combiner. Imports no torch unless a model-based component is built."""

from hymar.rewards.base import RewardComponent
from hymar.rewards.types import RewardResult, Sample, Score

__all__ = ["RewardComponent", "RewardResult", "Sample", "Score"]
