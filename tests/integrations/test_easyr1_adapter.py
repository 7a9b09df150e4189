"""hymar's EasyR1 reward function in EasyR1's batch form (EasyR1 is not on PyPI: the form is that of
its example reward functions, ``compute_score(reward_inputs) -> [{"overall", ...}]``, loaded from a
file path the way its ``PATH:compute_score`` setting names it)."""

from __future__ import annotations

import importlib.util

import pytest

import hymar.integrations.easyr1 as hymar_easyr1

INPUTS = [
    {"response": "<think>2 + 3 = 5</think><answer>5</answer>", "response_length": 12, "ground_truth": "5"},
    {"response": "<think>hmm</think><answer>6</answer>", "response_length": 8, "ground_truth": "5"},
    {"response": "<answer>" + "{" * 300 + "</answer>", "response_length": 300, "ground_truth": "5"},
]


def load_from_path(spec: str):
    path, name = spec.rsplit(":", 1)
    module_spec = importlib.util.spec_from_file_location("custom_reward_fn", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, name)


def test_batch_form_returns_overall_and_each_component(tmp_path):
    config = tmp_path / "reward.yaml"
    config.write_text("components:\n  accuracy: {weight: 1.0}\n  format: {weight: 0.5}\n")
    fn = load_from_path(f"{hymar_easyr1.__file__}:compute_score")
    rows = fn(INPUTS, hymar_preset=str(config))
    assert [set(r) for r in rows] == [{"overall", "accuracy", "format"}] * 3
    assert rows[0] == {"overall": 1.5, "accuracy": 1.0, "format": 1.0}
    assert rows[1]["accuracy"] == 0.0 and rows[1]["overall"] == 0.5
    assert rows[2]["accuracy"] == 0.0  # invalid (nested too deep): 0.0, never NaN, in EasyR1's metrics


def test_groups_by_prompt_and_gold(tmp_path):
    config = tmp_path / "reward.yaml"
    config.write_text("components:\n  accuracy: {weight: 1.0}\nnormalization: mean_center\n")
    rows = hymar_easyr1.compute_score([{**r, "prompt": "2+3?"} for r in INPUTS[:2]] + [{**INPUTS[0], "prompt": "other"}], hymar_preset=str(config))
    assert [r["overall"] for r in rows] == [0.5, -0.5, 0.0]


def test_sequential_form_is_refused_with_the_setting_to_change():
    with pytest.raises(ValueError, match="reward_type=batch"):
        hymar_easyr1.compute_score(INPUTS[0])
