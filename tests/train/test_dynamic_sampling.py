"""Dynamic sampling on TRL (`hymar.train.dynamic_sampling`): which groups are informative, how rollout
batches of different widths merge, and a real run that refills and logs."""

from __future__ import annotations

import json
import math
import os

import pytest
import torch

from hymar.train.dynamic_sampling import informative_groups, merge_rollouts
from hymar.train.grpo import STATE_FILE, GRPOSettings, run_grpo

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
NAN = math.nan


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


# ----------------------------------------------------------------------------- informative groups
def test_group_with_varying_correctness_is_informative_and_uniform_ones_are_not():
    outcome = t(1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0)
    flags = informative_groups(outcome, outcome.clone(), group_size=4)
    assert flags.tolist() == [True, False, False]


def test_shaped_total_does_not_make_a_uniformly_wrong_group_informative():
    # all wrong, but lengths differ: the total varies, the outcome does not (DAPO filters on correctness)
    outcome = t(0, 0, 0, 0)
    total = t(0.1, 0.3, 0.2, 0.0)
    assert informative_groups(outcome, total, group_size=4).tolist() == [False]


def test_open_ended_group_falls_back_to_the_total():
    # no rule applies (NaN outcome): the model/similarity reward decides
    outcome = t(NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN)
    total = t(0.2, 0.8, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4)
    assert informative_groups(outcome, total, group_size=4).tolist() == [True, False]


def test_unscorable_rollouts_are_ignored_and_one_finite_value_has_no_variance():
    outcome = t(1, NAN, NAN, 0, 1, NAN, NAN, NAN)
    total = outcome.clone()
    assert informative_groups(outcome, total, group_size=4).tolist() == [True, False]


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="group_size"):
        informative_groups(t(1, 0, 1), t(1, 0, 1), group_size=2)


# ----------------------------------------------------------------------------- merging
def _batch(rows: int, prompt_len: int, completion_len: int, offset: int) -> dict:
    grid = torch.tensor([[1, 2, 2]] * rows)  # 4 patches per image
    return {
        "prompt_ids": torch.arange(rows * prompt_len).view(rows, prompt_len) + offset,
        "prompt_mask": torch.ones(rows, prompt_len, dtype=torch.long),
        "completion_ids": torch.arange(rows * completion_len).view(rows, completion_len) + offset,
        "completion_mask": torch.ones(rows, completion_len, dtype=torch.long),
        "advantages": torch.arange(rows, dtype=torch.float32) + offset,
        "num_items_in_batch": torch.tensor(rows * completion_len),
        "pixel_values": torch.arange(rows * 4, dtype=torch.float32).view(rows * 4, 1) + offset,
        "image_grid_thw": grid,
        "num_images": [1] * rows,
    }


def test_merge_pads_prompts_left_completions_right_and_keeps_images_with_their_rows():
    a, b = _batch(4, 3, 2, offset=0), _batch(4, 5, 6, offset=1000)
    merged = merge_rollouts([a, b], [[2, 3], [0, 1]], pad_token_id=-1)
    assert merged["prompt_ids"].shape == (4, 5) and merged["completion_ids"].shape == (4, 6)
    # rows of a: left-padded prompts, right-padded completions, masks 0 on the padding
    assert merged["prompt_ids"][0].tolist() == [-1, -1, 6, 7, 8]
    assert merged["prompt_mask"][0].tolist() == [0, 0, 1, 1, 1]
    assert merged["completion_ids"][0].tolist() == [4, 5, -1, -1, -1, -1]
    assert merged["completion_mask"][1].tolist() == [1, 1, 0, 0, 0, 0]
    # rows of b untouched
    assert merged["completion_ids"][2].tolist() == b["completion_ids"][0].tolist()
    assert merged["advantages"].tolist() == [2.0, 3.0, 1000.0, 1001.0]
    # each row's image patches follow it: row 2 of a owns patches 8..11
    assert merged["pixel_values"][:4, 0].tolist() == [8.0, 9.0, 10.0, 11.0]
    assert merged["pixel_values"][8:12, 0].tolist() == [1000.0, 1001.0, 1002.0, 1003.0]
    assert merged["image_grid_thw"].shape == (4, 3) and merged["num_images"] == [1, 1, 1, 1]
    assert int(merged["num_items_in_batch"]) == 2 * 2 + 2 * 6, "tokens of the kept completions"


def test_merge_refuses_a_field_it_cannot_pad():
    a = _batch(2, 3, 2, offset=0)
    a["mystery"] = torch.zeros(2, 3, 4, 5)
    b = _batch(2, 3, 2, offset=10)
    b["mystery"] = torch.zeros(2, 3, 4, 5)
    with pytest.raises(ValueError, match="mystery"):
        merge_rollouts([a, b], [[0], [1]], pad_token_id=0)


# ----------------------------------------------------------------------------- a real run
@pytest.fixture(scope="module")
def suite():
    from hymar.data.synthetic import build_task_suite

    return build_task_suite(12, 0, seed=0, domains=["counting", "choice"])


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory, suite):
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("ds_vlm"), task_corpus(suite), SIZES["test"], seed=0)


