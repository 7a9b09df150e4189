"""Settings of `hymar demo`: the default run (fits in 15 minutes on 2 CPU cores), ``--full`` and ``--quick``.

Splits (all from one suite seed; row ranges of the train split, so they never overlap):

=============  =======================  ==========================================================
split          rows                     used for
=============  =======================  ==========================================================
validation     train[0 : 500]           every choice of settings below, and the perceivability gate
SFT            next ``sft_rows``        the demonstrations of the SFT base (one pass)
GRPO pool      next ``grpo_rows``       the prompts GRPO samples (their demonstrations unused)
test           the test split, 500      the reported numbers only (100 rows per domain)
=============  =======================  ==========================================================

How the defaults were chosen (issue 8, Dec 2026, validation rows only; GRPO `rule-only`, 16 prompts x 8
rollouts, lr 1e-4, T 1.0, 60 steps unless noted; full table in BENCHMARKS.md):

=====================================================  =========  ==============================
suite and SFT base                                     base val.  after GRPO (val.)
=====================================================  =========  ==============================
thin digits, 1,500 rows x 4 epochs (linear decay)      74         74 (lr 3e-4: 55)
thin digits, 7,200 unique rows x 1 (constant lr)       54         68 (gate fails: arithmetic
                                                                  21 vs 19 blank, choice 44 vs 39)
  + dynamic sampling                                              66 (2.1x the time)
bold digits, 10,000 unique rows x 1 (constant lr)      72         92 (gate holds)
=====================================================  =========  ==============================

A base trained for several epochs on few rows memorised them: its sampled rollouts were right ~50% of
the time and GRPO did not move it. One pass over unique rows (constant learning rate after warm-up)
gives a base that generalises and that GRPO sharpens. Bold digits made arithmetic perceivable (21% ->
83% validation accuracy at the same SFT budget). Dynamic sampling did not help at equal steps and
doubled the step time, so the demo leaves it off. 40 GRPO steps (not 60) and two seeds for the full
method and ``rule-only`` are what fits the 15-minute budget with all five presets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

#: the study's presets, in the order the report lists them: the monolithic learned-RM baseline first,
#: the full method (HARMO: hybrid + aspects + length) last
DEFAULT_PRESETS = ("model-only", "rule-only", "hybrid", "hybrid-aspects", "hybrid-aspects-length")
FULL_METHOD = "hybrid-aspects-length"
BASELINE = "model-only"
#: the rule verdict alone: the full method's reference for what the aspects and length terms add
RULE_ONLY = "rule-only"
#: the reward model's aspect heads
RM_ASPECTS = ("correctness", "adherence", "conciseness", "relevance")


@dataclass(frozen=True)
class DemoSettings:
    """Everything a demo run depends on (the output folder aside).

    Args:
        presets: reward presets to train with, one GRPO run per preset and seed.
        seeds: GRPO seeds per preset (0 .. seeds-1) unless ``preset_seeds`` names the preset.
        preset_seeds: (preset, seeds) pairs overriding ``seeds`` (more seeds where the claims are).
        model_size: named `hymar.models.tiny.SIZES` entry of the policy.
        suite_seed: seed of the synthetic task suite.
        validation_rows, sft_rows, grpo_rows: row ranges of the train split (module docstring).
        test_rows: test rows (a multiple of the 5 domains keeps them balanced).
        image_size: image side in pixels.
        sft_epochs, sft_learning_rate, sft_batch_size, sft_scheduler: SFT warm start.
        gate_rows: validation rows sampled ``num_generations`` times for the perceivability gate.
        rm_train_rows, rm_test_rows: suite rows the reward model trains / is evaluated on.
        rm_steps, rm_batch_size, rm_learning_rate: reward-model optimisation.
        rm_policy_prompts: train prompts sampled with the SFT base for verifier-labelled RM pairs (0: none).
        grpo_steps: GRPO optimizer steps per run.
        num_generations: GRPO group size.
        prompts_per_step: prompts per GRPO step.
        max_completion_length: tokens per rollout.
        grpo_learning_rate: GRPO learning rate.
        temperature: rollout sampling temperature.
        num_iterations: policy updates per batch of rollouts (TRL ``num_iterations``).
        dynamic_sampling: drop zero-variance groups and refill (`hymar.train.dynamic_sampling`).
        beta: KL coefficient; a tiny one makes TRL compute and log the KL to the base every step.
        eval_max_new_tokens: greedy tokens per test prompt.
        examples: test prompts shown side by side (base and each policy) in the report.
        threads: torch CPU threads (None: torch's default).
    """

    presets: tuple[str, ...] = DEFAULT_PRESETS
    seeds: int = 1
    preset_seeds: tuple[tuple[str, int], ...] = ((FULL_METHOD, 2), ("rule-only", 2))
    model_size: str = "default"
    suite_seed: int = 0
    validation_rows: int = 500
    sft_rows: int = 10000
    grpo_rows: int = 2000
    test_rows: int = 500
    image_size: int = 84
    sft_epochs: float = 1.0
    sft_learning_rate: float = 1e-3
    sft_batch_size: int = 16
    sft_scheduler: str = "constant_with_warmup"
    gate_rows: int = 200
    rm_train_rows: int = 300
    rm_test_rows: int = 100
    rm_steps: int = 150
    rm_batch_size: int = 16
    rm_learning_rate: float = 1e-3
    rm_policy_prompts: int = 0
    grpo_steps: int = 40
    num_generations: int = 8
    prompts_per_step: int = 16
    max_completion_length: int = 32
    grpo_learning_rate: float = 1e-4
    temperature: float = 1.0
    num_iterations: int = 1
    dynamic_sampling: bool = False
    beta: float = 1e-3
    eval_max_new_tokens: int = 32
    examples: int = 4
    threads: int | None = None

    def __post_init__(self) -> None:
        if not self.presets:
            raise ValueError("at least one preset is required")
        if self.seeds < 1 or any(n < 1 for _, n in self.preset_seeds):
            raise ValueError(f"seeds must be >= 1, got {self.seeds} and {self.preset_seeds}")
        for name in ("validation_rows", "sft_rows", "grpo_rows", "test_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.grpo_steps < 1:
            raise ValueError(f"grpo_steps must be >= 1, got {self.grpo_steps}")

    def seeds_of(self, preset: str) -> int:
        """GRPO seeds of ``preset``."""
        return dict(self.preset_seeds).get(preset, self.seeds)

    @property
    def train_rows(self) -> int:
        """Rows of the suite's train split: validation + SFT + GRPO pool."""
        return self.validation_rows + self.sft_rows + self.grpo_rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (tuples as lists)."""
        out = asdict(self)
        out["presets"] = list(self.presets)
        out["preset_seeds"] = {p: n for p, n in self.preset_seeds}
        out["train_rows"] = self.train_rows
        return out


def full_settings(**overrides: Any) -> DemoSettings:
    """``hymar demo --full``: every preset with 3 seeds, no time budget."""
    return replace(DemoSettings(seeds=3, preset_seeds=()), **overrides)


def quick_settings(**overrides: Any) -> DemoSettings:
    """A tiny run for tests and smoke checks (well under 2 minutes on 2 cores): test-size model, few
    rows, few steps, one seed."""
    base = DemoSettings(
        seeds=1,
        preset_seeds=(),
        model_size="test",
        validation_rows=20,
        sft_rows=40,
        grpo_rows=20,
        test_rows=20,
        image_size=56,
        sft_epochs=2.0,
        sft_batch_size=8,
        gate_rows=10,
        rm_train_rows=20,
        rm_test_rows=10,
        rm_steps=8,
        rm_batch_size=8,
        grpo_steps=2,
        num_generations=4,
        prompts_per_step=2,
        max_completion_length=16,
        eval_max_new_tokens=24,
        examples=2,
    )
    return replace(base, **overrides)
