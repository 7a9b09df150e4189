"""Reward schedules: weight formulas by hand, config validation, the combiner, and the TRL adapter
reading TRL's trainer_state and logging the weights every step."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from hymar.rewards.config import ConfigError, load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.schedules import ScheduleConfig, progress, trainer_step, weight_at
from hymar.rewards.types import Sample


def sched(**kw):
    return ScheduleConfig(**kw)


@pytest.mark.parametrize(
    "schedule, weight, step, max_steps, expected, why",
    [
        (None, 0.7, 50, 100, 0.7, "no schedule: the weight"),
        (sched(kind="constant"), 0.7, 50, 100, 0.7, "constant"),
        (sched(kind="linear", start=1.0, end=0.0), 1.0, 0, 100, 1.0, "linear at p=0"),
        (sched(kind="linear", start=1.0, end=0.0), 1.0, 25, 100, 0.75, "linear at p=0.25"),
        (sched(kind="linear", start=1.0, end=0.0), 1.0, 100, 100, 0.0, "linear at p=1"),
        (sched(kind="linear", start=1.0, end=0.0), 1.0, 400, 100, 0.0, "progress is capped at 1"),
        (sched(kind="linear", end=0.0), 0.6, 50, 100, 0.3, "start defaults to the weight"),
        (sched(kind="cosine", start=0.0, end=1.0), 1.0, 0, 100, 0.0, "cosine at p=0: start"),
        (sched(kind="cosine", start=0.0, end=1.0), 1.0, 50, 100, 0.5, "cosine at p=0.5: the midpoint"),
        (sched(kind="cosine", start=0.0, end=1.0), 1.0, 25, 100, (1 - math.cos(math.pi / 4)) / 2, "cosine at p=0.25"),
        (sched(kind="cosine", start=0.0, end=1.0), 1.0, 100, 100, 1.0, "cosine at p=1: end"),
        (sched(kind="step", milestones=((0.5, 1.0), (0.8, 2.0))), 0.5, 49, 100, 0.5, "step: before the first milestone"),
        (sched(kind="step", milestones=((0.5, 1.0), (0.8, 2.0))), 0.5, 50, 100, 1.0, "step: at the first milestone"),
        (sched(kind="step", milestones=((0.5, 1.0), (0.8, 2.0))), 0.5, 90, 100, 2.0, "step: past the second"),
        (sched(kind="linear", start=1.0, end=0.0, steps=10), 1.0, 5, 100, 0.5, "own horizon of 10 steps"),
        (sched(kind="linear", start=1.0, end=0.0), 1.0, None, None, 1.0, "not training: p = 0"),
    ],
)  # fmt: skip
def test_weight_at(schedule, weight, step, max_steps, expected, why):
    assert weight_at(schedule, weight, step, max_steps) == pytest.approx(expected), why


def test_progress_and_trainer_state():
    assert progress(3, 12) == 0.25 and progress(3, None) == 0.0 and progress(3, 0) == 0.0
    assert trainer_step(SimpleNamespace(global_step=7, max_steps=70)) == (7, 70)
    assert trainer_step(SimpleNamespace(global_step=7, max_steps=-1)) == (7, None)  # streaming: unknown
    assert trainer_step(None) == (None, None)


@pytest.mark.parametrize(
    "schedule, match",
    [
        ({"kind": "step"}, "milestones"),
        ({"kind": "step", "milestones": [[0.8, 1.0], [0.2, 2.0]]}, "ascending"),
        ({"kind": "step", "milestones": [[1.5, 1.0]]}, "ascending"),
        ({"kind": "linear", "milestones": [[0.5, 1.0]]}, "step schedules only"),
        ({"kind": "exponential"}, "components.format.schedule.kind"),
        ({"kind": "linear", "rate": 2}, "rate"),
        ({"kind": "linear", "steps": 0}, "steps"),
    ],
)
def test_bad_schedules_name_the_field(schedule, match):
    with pytest.raises(ConfigError, match=match):
        load_config({"components": {"format": {"weight": 1.0, "schedule": schedule}}})


def _reward():
    return HybridReward.from_config(
        {
            "components": {
                "accuracy": {"weight": 0.0},
                "format": {"weight": 1.0, "schedule": {"kind": "linear", "start": 1.0, "end": 0.0}},
            },
            "hybrid": {"rule": "accuracy", "weight": 1.0, "schedule": {"kind": "step", "milestones": [[0.5, 2.0]]}},
        }
    )


BATCH = [Sample(prompt="2+2?", completion="<think>add</think><answer>4</answer>", answer="4")]


def test_combiner_uses_the_weights_of_the_step():
    reward = _reward()
    assert reward(BATCH).rewards == [pytest.approx(2.0)]  # not training: format 1.0 + hybrid 1.0
    reward.set_training_step(50, 100)  # format 0.5, hybrid 2.0
    assert reward(BATCH).rewards == [pytest.approx(2.5)]
    assert reward.scheduled_weights() == {"format": 0.5, "hybrid": 2.0}
    reward.set_training_step(100, 100)
    assert reward(BATCH).rewards == [pytest.approx(2.0)]


def test_trl_adapter_reads_trainer_state_and_logs_weights():
    from hymar.integrations.trl import HymarRewardFunction

    f = HymarRewardFunction(_reward())
    logged = {}
    for step, expected in ((0, 2.0), (25, 1.75), (50, 2.5)):
        out = f(
            prompts=["2+2?"], completions=[BATCH[0].completion], answer=["4"],
            trainer_state=SimpleNamespace(global_step=step, max_steps=100), log_metric=logged.__setitem__,
        )  # fmt: skip
        assert out == [pytest.approx(expected)], step
    assert logged["weights/format"] == 0.5 and logged["weights/hybrid"] == 2.0 and logged["weights/progress"] == 0.5


def test_unscheduled_reward_logs_no_weights():
    from hymar.integrations.trl import HymarRewardFunction

    logged = {}
    HymarRewardFunction("rule-only")(
        prompts=["q"], completions=["<answer>4</answer>"], answer=["4"],
        trainer_state=SimpleNamespace(global_step=3, max_steps=10), log_metric=logged.__setitem__,
    )  # fmt: skip
    assert not [k for k in logged if k.startswith("weights/")]


def test_a_scheduled_zero_weight_model_is_scored_everywhere():
    # with weight 0 and no schedule the model runs only where routing needs it; a schedule can make the
    # weight positive later, so then it must have been scored on every sample
    from hymar.rewards.base import RewardComponent
    from hymar.rewards.config import load_config
    from hymar.rewards.types import Score

    class Seen(RewardComponent):
        def __init__(self):
            self.seen = 0

        def score(self, samples, groups):
            self.seen += len(samples)
            return [Score(0.5) for _ in samples]

    config = {
        "components": {
            "accuracy": {"weight": 0.0},
            "model": {"type": "similarity", "weight": 0.0, "schedule": {"kind": "linear", "end": 1.0}},
        },
        "hybrid": {"rule": "accuracy", "model": "model"},
    }
    model = Seen()
    reward = HybridReward(load_config(config), components={"model": model})
    reward.set_training_step(100, 100)
    result = reward(BATCH)
    assert model.seen == 1 and result.rewards == [pytest.approx(1.0 + 0.5)]
