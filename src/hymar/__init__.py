"""hymar: hybrid, multi-aspect rewards for RL alignment of multimodal LLMs."""

from hymar.rewards.types import RewardResult, Sample, Score

__version__ = "0.1.0"
__all__ = ["Sample", "Score", "RewardResult", "__version__"]
