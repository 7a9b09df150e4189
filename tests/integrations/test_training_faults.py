"""Reward faults never stop training: the TRL adapter turns any scoring failure into None (NaN) rewards
with the reason logged and ``invalid_rate`` 1.0, and a tiny GRPO run with a dead judge completes."""

from __future__ import annotations

import json
import logging
import math
import os
import socket

import pytest

from hymar.integrations.trl import make_reward_funcs
from hymar.rewards.base import RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Broken:
    """A whole reward (not one component) that raises: a bug in the combiner, say."""

    component_names = ("accuracy", "judge")

    def __call__(self, samples, groups=None):
        raise KeyError("combiner bug")


class Boom(RewardComponent):
    def score(self, samples, groups):
        raise ConnectionError("judge endpoint down")


class Right(RewardComponent):
    def score(self, samples, groups):
        return [Score(1.0) for _ in samples]


def call(func, **kwargs):
    metrics: dict[str, float] = {}
    out = func(prompts=["p", "p"], completions=["a", "b"], log_metric=metrics.__setitem__, **kwargs)
    return out, metrics


def test_whole_reward_failure_gives_nan_rewards_and_invalid_rate_one(caplog):
    funcs, _ = make_reward_funcs(Broken())
    total, *views = funcs
    with caplog.at_level(logging.WARNING, logger="hymar.integrations.trl"):
        out, metrics = call(total)
    assert len(out) == 2 and all(math.isnan(v) for v in out)  # TRL: unscorable rows, advantage 0
    assert metrics["rewards/judge/invalid_rate"] == 1.0 and metrics["rewards/accuracy/invalid_rate"] == 1.0
    assert all(math.isfinite(v) for v in metrics.values())  # a NaN would poison TRL's running averages
    assert any("KeyError" in r.getMessage() and "combiner bug" in r.getMessage() for r in caplog.records)
    assert all(math.isnan(v) for view in views for v in view(prompts=["p", "p"], completions=["a", "b"]))


def test_malformed_trainer_arguments_do_not_raise():
    total = make_reward_funcs(Broken(), log_components=False)[0][0]
    out = total(prompts=["only one prompt"], completions=["a", "b"])  # build_samples refuses the mismatch
    assert len(out) == 2 and all(math.isnan(v) for v in out)


def test_failing_component_is_masked_and_logged_per_component():
    reward = HybridReward(
        load_config({"components": {"accuracy": {"weight": 1.0}, "judge": {"weight": 0.5}}}),
        components={"accuracy": Right(), "judge": Boom()},
    )
    funcs, _ = make_reward_funcs(reward)
    out, metrics = call(funcs[0])
    assert out == [1.0, 1.0]  # finite: the judge's term is masked, not zero and not NaN
    assert metrics["rewards/judge/invalid_rate"] == 1.0 and metrics["rewards/accuracy/invalid_rate"] == 0.0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_tiny_grpo_run_with_a_dead_judge_completes(tmp_path):
    """2 GRPO steps, rule-only-like reward plus a weighted judge at a closed port: the run finishes, the
    judge's logged invalid rate is 1.0 at every step, and the logged reward is finite."""
    from hymar.data.synthetic import build_task_suite, task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm
    from hymar.train.grpo import STATE_FILE, GRPOSettings, run_grpo

    suite = build_task_suite(8, 0, seed=0, domains=["counting"])
    policy = build_tiny_vlm(tmp_path / "vlm", task_corpus(suite), SIZES["test"], seed=0)
    reward = {
        "components": {
            "accuracy": {"weight": 1.0},
            "judge": {
                "weight": 0.5,
                "args": {"base_url": f"http://127.0.0.1:{_closed_port()}/v1", "model": "m", "max_retries": 0},
            },
        }
    }
    settings = GRPOSettings(num_generations=4, prompts_per_step=2, max_completion_length=8, max_steps=2,
                            progress=False, shuffle=False, report_to=())
    out = run_grpo(policy, suite["train"], tmp_path / "run", reward=reward, settings=settings)
    logged = [e for e in json.loads((out / STATE_FILE).read_text())["log_history"] if "reward" in e]
    assert len(logged) == 2
    assert all(e["rewards/judge/invalid_rate"] == 1.0 for e in logged)
    assert all(math.isfinite(e["reward"]) for e in logged)
