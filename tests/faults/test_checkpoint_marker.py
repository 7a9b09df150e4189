"""Defect 5 of issue 9: a stale "complete" marker survived a killed re-save of a checkpoint.

Resuming from checkpoint-1 and killing the run while it rewrote an existing, marked checkpoint-2 left
the old marker next to a 0-byte config.json; the next ``--resume`` picked checkpoint-2 and crashed.
Here the Trainer's callback sequence is replayed by hand (what `transformers.Trainer` calls, in order),
and the kill is simply the sequence stopping halfway through the save.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("transformers")

from hymar.train.checkpoints import (  # noqa: E402
    COMPLETE_MARKER,
    CheckpointMarker,
    complete_checkpoints,
    is_complete,
    resume_checkpoint,
)

FILES = {"config.json": b'{"model_type": "qwen2"}', "model.safetensors": b"w" * 64, "trainer_state.json": b"{}"}


def _args(out: Path) -> SimpleNamespace:
    return SimpleNamespace(output_dir=str(out), save_strategy="steps")


def _state(step: int) -> SimpleNamespace:
    return SimpleNamespace(global_step=step, is_world_process_zero=True)


def _write_checkpoint(out: Path, step: int, files=FILES) -> Path:
    folder = out / f"checkpoint-{step}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _save_step(marker: CheckpointMarker, out: Path, step: int, *, killed: bool = False) -> None:
    """One step as the Trainer runs it: on_step_end, then the checkpoint write, then on_save."""
    control = SimpleNamespace(should_save=True)
    marker.on_step_end(_args(out), _state(step), control)
    if killed:
        _write_checkpoint(out, step, {"config.json": b""})  # the kill: config.json truncated, no on_save
        return
    _write_checkpoint(out, step)
    marker.on_save(_args(out), _state(step), control)


def test_a_killed_re_save_does_not_leave_a_trusted_checkpoint(tmp_path):
    marker = CheckpointMarker()
    for step in (1, 2):
        _save_step(marker, tmp_path, step)
    assert [p.name for p in complete_checkpoints(tmp_path)] == ["checkpoint-1", "checkpoint-2"]
    # resumed from checkpoint-1: step 2 is trained again, and the run is killed while saving it
    _save_step(marker, tmp_path, 2, killed=True)
    assert not is_complete(tmp_path / "checkpoint-2")
    assert resume_checkpoint(tmp_path, True) == tmp_path / "checkpoint-1"


def test_the_marker_is_removed_before_the_trainer_writes(tmp_path):
    marker = CheckpointMarker()
    _save_step(marker, tmp_path, 2)
    assert (tmp_path / "checkpoint-2" / COMPLETE_MARKER).is_file()
    marker.on_step_end(_args(tmp_path), _state(2), SimpleNamespace(should_save=True))
    assert not (tmp_path / "checkpoint-2" / COMPLETE_MARKER).exists()


def test_a_step_that_does_not_save_keeps_the_marker(tmp_path):
    marker = CheckpointMarker()
    _save_step(marker, tmp_path, 2)
    marker.on_step_end(_args(tmp_path), _state(2), SimpleNamespace(should_save=False))
    assert is_complete(tmp_path / "checkpoint-2")


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda f: (f / "config.json").write_bytes(b""), "a file truncated after marking"),
        (lambda f: (f / "model.safetensors").unlink(), "a file missing"),
        (lambda f: (f / "model.safetensors").write_bytes(b"w" * 10), "a file of another size"),
    ],
)
def test_a_marked_checkpoint_whose_files_changed_is_not_trusted(tmp_path, damage, reason):
    marker = CheckpointMarker()
    _save_step(marker, tmp_path, 1)
    _save_step(marker, tmp_path, 2)
    damage(tmp_path / "checkpoint-2")
    assert not is_complete(tmp_path / "checkpoint-2"), reason
    assert resume_checkpoint(tmp_path, True) == tmp_path / "checkpoint-1", reason
    with pytest.raises(ValueError, match="checkpoint-2"):
        resume_checkpoint(tmp_path, tmp_path / "checkpoint-2")


def test_the_marker_lists_the_files_it_vouches_for(tmp_path):
    marker = CheckpointMarker()
    _save_step(marker, tmp_path, 3)
    listed = json.loads((tmp_path / "checkpoint-3" / COMPLETE_MARKER).read_text())["files"]
    assert listed == {name: len(data) for name, data in FILES.items()}
