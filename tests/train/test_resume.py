"""`hymar train --resume`: only complete checkpoints are resumed, and a killed-then-resumed run ends where
an uninterrupted one does (weights and every logged step)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hymar.rewards.base import RewardComponent
from hymar.rewards.types import Score
from hymar.train.checkpoints import (
    COMPLETE_MARKER,
    complete_checkpoints,
    resume_checkpoint,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KILL_ENV = "HYMAR_TEST_KILL_AT_CALL"


class KillingTextHash(RewardComponent):
    """A reward that varies between rollouts (a hash of the completion's characters), so GRPO moves the
    weights; with ``$HYMAR_TEST_KILL_AT_CALL=k`` its process SIGKILLs itself on its k-th batch (the
    warm-up is call 1, step s is call s + 1), i.e. mid-step, after the previous step's checkpoint."""

    name = "texthash"

    def __init__(self) -> None:
        self.calls = 0

    def score(self, samples, groups):
        self.calls += 1
        if os.environ.get(KILL_ENV) == str(self.calls):
            os.kill(os.getpid(), signal.SIGKILL)
        return [Score(value=(sum(map(ord, s.completion)) % 11) / 10.0) for s in samples]


# ----------------------------------------------------------------------------- choosing the checkpoint
def _checkpoint(out: Path, step: int, complete: bool) -> Path:
    folder = out / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"partial")
    if complete:
        (folder / COMPLETE_MARKER).write_text("{}")
    return folder


@pytest.mark.parametrize(
    "layout, expected, reason",
    [
        ({1: True, 3: True, 5: False}, 3, "checkpoint-5 was interrupted mid-write: no marker, skipped"),
        ({2: True, 10: True}, 10, "numeric order, not string order (10 > 2)"),
        ({4: False}, None, "only an incomplete checkpoint: nothing to resume"),
        ({}, None, "no checkpoint at all"),
    ],
)
def test_newest_complete_checkpoint_is_chosen(tmp_path, layout, expected, reason):
    for step, complete in layout.items():
        _checkpoint(tmp_path, step, complete)
    (tmp_path / "checkpoint-x").mkdir()  # not a checkpoint name
    found = complete_checkpoints(tmp_path)
    assert [int(p.name.split("-")[1]) for p in found] == sorted(s for s, c in layout.items() if c), reason
    if expected is None:
        with pytest.raises(ValueError, match="no complete checkpoint"):
            resume_checkpoint(tmp_path, True)
    else:
        assert resume_checkpoint(tmp_path, True) == tmp_path / f"checkpoint-{expected}", reason


def test_resume_from_a_given_checkpoint(tmp_path):
    good, bad = _checkpoint(tmp_path, 2, True), _checkpoint(tmp_path, 4, False)
    assert resume_checkpoint(tmp_path, str(good)) == good
    assert resume_checkpoint(tmp_path, None) is None and resume_checkpoint(tmp_path, False) is None
    with pytest.raises(ValueError, match="not a complete checkpoint"):
        resume_checkpoint(tmp_path, bad)
    with pytest.raises(ValueError, match="not a folder"):
        resume_checkpoint(tmp_path, tmp_path / "checkpoint-9")


def test_cli_resume_with_nothing_to_resume_from_is_a_clear_error(tmp_path, capsys):
    from hymar.commands.train import EXIT_ERROR, main

    code = main([str(tmp_path / "run"), "--policy", str(tmp_path / "no-policy"), "--preset", "rule-only",
                 "--train-rows", "2", "--resume", "--report-to", "none"])
    assert code == EXIT_ERROR
    assert "--resume: no complete checkpoint" in capsys.readouterr().err


