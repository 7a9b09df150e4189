"""The scoring half of `hymar eval`: given completions -> per-domain accuracy, format, length, reward; reports."""

from __future__ import annotations

import json
import math

import pytest

from hymar.eval.evaluate import score_generations
from hymar.eval.result import EvalResult
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Score

from .conftest import CHOICE_PROMPT, user

GOOD = "<think>I count them.</think><answer>{}</answer>"

# (domain, task, prompt, answer, reference, completion, expected correct, expected strict format, reason)
CASES = [
    ("counting", "counting", "How many circles?", "3", None, GOOD.format(3), True, True, "right count in the answer tag"),
    ("counting", "counting", "How many circles?", "4", None, "<answer>5</answer>", False, False, "wrong count, no reasoning"),
    ("counting", "counting", "How many circles?", "2", None, "<think>two</think><answer>2\u202e</answer>", False, True, "bidi control in the answer: invalid, counted wrong"),
    ("arithmetic", "math", "What is 3 + 4?", "7", None, "<think>3 + 4 = 7.</think><answer>7</answer>", True, True, "right sum"),
    ("arithmetic", "math", "What is 6 - 4?", "2", None, "the answer is maybe 2 or 3", False, False, "hedged answer is wrong"),
    ("choice", "choice", CHOICE_PROMPT, "B", None, "<think>It has four sides.</think><answer>B</answer>", True, True, "right letter"),
    ("choice", "choice", CHOICE_PROMPT, "C", None, "<think>Round.</think><answer>square</answer>", False, True, "option text of a wrong option"),
    ("describe", "open", "Describe the image.", None, "A red square.", "<think>I see it.</think><answer>A red square.</answer>", None, True, "open-ended: no accuracy"),
]


def _rows_and_completions(cases=CASES):
    rows, completions = [], []
    for i, (domain, task, prompt, answer, reference, completion, *_rest) in enumerate(cases):
        rows.append({"id": f"r{i}", "domain": domain, "task": task, "prompt": user(prompt), "answer": answer, "reference": reference})
        completions.append(completion)
    return rows, completions


@pytest.fixture(scope="module")
def result() -> EvalResult:
    rows, completions = _rows_and_completions()
    return score_generations(rows, completions, policy="stub")


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[-1] for c in CASES])
def test_each_generation_is_judged_as_by_hand(result, index):
    *_, correct, strict, _reason = CASES[index]
    record = result.generations[index]
    assert record["correct"] is correct
    assert (record["format"] == 1.0) is strict
    assert record["length"] == len(CASES[index][5].split())


def test_per_domain_accuracy_matches_the_hand_count(result):
    # counting 1/3 (one invalid), arithmetic 1/2, choice 1/2; describe has no gold -> no accuracy
    assert result.accuracy == pytest.approx({"overall": 3 / 7, "counting": 1 / 3, "arithmetic": 0.5, "choice": 0.5})
    assert result.domains["counting"].invalid == 1 and result.overall.invalid == 1
    assert result.domains["describe"].accuracy is None and result.domains["describe"].verifiable == 0
    assert result.overall.n == len(CASES) and result.overall.verifiable == 7


def test_format_and_length_aggregates(result):
    strict = sum(1 for c in CASES if c[7]) / len(CASES)
    assert result.overall.format_strict == pytest.approx(strict)
    lengths = [len(c[5].split()) for c in CASES]
    assert result.mean_length == pytest.approx(sum(lengths) / len(lengths))
    assert 0.0 < result.overall.format < 1.0  # two completions fail some of the format checks
    assert result.overall.model_reward is None and result.overall.reward is None  # no reward given


def test_length_mismatch_is_an_error():
    rows, completions = _rows_and_completions()
    with pytest.raises(ValueError, match="completions"):
        score_generations(rows, completions[:-1])


class ConstantModel(PerSampleComponent):
    """A stand-in model component: 0.25 where there is a reference, not applicable elsewhere."""

    name = "model"
    uses_model = True  # declared, so evaluation reports it as the model reward (no magic name)

    def score_one(self, sample):
        return Score(0.25) if sample.reference else Score.not_applicable("no reference")


def test_model_reward_is_the_model_component_where_it_applies():
    rows, completions = _rows_and_completions()
    config = load_config({"components": {"accuracy": {"weight": 1.0}, "model": {"weight": 0.0}}})
    from hymar.rewards.rules.verifier import AccuracyReward

    reward = HybridReward(config, {"accuracy": AccuracyReward(), "model": ConstantModel()})
    result = score_generations(rows, completions, reward=reward)
    assert result.domains["describe"].model_reward == pytest.approx(0.25)
    assert result.domains["counting"].model_reward is None  # nowhere applicable
    assert result.overall.model_reward == pytest.approx(0.25)
    # total = accuracy (weight 1) where it applies; the open row gets 0 (not applicable counts 0)
    assert result.domains["arithmetic"].reward == pytest.approx(0.5)


class CountingModel(ConstantModel):
    """ConstantModel that counts the samples it scores."""

    def __init__(self):
        self.seen = 0

    def score_one(self, sample):
        self.seen += 1
        return super().score_one(sample)


def test_the_model_is_scored_once_per_row_through_the_reward():
    # reason: evaluation scored the model a second time, outside the reward, found by the name "model"
    rows, completions = _rows_and_completions()
    config = load_config({
        "components": {"accuracy": {"weight": 0.0}, "judge_like": {"weight": 0.0}},
        "hybrid": {"rule": "accuracy", "model": "judge_like"},
    })
    from hymar.rewards.rules.verifier import AccuracyReward

    model = CountingModel()
    reward = HybridReward(config, {"accuracy": AccuracyReward(), "judge_like": model})
    result = score_generations(rows, completions, reward=reward)
    assert model.seen == len(rows)  # every row once, verifiable ones too, and no second pass
    assert result.domains["describe"].model_reward == pytest.approx(0.25)


def test_json_and_markdown_reports(tmp_path, result):
    json_path, md_path = result.save(tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["accuracy"] == pytest.approx(result.accuracy)
    assert set(data["domains"]) == {"counting", "arithmetic", "choice", "describe"}
    assert len(data["generations"]) == len(CASES) and data["generations"][0]["completion"] == CASES[0][5]
    assert data["domains"]["counting"]["accuracy"] == pytest.approx(1 / 3)
    text = md_path.read_text(encoding="utf-8")
    for line in ("| counting | 3 | 33.3 | 1 / 3 | 1 |", "| describe | 1 | - | - | - |", "| **overall** | 8 | 42.9 | 3 / 7 |"):
        assert line in text, line
    assert text == result.to_markdown() and json.loads(result.to_json()) == data


def test_empty_evaluation_has_no_accuracy():
    result = score_generations([], [])
    assert result.accuracy == {} and result.overall.n == 0 and math.isclose(result.mean_length, 0.0)
