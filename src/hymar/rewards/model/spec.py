"""``hymar_reward.json``: what a reward-model folder's outputs mean (no torch).

Format (all keys optional)::

    {"aspects": ["correctness", "adherence", "fluency"],        # one name per output
     "aspect_weights": {"correctness": 2.0, "adherence": 1.0},  # missing aspects weigh 0
     "multimodal": true}                                        # a VisionRewardModel folder

Without the file: a scalar model has the one aspect "reward", a vector model with n outputs has
aspects "aspect_0" ... "aspect_{n-1}", every aspect weighs 1/n (the total is the mean), and
``multimodal`` is inferred from the presence of ``reward_head.safetensors``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_FILE = "hymar_reward.json"


@dataclass(frozen=True)
class RewardModelSpec:
    """Aspect names, weights and modality of a reward model.

    Args:
        aspects: one name per model output (empty = derive from the output count).
        aspect_weights: weight per aspect name (None = 1/n each).
        multimodal: the folder holds a `VisionRewardModel` (None = infer from the files).
    """

    aspects: tuple[str, ...] = ()
    aspect_weights: Mapping[str, float] | None = None
    multimodal: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(set(self.aspects)) != len(self.aspects):
            raise ValueError(f"duplicate aspect names in {list(self.aspects)}")
        if self.aspect_weights is not None:
            unknown = set(self.aspect_weights) - set(self.aspects) if self.aspects else set()
            if unknown:
                raise ValueError(f"aspect_weights name unknown aspects {sorted(unknown)} (aspects: {list(self.aspects)})")
            for name, w in self.aspect_weights.items():
                if not isinstance(w, (int, float)) or not math.isfinite(w):
                    raise ValueError(f"aspect weight for {name!r} must be a finite number, got {w!r}")

    @classmethod
    def load(cls, folder: str | Path) -> RewardModelSpec:
        """Read ``folder/hymar_reward.json``; the default spec when it is absent.

        Raises:
            ValueError: the file exists but is not a valid spec (message names the file).
        """
        path = Path(folder) / SPEC_FILE
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("top level must be an object")
            aspects = data.pop("aspects", [])
            if not isinstance(aspects, list) or not all(isinstance(a, str) for a in aspects):
                raise ValueError("'aspects' must be a list of strings")
            weights = data.pop("aspect_weights", None)
            if weights is not None and not isinstance(weights, dict):
                raise ValueError("'aspect_weights' must be an object")
            multimodal = data.pop("multimodal", None)
            if multimodal is not None and not isinstance(multimodal, bool):
                raise ValueError("'multimodal' must be true or false")
            return cls(tuple(aspects), weights, multimodal, data)
        except ValueError as err:
            raise ValueError(f"invalid {path}: {err}") from err

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/hymar_reward.json``; returns its path."""
        data: dict[str, Any] = dict(self.extra)
        data["aspects"] = list(self.aspects)
        if self.aspect_weights is not None:
            data["aspect_weights"] = dict(self.aspect_weights)
        if self.multimodal is not None:
            data["multimodal"] = self.multimodal
        path = Path(folder) / SPEC_FILE
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return path

    def resolved(self, n_outputs: int) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """(aspect names, weights) for a model with ``n_outputs`` outputs.

        Raises:
            ValueError: the spec names a different number of aspects than the model has outputs.
        """
        if self.aspects and len(self.aspects) != n_outputs:
            raise ValueError(f"{SPEC_FILE} names {len(self.aspects)} aspects but the model has {n_outputs} outputs")
        names = self.aspects or (("reward",) if n_outputs == 1 else tuple(f"aspect_{k}" for k in range(n_outputs)))
        if self.aspect_weights is None:
            return names, tuple(1.0 / n_outputs for _ in names)
        return names, tuple(float(self.aspect_weights.get(n, 0.0)) for n in names)
