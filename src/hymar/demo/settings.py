"""Settings of `hymar demo`: the default run (fits in 15 minutes on 2 CPU cores) and the ``--quick`` run.

How the defaults were chosen (on a validation split carved from TRAIN: train rows 1000-1199, never
used for SFT; the test split is read by evaluation alone). SFT 10 epochs on 1000 rows gives the base
26.9% validation accuracy on the verifiable domains (counting 32, arithmetic 22, chart 15, choice 38),
the partial accuracy GRPO needs. GRPO with the full preset, 200 validation rows (Nov 2026, 2 cores):

=====================================================  ==========  =======================
settings (steps, prompts x G, lr, temperature, loss)   val. acc.   note
=====================================================  ==========  =======================
30, 2x8, 1e-4, T 1.0, dr_grpo                          22.5
30, 2x8, 3e-4, T 1.0, dr_grpo                          15.0        too high a lr
60, 4x8, 5e-5, T 1.0, dr_grpo                          28.1
60, 4x8, 1e-4, T 1.0, dr_grpo                          25.0
40, 8x8, 1e-4, T 1.0, dr_grpo                          26.3
80, 4x8, 2e-4, T 0.7, grpo                             21.9        length fell 11 -> 8 words
80, 4x8, 1e-4, T 0.7, dr_grpo                          28.7        chosen
=====================================================  ==========  =======================

All within ~+-7 points of noise (40 rows per domain): within this budget (~30 s of GRPO per run, 15
runs) GRPO barely moves the tiny policy; rollouts at T 0.7 are right only ~6-19% of the time, so most
groups carry no accuracy signal. 80 steps x 4 prompts x 8 rollouts is what fits 15 minutes with five
presets and three seeds (a step takes ~0.35 s on a quiet machine).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

#: the study's presets, in the order the report lists them: the monolithic learned-RM baseline first,
#: the full method (HARMO: hybrid + aspects + length) last
DEFAULT_PRESETS = ("model-only", "rule-only", "hybrid", "hybrid-aspects", "hybrid-aspects-length")
FULL_METHOD = "hybrid-aspects-length"
BASELINE = "model-only"
#: the reward model's aspect heads
RM_ASPECTS = ("correctness", "adherence", "conciseness", "relevance")


@dataclass(frozen=True)
class DemoSettings:
    """Everything a demo run depends on (the output folder aside).

    Args:
        presets: reward presets to train with, one GRPO run per preset and seed.
        seeds: GRPO seeds per preset (0 .. seeds-1); results report mean and spread.
        model_size: named `hymar.models.tiny.SIZES` entry of the policy.
        suite_seed: seed of the synthetic task suite.
        train_rows, test_rows: suite rows per split.
        image_size: image side in pixels.
        sft_epochs, sft_learning_rate, sft_batch_size: SFT warm start.
        rm_train_rows, rm_test_rows: suite rows the reward model trains / is evaluated on.
        rm_steps, rm_batch_size, rm_learning_rate: reward-model optimisation.
        rm_policy_prompts: train prompts sampled with the SFT base for verifier-labelled RM pairs (0: none).
        grpo_steps: GRPO optimizer steps per run.
        num_generations: GRPO group size.
        prompts_per_step: prompts per GRPO step.
        max_completion_length: tokens per rollout.
        grpo_learning_rate: GRPO learning rate.
        temperature: rollout sampling temperature.
        eval_max_new_tokens: greedy tokens per test prompt.
        threads: torch CPU threads (None: torch's default).
    """

    presets: tuple[str, ...] = DEFAULT_PRESETS
    seeds: int = 3
    model_size: str = "default"
    suite_seed: int = 0
    train_rows: int = 1000
    test_rows: int = 200
    image_size: int = 56
    sft_epochs: float = 10.0
    sft_learning_rate: float = 1e-3
    sft_batch_size: int = 16
    rm_train_rows: int = 300
    rm_test_rows: int = 100
    rm_steps: int = 150
    rm_batch_size: int = 16
    rm_learning_rate: float = 1e-3
    rm_policy_prompts: int = 0
    grpo_steps: int = 80
    num_generations: int = 8
    prompts_per_step: int = 4
    max_completion_length: int = 48
    grpo_learning_rate: float = 1e-4
    temperature: float = 0.7
    eval_max_new_tokens: int = 64
    threads: int | None = None

    def __post_init__(self) -> None:
        if not self.presets:
            raise ValueError("at least one preset is required")
        if self.seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {self.seeds}")
        if self.train_rows < 1 or self.test_rows < 1:
            raise ValueError("train_rows and test_rows must be >= 1")
        if self.grpo_steps < 1:
            raise ValueError(f"grpo_steps must be >= 1, got {self.grpo_steps}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (tuples as lists)."""
        out = asdict(self)
        out["presets"] = list(self.presets)
        return out


def quick_settings(**overrides: Any) -> DemoSettings:
    """A tiny run for tests and smoke checks (well under 2 minutes on 2 cores): test-size model, few
    rows, few steps, one seed."""
    base = DemoSettings(
        seeds=1,
        model_size="test",
        train_rows=40,
        test_rows=20,
        sft_epochs=2.0,
        sft_batch_size=8,
        rm_train_rows=20,
        rm_test_rows=10,
        rm_steps=8,
        rm_batch_size=8,
        grpo_steps=2,
        num_generations=4,
        prompts_per_step=2,
        max_completion_length=16,
        eval_max_new_tokens=24,
    )
    return replace(base, **overrides)