# ----------------------------------------------------------------------------- prompt order per epoch
@pytest.mark.parametrize("epoch", [0, 1, 3])
def test_epoch_sampler_replays_trl_order_for_any_epoch(epoch):
    """A fresh sampler told its epoch yields what TRL's sampler yields on its (epoch+1)-th pass: the
    order a run resumed in that epoch must see."""
    from trl.trainer.utils import RepeatSampler

    from hymar.train.resumable import EpochRepeatSampler

    kwargs = {"data_source": list(range(7)), "mini_repeat_count": 2, "batch_size": 3, "repeat_count": 1, "shuffle": True, "seed": 5}
    trl = RepeatSampler(**kwargs)
    for _ in range(epoch):
        list(trl)
    fresh = EpochRepeatSampler(**kwargs)
    fresh.set_epoch(epoch)
    assert list(fresh) == list(trl)
    assert list(fresh) == list(fresh)  # reseeded on each pass: the same epoch gives the same order


# ----------------------------------------------------------------------------- end to end
STEPS = 6
KILL_AT = 5  # warm-up + steps 1..3 done (checkpoint-3 complete), killed while scoring step 4


def _train(out: Path, policy: Path, config: Path, *extra: str, kill_at: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    env.pop(KILL_ENV, None)
    if kill_at is not None:
        env[KILL_ENV] = str(kill_at)
    cmd = [sys.executable, "-m", "hymar", "train", str(out), "--policy", str(policy), "--config", str(config),
           "--train-rows", "4", "--num-generations", "2", "--prompts-per-step", "2", "--max-completion-length", "6",
           "--max-steps", str(STEPS), "--save-steps", "1", "--learning-rate", "1e-2", "--report-to", "none",
           "--no-progress", "--cpu", *extra]
    return subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def _logged(out: Path) -> dict[int, tuple[float, float]]:
    history = json.loads((out / "trainer_state.json").read_text())["log_history"]
    return {e["step"]: (e["reward"], e["loss"]) for e in history if "reward" in e}


@pytest.mark.slow
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path, build_tiny_text_policy):
    """4 rows, 2 prompts per step: 2 steps per epoch, so the resume (after step 3) lands mid-epoch 1 and
    the run crosses into epoch 2: RNG, optimizer and data position must all be restored."""
    from hymar.data.synthetic import build_task_suite, task_corpus
    from hymar.models.loading import load_policy

    policy = build_tiny_text_policy(tmp_path / "policy", task_corpus(build_task_suite(4, 0, seed=0)), 300)
    config = tmp_path / "reward.yaml"
    config.write_text('components:\n  texthash: {type: "test_resume:KillingTextHash", weight: 1.0}\n')

    full = _train(tmp_path / "full", policy, config)
    assert full.returncode == 0, full.stderr[-3000:]

    run = tmp_path / "run"
    killed = _train(run, policy, config, kill_at=KILL_AT)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert [p.name for p in complete_checkpoints(run)] == ["checkpoint-1", "checkpoint-2", "checkpoint-3"]
    assert not (run / "grpo_metrics.json").exists()  # the run never looked complete
    # a checkpoint-4 interrupted mid-write: present, unmarked, unloadable; resume must not pick it
    partial = run / "checkpoint-4"
    shutil.copytree(run / "checkpoint-3", partial, dirs_exist_ok=True)
    (partial / COMPLETE_MARKER).unlink()
    (partial / "optimizer.pt").write_bytes(b"truncated")

    resumed = _train(run, policy, config, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    metrics = json.loads((run / "grpo_metrics.json").read_text())
    assert metrics["resumed_from_step"] == 3 and metrics["steps"] == STEPS
    assert metrics["ranks"][0]["reward_calls"] == STEPS - 3  # only steps 4..6 were generated again

    full_model, _ = load_policy(tmp_path / "full")
    resumed_model, _ = load_policy(run)
    initial_model, _ = load_policy(policy)
    import torch

    for (name, a), b, c in zip(full_model.named_parameters(), resumed_model.parameters(), initial_model.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6), name
    assert any(not torch.equal(a, c) for a, c in zip(full_model.parameters(), initial_model.parameters()))
    full_log, resumed_log = _logged(tmp_path / "full"), _logged(run)
    assert sorted(full_log) == sorted(resumed_log) == list(range(1, STEPS + 1))
    for step, (reward, loss) in full_log.items():
        assert resumed_log[step] == pytest.approx((reward, loss), rel=1e-5, abs=1e-7), step
