"""W&B logging (`hymar.train.wandb_logging`): offline run, same names as TensorBoard, rollout media.

Asserted through W&B's own offline files: the run's ``run-*.wandb`` log (records in LevelDB log format,
each a ``wandb_internal_pb2.Record``; wandb 0.31 ships no reader for it, so `wandb_history` is a small
one) and the table JSON files under ``files/media``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import struct
from pathlib import Path

import pytest

from hymar.integrations.trl import HymarRewardFunction
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import RewardResult, Sample, Score
from hymar.train.grpo import LOG_DIR, STATE_FILE, GRPOSettings, run_grpo
from hymar.train.wandb_logging import (
    MAX_TEXT,
    RolloutLogger,
    rollout_table,
    rollout_values,
    start_run,
    trainer_advantages,
    wants_wandb,
)

from .test_grpo import Letters

pytest.importorskip("wandb")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _clean_wandb_env(monkeypatch):
    for name in ("WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT", "WANDB_NAME", "WANDB_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    yield
    import wandb

    if wandb.run is not None:  # a failed test must not leave its run open for the next one
        wandb.finish()


# ----------------------------------------------------------------------------- reading W&B's files
_BLOCK, _HEADER = 32768, 7  # LevelDB log: 32 KiB blocks, 7-byte record headers (crc32, length, type)


def wandb_history(run_dir: Path) -> list[dict]:
    """The history rows of an offline run folder (``offline-run-*``), as W&B stored them."""
    from wandb.proto import wandb_internal_pb2 as pb

    (path,) = run_dir.glob("run-*.wandb")
    data = path.read_bytes()
    assert data[:4] == b":W&B", "not a W&B log"
    rows, chunks, pos = [], [], _HEADER  # the file header (":W&B", magic, version) is 7 bytes too
    while pos + _HEADER <= len(data):
        left = _BLOCK - pos % _BLOCK
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + _HEADER])
        if left < _HEADER or (kind == 0 and length == 0):  # block trailer / padding
            pos += left
            continue
        chunks.append(data[pos + _HEADER:pos + _HEADER + length])
        pos += _HEADER + length
        if kind in (1, 4):  # FULL or LAST: a whole record
            record = pb.Record()
            record.ParseFromString(b"".join(chunks))
            chunks = []
            if record.WhichOneof("record_type") == "history":
                rows.append({"/".join([i.key, *i.nested_key]).strip("/"): json.loads(i.value_json) for i in record.history.item})
    return rows


def _run_folder(log_dir: Path) -> Path:
    (run_dir,) = (log_dir / "wandb").glob("offline-run-*")
    return run_dir


def _table(run_dir: Path, row: dict, key: str = "rollouts/samples") -> dict:
    return json.loads((run_dir / "files" / row[f"{key}/path"]).read_text())


# ----------------------------------------------------------------------------- fake batch
def _batch():
    samples = [
        Sample(prompt="What is 2+2?", completion="<answer>4</answer>", answer="4"),
        Sample(prompt="Describe it.", completion="x" * (MAX_TEXT + 50), reference="a red square"),
        Sample(prompt="What is 1+1?", completion="no idea", answer="2"),
    ]
    result = RewardResult(
        rewards=[1.0, 0.25, float("nan")],
        components={
            "accuracy": [Score(1.0), Score(None), Score.invalid("timeout")],
            "length": [Score(-0.1), Score(-0.5), Score(0.0)],
        },
    )
    return samples, result


def test_rollout_values_keep_applying_values_and_finite_totals():
    _, result = _batch()
    values = rollout_values(result)
    assert values == {"hymar": [1.0, 0.25], "accuracy": [1.0], "length": [-0.1, -0.5, 0.0]}


def test_rollout_table_rows_columns_limit_and_cut_text():
    samples, result = _batch()
    columns, rows = rollout_table(samples, result, step=7, advantages=[0.5, -0.25, float("nan")], limit=2)
    assert columns == ["step", "prompt", "completion", "gold", "hymar", "accuracy", "length", "advantage"]
    assert len(rows) == 2  # bounded by limit
    assert rows[0] == [7, "What is 2+2?", "<answer>4</answer>", "4", 1.0, 1.0, -0.1, 0.5]
    assert rows[1][3] == "a red square"  # no answer: the reference is the gold
    assert rows[1][5] is None  # accuracy does not apply there
    assert len(rows[1][2]) == MAX_TEXT
    _, all_rows = rollout_table(samples, result, step=7, limit=8)
    assert len(all_rows) == 3 and all_rows[2][4] is None and all_rows[2][5] is None  # NaN total, invalid score
    assert all(row[-1] is None for row in all_rows)  # no advantages known


def test_trainer_advantages_only_when_the_rows_are_the_batch():
    samples, _ = _batch()

    class Trainer:
        _logs = {"completion": [[{"role": "assistant", "content": s.completion}] for s in samples] + ["other rank"],
                 "advantages": [0.1, 0.2, 0.3, 0.4]}

    assert trainer_advantages(Trainer(), samples) == [0.1, 0.2, 0.3]
    Trainer._logs["completion"][0] = "a different rollout"
    assert trainer_advantages(Trainer(), samples) is None
    assert trainer_advantages(object(), samples) is None


def test_wants_wandb():
    assert wants_wandb(("tensorboard", "wandb")) and wants_wandb(("all",))
    assert not wants_wandb(("tensorboard",)) and not wants_wandb(())


def test_settings_reject_negative_rollout_logging():
    with pytest.raises(ValueError, match="rollout_log_steps"):
        GRPOSettings(rollout_log_steps=-1)
    with pytest.raises(ValueError, match="rollout_table_rows"):
        GRPOSettings(rollout_table_rows=-1)


def test_reward_function_keeps_its_last_batch_and_pickles_it_empty():
    func = HymarRewardFunction("rule-only")
    assert func.last_batch is None
    func(prompts=["2+2?", "2+2?"], completions=["<answer>4</answer>", "5"], answer=["4", "4"])
    samples, result = func.last_batch
    assert [s.completion for s in samples] == ["<answer>4</answer>", "5"] and result.rewards == [1.0, 0.0]
    assert pickle.loads(pickle.dumps(func)).last_batch is None


# ----------------------------------------------------------------------------- a real offline run
class _State:
    def __init__(self, step: int, main: bool = True):
        self.global_step, self.is_world_process_zero = step, main


class _Func:
    def __init__(self, batch):
        self.last_batch = batch


def test_start_run_is_offline_in_the_log_folder_and_env_wins(tmp_path, monkeypatch):
    import wandb

    run = start_run(tmp_path / "logs", "my-run")
    assert run.settings.mode == "offline" and run.project == "hymar" and run.name == "my-run"
    assert start_run(tmp_path / "other", "x") is None  # a run is open: it is used, not replaced
    run.finish()
    assert _run_folder(tmp_path / "logs").is_dir()
    monkeypatch.setenv("WANDB_PROJECT", "mine")
    monkeypatch.setenv("WANDB_MODE", "disabled")
    run = start_run(tmp_path / "logs2", "my-run")
    assert run.project == "mine" and run.settings.mode == "disabled"
    run.finish()
    assert wandb.run is None


def test_callback_logs_histograms_and_table_every_n_steps(tmp_path):
    logger_cb = RolloutLogger(_Func(_batch()), tmp_path / "logs", "unit", every=2, rows=2)
    logger_cb.on_train_begin(None, _State(0), None)
    for step in (1, 2, 3, 4):
        logger_cb.on_step_end(None, _State(step), None)
    logger_cb.on_step_end(None, _State(6, main=False), None)  # other ranks log nothing
    logger_cb.on_train_end(None, _State(4), None)
    rows = wandb_history(_run_folder(tmp_path / "logs"))
    assert [row["train/global_step"] for row in rows] == [2, 4]
    for name in ("hymar", "accuracy", "length"):
        assert rows[0][f"rollouts/{name}/_type"] == "histogram"
    assert sum(rows[0]["rollouts/length/values"]) == 3  # three length values in the bins
    table = _table(_run_folder(tmp_path / "logs"), rows[0])
    assert table["columns"][-1] == "advantage" and len(table["data"]) == 2


def test_a_logging_failure_is_a_warning(tmp_path, caplog):
    class Broken:
        @property
        def last_batch(self):
            raise RuntimeError("boom")

    callback = RolloutLogger(Broken(), tmp_path / "logs", "unit", every=1)
    callback.on_train_begin(None, _State(0), None)
    with caplog.at_level(logging.WARNING, logger="hymar.train.wandb_logging"):
        callback.on_step_end(None, _State(1), None)
    callback.on_train_end(None, _State(1), None)
    assert "W&B rollout logging failed at step 1: RuntimeError: boom" in caplog.text


# ----------------------------------------------------------------------------- a GRPO run
@pytest.fixture(scope="module")
def suite():
    from hymar.data.synthetic import build_task_suite

    return build_task_suite(8, 0, seed=0, domains=["counting"])


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory, suite):
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("wandb_vlm"), task_corpus(suite), SIZES["test"], seed=0)


def test_grpo_run_with_wandb_offline_logs_components_histograms_and_tables(tmp_path, tiny_vlm, suite):
    """Two steps, report_to=("tensorboard", "wandb"): the W&B history carries TensorBoard's names."""
    import wandb

    reward = HybridReward(load_config({"components": {"accuracy": {"weight": 1.0}, "letters": {"weight": 0.1}}}), {"letters": Letters()})
    settings = GRPOSettings(num_generations=4, prompts_per_step=2, max_completion_length=8, max_steps=2, progress=False,
                            shuffle=False, report_to=("tensorboard", "wandb"), rollout_log_steps=1, rollout_table_rows=4)
    out = run_grpo(tiny_vlm, suite["train"], tmp_path / "run", reward=reward, settings=settings)
    assert wandb.run is None  # hymar opened the run, and finished it
    run_dir = _run_folder(out / LOG_DIR)
    rows = wandb_history(run_dir)
    names = set().union(*rows)
    for component in ("hymar", "accuracy", "letters"):
        assert f"train/rewards/{component}/mean" in names, component  # TRL's names via WandbCallback
        assert f"rollouts/{component}/_type" in names, component
    assert "train/rewards/accuracy/invalid_rate" in names  # hymar's log_metric values too
    tables = [row for row in rows if "rollouts/samples/path" in row]
    assert [row["train/global_step"] for row in tables] == [1, 2]
    table = _table(run_dir, tables[-1])
    assert table["columns"] == ["step", "prompt", "completion", "gold", "hymar", "accuracy", "letters", "advantage"]
    data = table["data"]
    assert len(data) == 4 and all(row[0] == 2 for row in data)
    assert all(row[3] is not None for row in data)  # the counting rows' gold answers
    # the four rows are the first group; TRL's harmo advantage is r - mean(r) over it, so the advantages sum
    # to 0 and differ exactly as hymar's totals do (they line up with the rows)
    assert abs(sum(row[-1] for row in data)) < 1e-5
    assert all(math.isclose(row[-1] - data[0][-1], row[4] - data[0][4], abs_tol=1e-5) for row in data)
    state = json.loads((out / STATE_FILE).read_text())
    logged = [e["reward"] for e in state["log_history"] if "reward" in e]
    assert [row["train/reward"] for row in rows if "train/reward" in row] == pytest.approx(logged)
    assert list((out / LOG_DIR).glob("events.out.tfevents.*"))  # TensorBoard alongside
