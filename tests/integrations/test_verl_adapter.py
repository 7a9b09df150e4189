"""The verl adapter: verl's call signatures, dict results, preset choice, groups in the batch variant."""

from __future__ import annotations

import inspect
import math

import pytest

from hymar.integrations import verl
from hymar.integrations.verl import build_sample, compute_score, compute_score_batch
from hymar.rewards.presets import DEFAULT_PRESET

from .conftest import CountingReward, stub_hybrid


@pytest.fixture
def stub(monkeypatch) -> CountingReward:
    """Route every spec to a counting stub reward (the per-process cache is replaced for the test)."""
    reward = CountingReward(stub_hybrid())
    built: list[str] = []

    def fake_resolve(spec):
        built.append(spec)
        return reward

    monkeypatch.setattr(verl, "_rewards", {})
    monkeypatch.setattr(verl, "resolve_reward", fake_resolve)
    reward.built = built
    return reward


class TestSignatures:
    def test_per_sample_signature_matches_verl(self):
        params = inspect.signature(compute_score).parameters
        assert list(params)[:4] == ["data_source", "solution_str", "ground_truth", "extra_info"]
        assert params["extra_info"].default is None
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())  # reward_kwargs

    def test_batch_signature_matches_verl_batch_manager(self):
        params = inspect.signature(compute_score_batch).parameters
        assert list(params)[:4] == ["data_sources", "solution_strs", "ground_truths", "extra_infos"]
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class TestComputeScore:
    def test_dict_output(self, stub):
        out = compute_score("gsm8k", "<answer>4</answer>", "4", {"prompt": "2+2?"})
        assert out["score"] == 1.5 and out["acc"] == 1.0 and out["scorable"] == 1.0
        assert out["accuracy"] == 1.0 and out["format"] == 1.0 and out["group_size"] == 1.0

    def test_wrong_answer(self, stub):
        out = compute_score("gsm8k", "5", "4")
        assert out["score"] == 0.0 and out["acc"] == 0.0

    def test_not_applicable_component_is_nan(self, stub):
        out = compute_score("chat", "<answer>x</answer>", None)
        assert math.isnan(out["accuracy"]) and out["acc"] == 0.0 and out["score"] == 0.5

    def test_same_keys_for_every_sample(self, stub):
        a = compute_score("x", "4", "4")
        b = compute_score("x", "y", None)
        assert a.keys() == b.keys()  # verl collects reward_extra_info per key

    @pytest.mark.parametrize(
        "extra_info, kwargs, env, expected",
        [
            (None, {}, None, DEFAULT_PRESET),  # the one default of every entry point
            (None, {}, "hybrid", "hybrid"),  # HYMAR_PRESET
            (None, {"hymar_preset": "harmo"}, "hybrid", "harmo"),  # reward_kwargs beat the env
            ({"hymar_preset": "model-only"}, {"hymar_preset": "harmo"}, "hybrid", "model-only"),  # row wins
        ],
    )
    def test_preset_choice(self, stub, monkeypatch, extra_info, kwargs, env, expected):
        if env is None:
            monkeypatch.delenv(verl.ENV_VAR, raising=False)
        else:
            monkeypatch.setenv(verl.ENV_VAR, env)
        compute_score("x", "4", "4", extra_info, **kwargs)
        assert stub.built == [expected]

    def test_reward_is_built_once_per_process(self, stub):
        for _ in range(3):
            compute_score("x", "4", "4")
        assert stub.built == [DEFAULT_PRESET] and stub.calls == 3

    def test_nan_total_becomes_zero_and_unscorable(self, monkeypatch):
        from hymar.rewards.types import RewardResult, Score

        class Undefined:
            component_names = ["c"]

            def __call__(self, samples, groups=None):
                return RewardResult([float("nan")] * len(samples), {"c": [Score.invalid("x")] * len(samples)})

        monkeypatch.setattr(verl, "_rewards", {DEFAULT_PRESET: Undefined()})
        out = compute_score("x", "4", "4")
        assert out["score"] == 0.0 and out["scorable"] == 0.0 and math.isnan(out["c"])


