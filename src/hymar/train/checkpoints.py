"""Checkpoints a GRPO run can resume from, and only complete ones.

transformers 5.24's ``Trainer._save_checkpoint`` writes ``OUT/checkpoint-N`` in place (model, then
optimizer, scheduler, RNG states, trainer state; no temporary folder and rename), and its
``get_last_checkpoint`` picks the highest N whatever is inside. A run killed mid-write leaves a folder that
looks like the newest checkpoint. So hymar marks a checkpoint complete: `CheckpointMarker.on_save` runs
after the Trainer has written everything, waits for every rank (each writes its own RNG file), and the
main process then writes `COMPLETE_MARKER` atomically. `resume_checkpoint` picks the newest marked one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from hymar.atomic import atomic_write_json

COMPLETE_MARKER = "hymar-checkpoint-complete.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def is_complete(folder: str | Path) -> bool:
    """True when ``folder`` is a checkpoint hymar marked complete."""
    return (Path(folder) / COMPLETE_MARKER).is_file()


def complete_checkpoints(out_dir: str | Path) -> list[Path]:
    """The complete ``checkpoint-N`` folders of a run, oldest (lowest N) first; unmarked ones are skipped."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    found = []
    for child in out.iterdir():
        match = _CHECKPOINT.match(child.name)
        if match and child.is_dir() and is_complete(child):
            found.append((int(match.group(1)), child))
    return [path for _, path in sorted(found)]


def resume_checkpoint(out_dir: str | Path, resume: bool | str | Path | None) -> Path | None:
    """The checkpoint to resume from.

    Args:
        out_dir: the run folder.
        resume: None/False: start fresh; True: the newest complete checkpoint in ``out_dir``; a path: that
            checkpoint (it must be complete).

    Returns:
        The checkpoint folder, or None for a fresh start.

    Raises:
        ValueError: nothing to resume from (no complete checkpoint, or the given one is missing or
            incomplete).
    """
    if resume is None or resume is False:
        return None
    if resume is True:
        found = complete_checkpoints(out_dir)
        if not found:
            raise ValueError(f"--resume: no complete checkpoint-N folder in {out_dir} (save some with --save-steps)")
        return found[-1]
    folder = Path(resume)
    if not folder.is_dir():
        raise ValueError(f"--resume: {folder} is not a folder")
    if not is_complete(folder):
        raise ValueError(f"--resume: {folder} is not a complete checkpoint (no {COMPLETE_MARKER}; it was probably "
                         "interrupted while being written)")
    return folder


class CheckpointMarker(TrainerCallback):
    """Marks ``checkpoint-<global_step>`` complete once the Trainer has written it (on every rank)."""

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.barrier()  # every rank has written its RNG state into the folder
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                atomic_write_json(folder / COMPLETE_MARKER, {"step": state.global_step, "complete": True})
