"""Component faults never escape the hybrid reward: raising, hanging (deadline), a circuit breaker that
stops calling a dead component for a cooldown, and an HTTP judge pointed at a closed port."""

from __future__ import annotations

import logging
import math
import pickle
import socket
import threading
import time

import pytest

from hymar.rewards.base import RewardComponent
from hymar.rewards.config import ConfigError, load_config
from hymar.rewards.guard import JUDGE_DEFAULT_TIMEOUT_S, ComponentGuard, ComponentUnavailable, GuardPolicy
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score


class Fixed(RewardComponent):
    def __init__(self, value: float = 1.0):
        self.value = value

    def score(self, samples, groups):
        return [Score(self.value) for _ in samples]


class Boom(RewardComponent):
    """Raises while ``broken``; counts calls."""

    def __init__(self):
        self.broken = True
        self.calls = 0

    def score(self, samples, groups):
        self.calls += 1
        if self.broken:
            raise RuntimeError("endpoint down")
        return [Score(0.5) for _ in samples]


class Hang(RewardComponent):
    """Blocks until ``release`` is set (at most 10 s) on its first call; later calls answer at once."""

    def __init__(self):
        self.release = threading.Event()
        self.calls = 0

    def score(self, samples, groups):
        self.calls += 1
        if self.calls == 1:
            self.release.wait(10)
        return [Score(0.25) for _ in samples]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def batch(n: int = 2) -> list[Sample]:
    return [Sample(prompt="q", completion="c", answer="1") for _ in range(n)]


def reward(extra: dict, **components) -> HybridReward:
    config = {"components": {"good": {"weight": 1.0}, "bad": {"weight": 1.0, **extra}}}
    return HybridReward(load_config(config), components={"good": Fixed(1.0), **components})


def reasons(scores: list[Score]) -> list[str]:
    return [s.info.get("reason", "") for s in scores]


# ----------------------------------------------------------------------------- config
@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("timeout_s", 0, "a zero deadline would time out every batch"),
        ("timeout_s", -1.0, "negative deadline"),
        ("failure_threshold", 0, "the circuit would be open before any failure"),
        ("cooldown_s", -5, "negative cooldown"),
    ],
)
def test_bad_guard_settings_are_refused_with_the_field(field, value, reason):
    with pytest.raises(ConfigError, match=f"components.bad.{field}"):
        load_config({"components": {"bad": {field: value}}})


def test_guard_settings_reach_the_guard_and_judge_gets_a_default_deadline():
    r = reward({"timeout_s": 2.5, "failure_threshold": 5, "cooldown_s": 7}, bad=Fixed())
    assert r.guards["bad"].policy == GuardPolicy(timeout_s=2.5, failure_threshold=5, cooldown_s=7.0)
    assert r.guards["good"].policy.timeout_s is None  # rules and local components run inline
    judge = HybridReward.from_config({"components": {"judge": {"args": {"base_url": "http://x/v1", "model": "m"}}}})
    assert judge.guards["judge"].policy.timeout_s == JUDGE_DEFAULT_TIMEOUT_S


# ----------------------------------------------------------------------------- raise
def test_raising_component_is_masked_and_the_total_stays_finite():
    res = reward({}, bad=Boom())(batch())
    assert res.rewards == [1.0, 1.0]  # "bad" masked (left out), not counted as 0 - its weight is 1 too
    assert all(not s.valid for s in res.components["bad"])
    assert all("RuntimeError: endpoint down" in r for r in reasons(res.components["bad"]))


def test_sample_with_every_weighted_term_invalid_gets_nan_not_zero():
    config = {"components": {"bad": {"weight": 1.0}}}
    res = HybridReward(load_config(config), components={"bad": Boom()})(batch(1))
    assert math.isnan(res.rewards[0])  # DESIGN: never silently 0; TRL treats NaN as unscorable (advantage 0)


@pytest.mark.parametrize(
    "returned, reason",
    [
        ([Score(1.0)], "one score for a batch of two"),
        (None, "not a list at all"),
    ],
)
def test_malformed_return_is_a_failure(returned, reason):
    class Odd(RewardComponent):
        def score(self, samples, groups):
            return returned

        def __call__(self, samples, groups=None):  # bypass the base class's own length check
            return self.score(samples, groups)

    guard = ComponentGuard("odd", Odd())
    scores = guard.score(batch(2), [0, 1])
    assert [s.valid for s in scores] == [False, False], reason
    assert guard.failures == 1


# ----------------------------------------------------------------------------- deadline
def test_hanging_component_times_out_within_budget_and_a_later_batch_works():
    hang = Hang()
    r = reward({"timeout_s": 0.2}, bad=hang)
    start = time.perf_counter()
    res = r(batch())
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed  # returned near the 0.2 s budget, not after the 10 s hang
    assert reasons(res.components["bad"]) == ["timed out after 0.2 s"] * 2
    assert res.rewards == [1.0, 1.0]

    # the abandoned call still runs: the component is not called concurrently, the batch is invalid
    busy = r(batch())
    assert hang.calls == 1 and "busy" in reasons(busy.components["bad"])[0]

    hang.release.set()
    r.guards["bad"]._abandoned.thread.join(5)
    later = r(batch())
    assert [s.value for s in later.components["bad"]] == [0.25, 0.25]
    assert later.rewards == [1.25, 1.25]


def test_component_within_its_deadline_is_unaffected():
    res = reward({"timeout_s": 5}, bad=Fixed(0.5))(batch())
    assert [s.value for s in res.components["bad"]] == [0.5, 0.5]