class TestBuildSample:
    @pytest.mark.parametrize(
        "ground_truth, extra_info, field, expected",
        [
            ("4", None, "answer", "4"),  # plain gold answer
            (4, None, "answer", "4"),  # numbers become strings
            ({"answer": "4", "task": "math"}, None, "task", "math"),  # mapping ground truth
            ("4", {"question": "2+2?"}, "prompt", "2+2?"),  # verl examples store the question
            ("4", {"prompt": "p", "question": "q"}, "prompt", "p"),  # prompt wins over question
            ("4", {"task": "choice"}, "task", "choice"),  # task from extra_info
            (None, {"reference": "r"}, "reference", "r"),  # open-ended reference
            ("4", {"index": 7, "split": "train"}, "metadata", {"data_source": "ds", "index": 7, "split": "train"}),
            ("4", {"images": ["a.png"]}, "images", ("a.png",)),  # image paths
        ],
    )
    def test_fields(self, ground_truth, extra_info, field, expected):
        sample = build_sample("ds", "out", ground_truth, extra_info)
        assert getattr(sample, field) == expected


class TestBatch:
    def test_groups_by_prompt_whatever_the_order(self, stub):
        # verl may reorder rollouts (balance_batch): two prompts interleaved
        infos = [{"index": 0}, {"index": 1}, {"index": 0}, {"index": 1}, {"index": 0}]
        out = compute_score_batch(["ds"] * 5, ["4", "6", "4", "6", "x"], ["4", "6", "4", "6", "4"], infos)
        assert [o["group_size"] for o in out] == [3.0, 2.0, 3.0, 2.0, 3.0]
        assert stub.calls == 1

    def test_explicit_group_ids_win(self, stub):
        infos = [{"uid": "a"}, {"uid": "b"}, {"uid": "a"}]
        out = compute_score_batch(["ds"] * 3, ["4"] * 3, ["4"] * 3, infos)
        assert [o["group_size"] for o in out] == [2.0, 1.0, 2.0]

    def test_outputs_match_per_sample_scoring(self, stub):
        strs, gts = ["<answer>4</answer>", "5", "<answer>x</answer>"], ["4", "4", None]
        batch = compute_score_batch(["ds"] * 3, strs, gts, None)
        single = [compute_score("ds", s, g) for s, g in zip(strs, gts)]
        for b, s in zip(batch, single):
            assert b["score"] == s["score"] and b["acc"] == s["acc"]

    def test_mixed_presets_are_scored_per_preset(self, stub):
        infos = [{"hymar_preset": "rule-only"}, {}, {"hymar_preset": "rule-only"}]
        out = compute_score_batch(["ds"] * 3, ["4"] * 3, ["4"] * 3, infos)
        assert sorted(stub.built) == sorted([DEFAULT_PRESET, "rule-only"]) and stub.calls == 2 and len(out) == 3

    def test_length_mismatch_is_an_error(self, stub):
        with pytest.raises(ValueError):
            compute_score_batch(["ds"], ["a", "b"], ["a", "b"], None)


def test_real_rule_only_preset(monkeypatch):
    """Without a stub: the rule-only preset, through verl's per-sample and batch calls."""
    monkeypatch.setattr(verl, "_rewards", {})
    monkeypatch.setenv(verl.ENV_VAR, "rule-only")
    right = compute_score("gsm8k", "The answer is 4", "4")
    assert right == {"score": 1.0, "scorable": 1.0, "acc": 1.0, "accuracy": 1.0}
    batch = compute_score_batch(["gsm8k"] * 2, ["The answer is 4", "It is 5"], ["4", "4"], [{"index": 0}] * 2)
    assert [b["acc"] for b in batch] == [1.0, 0.0]


def test_real_default_preset_is_the_package_default(monkeypatch):
    """Without a stub or an env var: `DEFAULT_PRESET` (harmo), the default of every hymar entry point."""
    monkeypatch.setattr(verl, "_rewards", {})
    monkeypatch.delenv(verl.ENV_VAR, raising=False)
    right = compute_score("gsm8k", "The answer is 4", "4")
    assert right["acc"] == 1.0 and right["accuracy"] == 1.0
    assert {"hybrid", "format", "length", "model"} <= set(right)
