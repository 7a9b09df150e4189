"""Multi-process GRPO runs: which rank does what, and a per-rank report that shows the ranks agree.

``hymar train`` runs unchanged under ``torchrun --nproc_per_node N -m hymar train ...`` or
``accelerate launch --multi_gpu --num_processes N -m hymar train ...`` (gloo on CPU, nccl on GPUs; see
docs/training.md). Rules kept here:

- one writer per file: the main process builds the default policy (`build_on_main`; the others wait at
  a barrier and then load it), writes the run's metrics and prints the summary;
- each rank's reward calls are recorded by a `RolloutLedger` (rollouts scored, prompt ids, group sizes);
  at the end every rank's `rank_report` (with a sha256 of its final weights, `weights_digest`) is gathered
  with accelerate's ``gather_object`` into ``grpo_metrics.json["ranks"]``; DDP keeps replicas identical,
  so differing digests mean the run is broken;
- `check_whole_groups`: TRL 1.16 hands each rank one contiguous block of its sampler's stream per
  generation (accelerate's ``BatchSamplerShard``: rank r gets batches r, r+N, ...) of
  ``per_device_train_batch_size * steps_per_generation`` rows, and ``RepeatSampler`` puts a prompt's
  ``num_generations`` rollouts next to each other from offset 0; so each rank's reward call holds whole
  groups exactly when that block size is a multiple of ``num_generations``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from hymar.integrations.trl import build_samples, infer_groups


def world_size() -> int:
    """Processes of this run, from the launcher's environment (torchrun and accelerate set WORLD_SIZE)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """True on the process that writes shared files (global rank 0; a single process is rank 0)."""
    return int(os.environ.get("RANK", "0")) == 0


def _barrier(cpu: bool) -> None:
    """Wait for every rank; sets up the process group first if nobody has (accelerate's PartialState,
    the same state ``TrainingArguments`` builds later, so the Trainer reuses the group)."""
    from accelerate import PartialState

    PartialState(cpu=cpu).wait_for_everyone()


def build_on_main(folder: str | Path, build: Callable[[], Any], *, cpu: bool | None = None) -> Path:
    """Build ``folder`` on the main process only; the others wait, then use what it wrote.

    Args:
        folder: where ``build`` writes (the other ranks return it).
        build: writes ``folder`` (called on the main process only).
        cpu: the run trains on CPU (the process group then uses gloo); None: CPU unless CUDA is available.

    Returns:
        ``Path(folder)``.
    """
    if world_size() <= 1:
        build()
        return Path(folder)
    if cpu is None:
        import torch

        cpu = not torch.cuda.is_available()
    if is_main_process():
        build()
    _barrier(cpu)
    return Path(folder)


def weights_digest(model: Any) -> str:
    """sha256 of a model's parameters: name, dtype, shape and raw bytes of each, in name order.

    Tied weights count once (``named_parameters`` yields a shared tensor once).

    Args:
        model: a torch module (the unwrapped model, not the DDP wrapper, so names carry no prefix).

    Returns:
        Hex digest; equal digests mean bit-identical weights.
    """
    return tensors_digest(model.named_parameters())


