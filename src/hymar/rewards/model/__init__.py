"""Model-based rewards: embedding similarity, learned scalar/vector reward models, an HTTP LLM judge.

Exports are lazy (module ``__getattr__``), so ``import hymar.rewards.model`` and even
``from hymar.rewards.model import EmbeddingSimilarity`` import no torch; torch, transformers and
sentence-transformers load when a component is built.
"""

from __future__ import annotations

from hymar._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "EmbeddingSimilarity": "hymar.rewards.model.embedding",
    "SimilarityConfig": "hymar.rewards.model.embedding",
    "LearnedRewardModel": "hymar.rewards.model.learned",
    "RewardModelSpec": "hymar.rewards.model.spec",
    "VisionRewardModel": "hymar.rewards.model.vision_rm",
    "LLMJudge": "hymar.rewards.model.judge",
    "JudgeConfig": "hymar.rewards.model.judge",
    "ModelLoadError": "hymar.models.errors",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
