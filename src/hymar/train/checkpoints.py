"""Checkpoints a GRPO run can resume from, and only complete ones.

transformers 5.24's ``Trainer._save_checkpoint`` writes ``OUT/checkpoint-N`` in place (model, then
optimizer, scheduler, RNG states, trainer state; no temporary folder and rename), and its
``get_last_checkpoint`` picks the highest N whatever is inside. A run killed mid-write leaves a folder that
looks like the newest checkpoint. So hymar marks a checkpoint complete: `CheckpointMarker.on_save` runs
after the Trainer has written everything, waits for every rank (each writes its own RNG file), and the
main process then writes `COMPLETE_MARKER` atomically. `resume_checkpoint` picks the newest marked one.

A marker must never outlive the files it vouches for. A run resumed from checkpoint-1 saves
checkpoint-2 again *into the existing folder*; killed mid-write, it left the old marker next to a 0-byte
config.json, and the next resume picked it and crashed. So:

- `CheckpointMarker.on_step_end` removes the marker of the folder the Trainer is about to write (the
  step's ``should_save`` is decided by then), and the ranks wait until it is gone before any writes;
- the marker lists every file of the checkpoint with its size, and `is_complete` checks them: a file
  missing or of another size (truncated by a kill the marker removal did not see coming, e.g. a save
  decided after ``on_step_end``) makes the checkpoint incomplete. Sizes, not hashes: hashing the
  weights and optimizer state on every save and every resume would cost minutes for a 7B policy.
  A marker written before file lists existed is trusted if no file in the folder is empty.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from hymar.atomic import atomic_write_json

COMPLETE_MARKER = "hymar-checkpoint-complete.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def is_complete(folder: str | Path) -> bool:
    """True when ``folder`` is a checkpoint hymar marked complete and its files are still as marked."""
    return incomplete_reason(folder) is None


def incomplete_reason(folder: str | Path) -> str | None:
    """Why ``folder`` is not a checkpoint to trust (no marker, a listed file missing or resized), or None."""
    folder = Path(folder)
    try:
        marker = json.loads((folder / COMPLETE_MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {COMPLETE_MARKER}; it was probably interrupted while being written"
    except (OSError, ValueError) as err:
        return f"unreadable {COMPLETE_MARKER} ({type(err).__name__})"
    listed = marker.get("files") if isinstance(marker, dict) else None
    if not isinstance(listed, dict):  # a marker from before file lists: refuse only empty files
        empty = [name for name, size in checkpoint_files(folder).items() if size == 0]
        return f"{empty[0]} is empty" if empty else None
    for name, size in listed.items():
        try:
            actual = (folder / name).stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} has {actual} bytes, {size} when the checkpoint was marked complete"
    return None


def checkpoint_files(folder: str | Path) -> dict[str, int]:
    """Every regular file under ``folder`` (relative POSIX path -> size), the marker excluded."""
    folder = Path(folder)
    files: dict[str, int] = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if relative != COMPLETE_MARKER and path.is_file() and not path.is_symlink():
                files[relative] = path.stat().st_size
    return dict(sorted(files.items()))


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
    reason = incomplete_reason(folder)
    if reason is not None:
        raise ValueError(f"--resume: {folder} is not a complete checkpoint ({reason})")
    return folder


class CheckpointMarker(TrainerCallback):
    """Unmarks ``checkpoint-<global_step>`` before the Trainer writes it and marks it complete, with its
    file list, once the Trainer has written it (on every rank)."""

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._unmark_before_save(args, state, control)

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._unmark_before_save(args, state, control)

    def _unmark_before_save(self, args: Any, state: Any, control: Any) -> None:
        # "best" decides after evaluation, later than this hook: unmark whenever a save may follow
        if not (getattr(control, "should_save", False) or str(getattr(args, "save_strategy", "")).endswith("best")):
            return
        if state.is_world_process_zero:
            (Path(args.output_dir) / f"checkpoint-{state.global_step}" / COMPLETE_MARKER).unlink(missing_ok=True)
        _barrier()  # no rank writes into the folder while its old marker may still stand

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        _barrier()  # every rank has written its RNG state into the folder
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                marker = {"step": state.global_step, "complete": True, "files": checkpoint_files(folder)}
                atomic_write_json(folder / COMPLETE_MARKER, marker)


def _barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