def tensors_digest(named: Iterable[tuple[str, Any]]) -> str:
    """sha256 of named tensors (name, dtype, shape, bytes; in name order), on any device."""
    import torch

    h = hashlib.sha256()
    for name, value in sorted(named, key=lambda item: item[0]):
        tensor = value.detach().to("cpu").contiguous().reshape(-1)
        h.update(f"{name}|{tensor.dtype}|{tuple(value.shape)}\n".encode())
        h.update(tensor.view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def is_sharded(accelerator: Any) -> bool:
    """FSDP or DeepSpeed ZeRO-3: each rank holds only a shard of the weights (no replica to compare)."""
    kind = str(getattr(accelerator, "distributed_type", ""))
    if "FSDP" in kind:
        return True
    plugin = getattr(getattr(accelerator, "state", None), "deepspeed_plugin", None)
    return "DEEPSPEED" in kind and getattr(plugin, "zero_stage", 0) == 3


def final_weights_digest(model: Any, accelerator: Any) -> tuple[str | None, str | None]:
    """This rank's digest of the trained weights, and a note when it is not a per-rank replica digest.

    Replicated training (DDP, ZeRO-1/2, one process): the digest of this rank's parameters, so equal
    digests across ranks prove the replicas stayed identical. Sharded training (FSDP, ZeRO-3): the
    parameters are shards (FSDP2 DTensors, ZeRO-3 partitions), so every rank takes part in gathering
    the full state dict (``accelerator.get_state_dict``, a collective) and only the main process
    digests it; the other ranks report None. A failure yields None and the reason: the report is a
    check, and must never cost the run its saved model.

    Args:
        model: the trainer's model (wrapped or not).
        accelerator: the trainer's ``Accelerator``.

    Returns:
        ``(digest or None, note or None)``.
    """
    try:
        if accelerator is not None and is_sharded(accelerator):
            state = accelerator.get_state_dict(model)  # collective: every rank must call it
            if not accelerator.is_main_process:
                return None, "sharded training: digest of the gathered full state on the main process only"
            return tensors_digest(state.items()), "sharded training: digest of the gathered full state dict"
        unwrapped = accelerator.unwrap_model(model) if accelerator is not None else model
        return weights_digest(unwrapped), None
    except Exception as err:  # noqa: BLE001 - a check must not fail the run
        return None, f"weights digest failed: {type(err).__name__}: {str(err)[:200]}"


class RolloutLedger:
    """A TRL reward function wrapper recording what this rank scored (wrap the total function only).

    Records, per call: the number of rollouts, the prompt id of each run of consecutive rollouts of one
    prompt (`prompt_key`) and the run lengths. A run is whole when its length is a multiple of
    ``group_size`` (a prompt drawn twice in a row makes one run of two groups); a group split at the edge
    of the rank's slice shows up as a shorter run. Picklable (plain lists).

    Args:
        func: the reward function to wrap (its result is returned unchanged).
        group_size: the expected rollouts per prompt (``num_generations``).
    """

    def __init__(self, func: Callable[..., Any], group_size: int):
        self.func = func
        self.group_size = group_size
        self.__name__ = getattr(func, "__name__", type(func).__name__)
        self.rollouts = 0
        self.prompt_ids: list[str] = []
        self.call_group_sizes: list[list[int]] = []

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> Any:
        samples = build_samples(prompts, completions, kwargs)
        groups = infer_groups(samples)  # no group_size: runs of one prompt, however long
        sizes: dict[str, int] = {}
        for group in groups:
            sizes[group] = sizes.get(group, 0) + 1
        self.rollouts += len(samples)
        self.prompt_ids.extend(group.split(":", 1)[1] for group in sizes)
        self.call_group_sizes.append(list(sizes.values()))
        return self.func(prompts, completions, **kwargs)

    @property
    def whole_groups(self) -> bool:
        """Every run of every call held whole groups of ``group_size`` rollouts."""
        return all(size % self.group_size == 0 for call in self.call_group_sizes for size in call)


def rank_report(model: Any, ledger: RolloutLedger | None, rank: int, accelerator: Any = None) -> dict[str, Any]:
    """This rank's entry of ``grpo_metrics.json["ranks"]`` (every rank must call it: see
    `final_weights_digest`).

    Returns:
        ``{"rank", "weights_sha256", "rollouts_scored", "reward_calls", "prompt_ids", "whole_groups",
        "group_sizes"}`` (``group_sizes``: the distinct sizes seen), plus "weights_note" when the digest
        is not a plain replica digest.
    """
    calls = ledger.call_group_sizes if ledger is not None else []
    digest, note = final_weights_digest(model, accelerator)
    report = {
        "rank": rank,
        "weights_sha256": digest,
        "rollouts_scored": ledger.rollouts if ledger is not None else 0,
        "reward_calls": len(calls),
        "prompt_ids": list(ledger.prompt_ids) if ledger is not None else [],
        "whole_groups": ledger.whole_groups if ledger is not None else True,
        "group_sizes": sorted({size for call in calls for size in call}),
    }
    if note is not None:
        report["weights_note"] = note
    return report


def gather_reports(accelerator: Any, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rank's report, in rank order, on every rank (a collective call: all ranks must make it)."""
    from accelerate.utils import gather_object

    reports = list(gather_object([report])) if accelerator.num_processes > 1 else [report]
    return sorted(reports, key=lambda r: r["rank"])


def end_process_group() -> None:
    """Meet every rank at a last barrier, then tear the process group down (no-op in one process).

    Without it the ranks that finish first exit while the main process still writes the run's files,
    and gloo's connection threads are destroyed at interpreter exit while still joinable, which aborts
    the process ("terminate called without an active exception", SIGABRT) after a successful run.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def ranks_agree(reports: Sequence[dict[str, Any]]) -> bool:
    """True when every rank that has a digest ended with the same one (sharded runs digest on the
    main process only; a failed digest is None and is reported in "weights_note")."""
    return len({r["weights_sha256"] for r in reports if r["weights_sha256"] is not None}) <= 1


def warn_if_disagree(reports: Sequence[dict[str, Any]]) -> bool:
    """Print a loud warning to stderr when the ranks' final weights differ. Returns `ranks_agree`."""
    agree = ranks_agree(reports)
    if not agree:
        digests = ", ".join(f"rank {r['rank']}: {str(r['weights_sha256'])[:12]}" for r in reports)
        print(f"hymar train: WARNING: THE RANKS ENDED WITH DIFFERENT WEIGHTS ({digests}); the replicas "
              "diverged and the saved model is rank 0's only", file=sys.stderr)
    return agree


def check_whole_groups(per_device_train_batch_size: int, steps_per_generation: int, num_generations: int) -> None:
    """Fail unless each rank's reward call holds whole groups (see the module docstring).

    Raises:
        ValueError: ``per_device_train_batch_size * steps_per_generation`` is not a multiple of
            ``num_generations`` (a ``trl_args`` override can do that).
    """
    block = per_device_train_batch_size * steps_per_generation
    if block % num_generations:
        raise ValueError(
            f"each rank scores {block} rollouts per generation (per_device_train_batch_size="
            f"{per_device_train_batch_size} x steps_per_generation={steps_per_generation}), not a multiple of "
            f"num_generations={num_generations}: groups would be split across ranks and group-relative "
            "rewards computed on partial groups; keep per_device_train_batch_size a multiple of num_generations"
        )
