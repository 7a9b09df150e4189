"""Blend direction (issue 12, found by `hymar probe`): an unsure wrong rule verdict (a hedge, two
boxes, an empty answer) must not earn model credit that an honest wrong answer does not get."""

from __future__ import annotations

import pytest

from hymar.rewards.base import RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score


class Fixed(RewardComponent):
    def __init__(self, scores):
        self.scores = list(scores)

    def score(self, samples, groups):
        return list(self.scores[: len(samples)])


def reward(blend=None):
    hybrid = {"rule": "accuracy", "model": "model", "blend_threshold": 0.8}
    if blend is not None:
        hybrid["blend"] = blend
    config = {"components": {"accuracy": {"weight": 0.0}, "model": {"type": "similarity", "weight": 0.0}}, "hybrid": hybrid}
    rule = Fixed([Score(0.0, 1.0), Score(0.0, 0.4), Score(1.0, 0.6)])
    model = Fixed([Score(0.9, 1.0)] * 3)
    return HybridReward(load_config(config), components={"accuracy": rule, "model": model})


BATCH = [Sample(prompt="q", completion=c, answer="1") for c in ("sure wrong", "unsure wrong", "unsure right")]


@pytest.mark.parametrize(
    "blend, expected, why",
    [
        (None, [0.0, 0.0, 0.6 * 1.0 + 0.4 * 0.9], "default down: the unsure wrong one earns what the sure one does"),
        ("down", [0.0, 0.0, 0.96], "explicit down"),
        ("both", [0.0, 0.4 * 0.0 + 0.6 * 0.9, 0.96], "both: the plain blend lifts the unsure wrong one"),
    ],
)
def test_blend_direction(blend, expected, why):
    assert reward(blend)(BATCH).rewards == pytest.approx(expected), why


def test_model_may_still_lower_an_unsure_right_verdict():
    r = reward()
    r.components["model"] = Fixed([Score(0.0, 1.0)] * 3)
    r.guards["model"].component = r.components["model"]
    assert r(BATCH).rewards[2] == pytest.approx(0.6)


def test_unknown_blend_is_a_config_error():
    with pytest.raises(ValueError, match="hybrid.blend"):
        reward("up")