def test_run_refills_when_no_group_is_informative_and_logs_it(tmp_path, suite, tiny_vlm):
    # an untrained policy is never right: every group is uniform, so every step uses all its rounds
    settings = GRPOSettings(
        num_generations=4, prompts_per_step=2, max_completion_length=6, max_steps=2, progress=False,
        report_to=(), dynamic_sampling=True, dynamic_sampling_rounds=2,
    )
    out = run_grpo(tiny_vlm, suite["train"], tmp_path / "run", reward="rule-only", settings=settings)
    logs = [e for e in json.loads((out / STATE_FILE).read_text())["log_history"] if "dynamic_sampling/rounds" in e]
    assert len(logs) == 2
    for entry in logs:
        assert entry["dynamic_sampling/informative_fraction"] == 0.0
        assert entry["dynamic_sampling/rounds"] == 2.0, "refilled up to the limit"
        assert entry["dynamic_sampling/filled"] == 2.0, "the batch keeps its size with dropped groups"


def test_settings_refuse_negative_rounds():
    with pytest.raises(ValueError, match="dynamic_sampling_rounds"):
        GRPOSettings(dynamic_sampling=True, dynamic_sampling_rounds=-1)


# ----------------------------------------------------------------------------- the step logic, TRL stubbed
def _stub_trainer(monkeypatch, dataset, max_rounds=2):
    """A `DynamicSamplingGRPOTrainer` whose TRL generation is replaced by a stub: rollout i of a prompt
    is right when the prompt's pattern says so; each rollout's advantage column carries its prompt id."""
    from collections import defaultdict
    from types import SimpleNamespace

    from trl import GRPOTrainer

    from hymar.train.dynamic_sampling import DynamicSamplingGRPOTrainer

    def fake_generate(self, inputs):
        batch = _batch(len(inputs), 3, 2, offset=0)
        batch["advantages"] = torch.tensor([float(x["pid"]) for x in inputs])
        right = [float(x["pattern"][i % self.num_generations]) for i, x in enumerate(inputs)]
        self._last_rewards = torch.tensor([[r, r] for r in right])
        return batch

    monkeypatch.setattr(GRPOTrainer, "_generate_and_score_completions", fake_generate)
    trainer = object.__new__(DynamicSamplingGRPOTrainer)
    trainer.num_generations, trainer.max_rounds, trainer.outcome = 2, max_rounds, "accuracy"
    trainer.reward_func_names, trainer.reward_weights = ["hymar", "accuracy"], torch.tensor([1.0, 0.0])
    trainer._metrics = {"train": defaultdict(list)}
    trainer.model = SimpleNamespace(training=True)
    trainer.train_dataset = dataset
    trainer._refill_generator = torch.Generator().manual_seed(0)
    trainer.processing_class = SimpleNamespace(pad_token_id=0)
    return trainer


def _prompts(*patterns, start=0):
    return [{"pid": start + i, "pattern": p} for i, p in enumerate(patterns)]


def test_uniform_groups_are_replaced_by_informative_fresh_ones(monkeypatch):
    pool = _prompts((1, 0), (0, 1), start=100)  # every refill prompt is informative
    trainer = _stub_trainer(monkeypatch, pool)
    step = [x for x in _prompts((1, 0), (0, 0), (1, 1)) for _ in range(2)]  # group 0 informative, 1 and 2 not
    batch = trainer._generate_and_score_completions(step)
    prompts = [int(a) for a in batch["advantages"].tolist()[::2]]
    assert len(batch["advantages"]) == len(step), "the batch keeps its size"
    assert prompts[0] == 0 and all(p >= 100 for p in prompts[1:]), "uniform groups 1 and 2 were dropped"
    metrics = trainer._metrics["train"]
    assert metrics["dynamic_sampling/informative_fraction"] == [pytest.approx(1 / 3)]
    assert metrics["dynamic_sampling/rounds"] == [1.0] and metrics["dynamic_sampling/filled"] == [0.0]


def test_all_informative_batch_is_returned_untouched(monkeypatch):
    trainer = _stub_trainer(monkeypatch, _prompts((0, 0)))
    step = [x for x in _prompts((1, 0), (0, 1)) for _ in range(2)]
    batch = trainer._generate_and_score_completions(step)
    assert batch["advantages"].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert trainer._metrics["train"]["dynamic_sampling/rounds"] == [0.0]


def test_rounds_are_bounded_and_the_rest_filled_with_dropped_groups(monkeypatch):
    trainer = _stub_trainer(monkeypatch, _prompts((0, 0), (1, 1), start=100), max_rounds=1)
    step = [x for x in _prompts((0, 0), (1, 1)) for _ in range(2)]
    batch = trainer._generate_and_score_completions(step)
    assert len(batch["advantages"]) == 4
    assert trainer._metrics["train"]["dynamic_sampling/rounds"] == [1.0]
    assert trainer._metrics["train"]["dynamic_sampling/filled"] == [2.0]
