"""`GRPOSettings`: the one description of a GRPO run's trainer settings.

Each field carries its default and, in ``metadata["help"]``, its meaning (the convention of
transformers' ``TrainingArguments``). Everything else is generated from this class: `hymar train`'s
flags (`hymar.recipes.train.settings_flags`), a train recipe's ``grpo`` section
(`hymar.recipes.train.schema.GRPOSection`) and the ``--set grpo.FIELD=VALUE`` overrides, so a new field
is a flag, a recipe field and an override at once, with one default and one help text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: hymar advantage name -> TRL ``GRPOConfig.scale_rewards``
ADVANTAGES = {"harmo": "none", "grpo": "group", "batch": "batch"}
#: ``GRPOConfig.loss_type`` values of TRL 1.16
LOSS_TYPES = ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo")
#: policy weight dtypes (torch names; "auto": the checkpoint's)
DTYPES = ("auto", "bfloat16", "float16", "float32")
#: the `hymar train` argument group of the logging and output fields (the others are in "GRPO")
OUTPUT_GROUP = "output"


def _setting(default: Any = None, help: str = "", *, factory: Any = None, **cli: Any) -> Any:  # noqa: A002 - the HF name
    """A field with its help; ``cli`` may add ``flag`` (the flag's name when it is not ``--field-name``;
    None: no flag), ``choices`` and ``group`` (see `hymar.recipes.train.settings_flags`)."""
    metadata = {"help": help, **cli}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class GRPOSettings:
    """Trainer settings of a hymar GRPO run (everything but the policy, data and reward); each field's
    ``metadata["help"]`` says what it does (``hymar train --help`` prints them)."""

    advantage: str = _setting("harmo", "group advantage: harmo = r - mean(r) (no std division, TRL scale_rewards='none'); "
                              "grpo = (r - mean) / std per group; batch = std over the whole batch", choices=tuple(sorted(ADVANTAGES)))
    loss_type: str = _setting("dr_grpo", "TRL loss aggregation", choices=LOSS_TYPES)
    num_generations: int = _setting(8, "rollouts per prompt (the group size G)")
    prompts_per_step: int = _setting(2, "prompts per optimizer step; a step scores prompts_per_step x num_generations rollouts "
                                     "(TRL's per_device_train_batch_size)")
    max_completion_length: int = _setting(64, "tokens per rollout")
    learning_rate: float = _setting(1e-4, "AdamW learning rate (constant schedule)")
    max_steps: int = _setting(-1, "optimizer steps; <= 0 uses epochs")
    epochs: float = _setting(1.0, "passes over the prompts when max_steps <= 0")
    temperature: float = _setting(1.0, "rollout sampling temperature")
    beta: float = _setting(0.0, "KL coefficient against the initial policy (0 loads no reference model)")
    seed: int = _setting(0, "seeds sampling, data order and TRL's prompt sampler")
    save_steps: int = _setting(0, "checkpoint every N steps; 0: the final model only", group=OUTPUT_GROUP)
    save_total_limit: int | None = _setting(None, "keep at most N checkpoints (none: all)", group=OUTPUT_GROUP)
    logging_steps: int = _setting(1, "steps between logged metrics (1: a curve point per step)", group=OUTPUT_GROUP)
    report_to: tuple[str, ...] = _setting(
        help="Trainer loggers, comma-separated, or none: tensorboard writes offline event files to OUT/logs, wandb an "
        "offline W&B run to OUT/logs/wandb (WANDB_MODE set: its mode)", factory=lambda: ("tensorboard",), group=OUTPUT_GROUP)
    rollout_log_steps: int = _setting(10, "with wandb: per-component histograms of the rollouts' values and a table of "
                                      "sample rollouts every N steps; 0: none", group=OUTPUT_GROUP)
    rollout_table_rows: int = _setting(8, "rows of that table", group=OUTPUT_GROUP)
    gradient_checkpointing: bool = _setting(False, "trade compute for memory (slower on CPU, see CPU-STACK.md)")
    use_cpu: bool | None = _setting(None, "train on CPU even when CUDA is available (unset: CPU unless CUDA is there)",
                                    flag="--cpu", group=OUTPUT_GROUP)
    shuffle: bool = _setting(True, "shuffle the prompts")
    progress: bool = _setting(True, "show TRL's tqdm progress bar", group=OUTPUT_GROUP)
    dynamic_sampling: bool = _setting(False, "drop groups whose outcome does not vary and refill the batch with fresh "
                                      "prompts (DAPO; hymar.train.dynamic_sampling); one process only")
    dynamic_sampling_rounds: int = _setting(2, "extra generation rounds per step at most when refilling")
    dynamic_sampling_outcome: str = _setting("accuracy", "the reward component whose variance marks a group informative "
                                             "(the total reward where the reward lacks it)")
    dtype: str | None = _setting(None, "policy weights' dtype (unset: float32 on CPU, the checkpoint's on a GPU)", choices=DTYPES)
    trl_args: Mapping[str, Any] = _setting(
        help="further trl.GRPOConfig arguments, applied last so they win over the ones derived from the fields above "
        "(use_vllm, vllm_mode, gradient_accumulation_steps, ...); an unknown name fails when the config is built",
        factory=dict, flag=None)

    def __post_init__(self) -> None:
        if self.advantage not in ADVANTAGES:
            raise ValueError(f"advantage must be one of {sorted(ADVANTAGES)}, got {self.advantage!r}")
        if self.loss_type not in LOSS_TYPES:
            raise ValueError(f"loss_type must be one of {LOSS_TYPES}, got {self.loss_type!r}")
        if self.dtype is not None and self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.num_generations < 2:
            raise ValueError(f"num_generations must be >= 2 (GRPO compares rollouts of a prompt), got {self.num_generations}")
        for name in ("prompts_per_step", "max_completion_length", "logging_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("rollout_log_steps", "rollout_table_rows"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.dynamic_sampling_rounds < 0:
            raise ValueError(f"dynamic_sampling_rounds must be >= 0, got {self.dynamic_sampling_rounds}")
        if self.max_steps <= 0 and not self.epochs > 0:
            raise ValueError("set max_steps > 0 or epochs > 0")
        if not self.learning_rate > 0 or not self.temperature > 0 or self.beta < 0 or self.save_steps < 0:
            raise ValueError("learning_rate and temperature must be > 0, beta and save_steps >= 0")
        if isinstance(self.report_to, str):  # "tensorboard,wandb" or "none", as the flag takes it (not per character)
            names = (name.strip() for name in self.report_to.split(","))
            object.__setattr__(self, "report_to", tuple(name for name in names if name and name != "none"))
        object.__setattr__(self, "report_to", tuple(self.report_to))
        object.__setattr__(self, "trl_args", dict(self.trl_args))
