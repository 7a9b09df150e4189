"""Group-relative advantages as GRPO forms them, for the rollouts of one probe group.

Two forms, both as TRL's GRPOTrainer computes them (``trl/trainer/grpo_trainer.py``,
``_compute_advantages``; TRL 1.16):

- centred (Dr. GRPO, arXiv 2503.20783; HARMO's choice, ``scale_rewards="none"``): A_i = r_i - mean(r);
- standardised (GRPO, arXiv 2402.03300): A_i = (r_i - mean(r)) / (std(r) + 1e-4), std with Bessel's
  correction as ``torch.std`` computes it.

A NaN reward (every weighted term invalid) is "unscorable" in TRL: it is left out of the group's
mean and std and its advantage is 0. That matters to the audit: an exploit that makes the reward
NaN gets advantage 0, which beats an honest wrong answer whose advantage is negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EPS = 1e-4


def group_advantages(rewards: Sequence[float], *, standardise: bool = False) -> list[float]:
    """Advantages of one group's rewards (see the module docstring).

    Example:
        >>> group_advantages([1.0, 0.0, 0.5])
        [0.5, -0.5, 0.0]
    """
    finite = [r for r in rewards if math.isfinite(r)]
    if not finite:
        return [0.0] * len(rewards)
    mean = sum(finite) / len(finite)
    scale = 1.0
    if standardise:
        var = sum((r - mean) ** 2 for r in finite) / (len(finite) - 1) if len(finite) > 1 else 0.0
        scale = math.sqrt(var) + EPS
    return [(r - mean) / scale if math.isfinite(r) else 0.0 for r in rewards]