# ----------------------------------------------------------------------------- circuit breaker
def test_circuit_opens_after_k_failures_then_retries_after_cooldown(caplog):
    boom, clock = Boom(), FakeClock()
    guard = ComponentGuard("bad", boom, GuardPolicy(failure_threshold=2, cooldown_s=30), clock=clock)
    with caplog.at_level(logging.WARNING, logger="hymar.rewards.guard"):
        for _ in range(2):
            assert "endpoint down" in reasons(guard.score(batch(), [0, 1]))[0]
        assert boom.calls == 2 and guard.is_open

        clock.now += 10
        skipped = guard.score(batch(), [0, 1])
        assert boom.calls == 2  # skipped: no call while open
        assert reasons(skipped) == ["circuit open after 2 failures; retry in 20 s"] * 2
        guard.score(batch(), [0, 1])
        opened = [r for r in caplog.records if "skipping it for 30 s" in r.getMessage()]
        assert len(opened) == 1  # logged once, not once per skipped batch

        clock.now += 20  # cooldown over: one trial call, which fails and re-opens at once
        guard.score(batch(), [0, 1])
        assert boom.calls == 3 and guard.is_open
        guard.score(batch(), [0, 1])
        assert boom.calls == 3

        clock.now += 30
        boom.broken = False  # the endpoint is back
        assert [s.value for s in guard.score(batch(), [0, 1])] == [0.5, 0.5]
        assert not guard.is_open and guard.failures == 0
    assert any("recovered" in r.getMessage() for r in caplog.records)


def test_success_resets_the_consecutive_count():
    boom, clock = Boom(), FakeClock()
    guard = ComponentGuard("bad", boom, GuardPolicy(failure_threshold=2, cooldown_s=30), clock=clock)
    guard.score(batch(), [0, 1])
    boom.broken = False
    guard.score(batch(), [0, 1])
    boom.broken = True
    guard.score(batch(), [0, 1])
    assert not guard.is_open and guard.failures == 1  # failures were not consecutive


def test_hanging_component_costs_at_most_k_timeouts():
    class Slow(RewardComponent):
        calls = 0

        def score(self, samples, groups):
            Slow.calls += 1
            time.sleep(0.3)
            return [Score(1.0) for _ in samples]

    r = reward({"timeout_s": 0.05, "failure_threshold": 2, "cooldown_s": 60}, bad=Slow())
    start = time.perf_counter()
    results = []
    for _ in range(5):
        results.append(r(batch()))
        time.sleep(0.35)  # let the abandoned call finish so only the breaker stops the next call
    assert Slow.calls == 2
    assert "circuit open after 2 failures" in reasons(results[-1].components["bad"])[0]
    assert time.perf_counter() - start < 5


def test_only_component_faults_count_never_samples_scored_invalid():
    class AllInvalid(RewardComponent):
        def score(self, samples, groups):
            return [Score.invalid("answer contains null bytes") for _ in samples]

    class Unreachable(RewardComponent):
        def score(self, samples, groups):
            raise ComponentUnavailable("judge connection error")

    hostile = ComponentGuard("a", AllInvalid(), GuardPolicy(failure_threshold=1), clock=FakeClock())
    hostile.score(batch(), [0, 1])
    assert not hostile.is_open, "invalid scores for hostile input are the component working (issue 9)"
    down = ComponentGuard("b", Unreachable(), GuardPolicy(failure_threshold=1), clock=FakeClock())
    assert reasons(down.score(batch(), [0, 1])) == ["judge connection error"] * 2  # the reason as raised
    assert down.is_open, "an endpoint that answers nothing is down"


def test_guarded_reward_pickles_with_fresh_state():
    r = reward({"failure_threshold": 1, "cooldown_s": 60}, bad=Boom())
    r(batch(1))
    assert r.guards["bad"].is_open
    r.components["bad"].broken = False
    copy = pickle.loads(pickle.dumps(r))
    assert not copy.guards["bad"].is_open and copy.guards["bad"].failures == 0
    assert copy(batch(1)).rewards == [1.5]


# ----------------------------------------------------------------------------- HTTP judge, dead endpoint
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_judge_at_a_closed_port_inside_a_hybrid_config():
    config = {
        "components": {
            "accuracy": {"weight": 0.0},
            "format": {"weight": 1.0},
            "judge": {
                "weight": 1.0,
                "args": {"base_url": f"http://127.0.0.1:{_closed_port()}/v1", "model": "m", "max_retries": 0},
                "failure_threshold": 2,
            },
        },
        "hybrid": {"rule": "accuracy", "model": "judge", "weight": 1.0},
    }
    r = HybridReward.from_config(config)
    samples = [
        Sample(prompt="2+2?", completion="<think>x</think><answer>4</answer>", answer="4"),
        Sample(prompt="Describe it.", completion="<think>x</think><answer>A cat.</answer>", task="caption"),
    ]
    first = r(samples)
    assert all(not s.valid for s in first.components["judge"])
    assert reasons(first.components["judge"]) == ["judge connection error"] * 2
    assert first.components["hybrid"][0].info["route"] == "rule"  # the verifier settles the math sample
    assert not first.components["hybrid"][1].valid  # the open-ended sample had only the judge
    assert all(math.isfinite(t) for t in first.rewards)  # format still counts; invalid terms are masked
    assert first.rewards[0] == pytest.approx(first.rewards[1] + 1.0)  # hybrid 1.0 counts only where valid
    r(samples)
    third = r(samples)
    assert reasons(third.components["judge"])[0].startswith("circuit open after 2 failures")
    assert third.rewards == first.rewards
