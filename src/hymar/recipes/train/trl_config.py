"""Build the real ``trl.GRPOConfig`` of a GPU run on any machine, and the run's batch arithmetic.

``TrainingArguments`` refuses bf16 (and tf32) where no supporting GPU is present. Those are the only
checks that depend on the machine, so `build_grpo_config` constructs the config exactly as the target
would, and only when one of them fires retries with the smallest change that gets past it (``use_cpu``
for bf16, no ``tf32``), reporting each skipped check. Every other check of TRL and transformers runs on
the target's values. Nothing is downloaded, and vLLM/DeepSpeed are not imported (``use_vllm`` is only
read when the trainer starts).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class DeviceCheck:
    """A TrainingArguments check that needs the target's hardware.

    Attributes:
        marker: text of the ValueError it raises.
        key: the argument the retry changes.
        retry_value: the value used for the retry; None drops the argument.
        skipped: what the report says was not checked here.
    """

    marker: str
    key: str
    retry_value: Any
    skipped: str


DEVICE_CHECKS = (
    DeviceCheck("support bf16/gpu", "use_cpu", True, "bf16 needs a bf16-capable GPU (Ampere or newer): not present here, checked at launch"),
    DeviceCheck("--tf32 requires", "tf32", None, "tf32 needs an Ampere or newer GPU: not present here, checked at launch"),
)


def build_grpo_config(kwargs: Mapping[str, Any]) -> tuple[Any, list[str], list[str]]:
    """``trl.GRPOConfig(**kwargs)``, getting past only the hardware checks of `DEVICE_CHECKS`.

    Args:
        kwargs: the target's GRPOConfig arguments (`hymar.train.grpo.grpo_config_kwargs`).

    Returns:
        ``(config, skipped, warnings)``: the constructed config, the device checks that were skipped,
        and the warnings TRL/transformers emitted while building it.

    Raises:
        ValueError: a check that does not depend on the hardware failed, or an unknown argument.
    """
    from trl import GRPOConfig

    known = {f.name for f in dataclasses.fields(GRPOConfig)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ValueError(f"not trl.GRPOConfig arguments: {unknown}")
    attempt = dict(kwargs)
    skipped: list[str] = []
    while True:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                config = GRPOConfig(**attempt)
            except ValueError as err:
                check = next((c for c in DEVICE_CHECKS if c.marker in str(err) and c.skipped not in skipped), None)
                if check is None:
                    raise
                skipped.append(check.skipped)
                if check.retry_value is None:
                    attempt.pop(check.key, None)
                else:
                    attempt[check.key] = check.retry_value
                continue
        return config, skipped, sorted({f"{w.category.__name__}: {w.message}" for w in caught})


def batch_plan(kwargs: Mapping[str, Any], world_size: int, per_device_field: str) -> tuple[dict[str, Any], list[str]]:
    """Rollouts and prompts per optimizer step, as TRL 1.16's GRPOConfig derives them.

    TRL: ``per_device_train_batch_size`` counts rollouts; one generation batch of
    ``per_device * world_size * steps_per_generation`` rollouts (``steps_per_generation`` defaults to
    ``gradient_accumulation_steps``) must hold whole groups of ``num_generations``. hymar also asks each
    rank's batch to hold whole groups: the reward function runs on each rank's own rollouts and infers
    groups from them (`hymar.integrations.trl.infer_groups`), so group-relative terms such as the length
    penalty need every group complete on one rank.

    Args:
        kwargs: GRPOConfig arguments.
        world_size: number of training processes.
        per_device_field: the recipe field that set the per-device batch (named in errors).

    Returns:
        ``(plan, errors)``.
    """
    g = int(kwargs["num_generations"])
    per_device = int(kwargs["per_device_train_batch_size"])
    accumulation = int(kwargs.get("gradient_accumulation_steps", 1))
    errors: list[str] = []
    if per_device % g:
        errors.append(
            f"{per_device_field}: per-device batch of {per_device} rollouts is not a multiple of num_generations={g}; "
            "each rank must hold whole groups"
        )
    steps_per_generation = kwargs.get("steps_per_generation")
    generation_batch = kwargs.get("generation_batch_size")
    if generation_batch is None:
        steps_per_generation = steps_per_generation or accumulation
        generation_batch = per_device * world_size * steps_per_generation
    elif generation_batch % (per_device * world_size):
        errors.append(
            f"trl.generation_batch_size: {generation_batch} is not a multiple of the global batch "
            f"{per_device} x {world_size} processes"
        )
    else:
        steps_per_generation = generation_batch // (per_device * world_size)
    if generation_batch % g:
        errors.append(f"trl.generation_batch_size: {generation_batch} rollouts is not a multiple of num_generations={g}")
    rollouts = per_device * world_size * accumulation
    plan = {
        "world_size": world_size,
        "num_generations": g,
        "per_device_rollouts": per_device,
        "per_device_prompts": per_device / g,
        "gradient_accumulation_steps": accumulation,
        "rollouts_per_optimizer_step": rollouts,
        "prompts_per_optimizer_step": rollouts / g,
        "generation_batch_size": generation_batch,
        "steps_per_generation": steps_per_generation,
    }
    return plan, errors
