"""`hymar serve` under load on a real uvicorn server (loopback, free port): queue-full 503, timeout 504,
the reward lock for rewards that are not thread-safe, and the thread-safety classification."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from hymar.integrations.server import ServeSettings
from hymar.integrations.server.safety import (
    component_is_thread_safe,
    reward_is_thread_safe,
)
from hymar.integrations.server.testing import running_server
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.length import LengthPenalty, LengthPenaltyConfig
from hymar.rewards.types import RewardResult, Sample, Score

RECORD = {"prompt": "2+2?", "completion": "<answer>4</answer>", "answer": "4"}


class GatedReward:
    """Blocks every call until ``gate`` is set; records how many calls overlap."""

    component_names = ("gated",)

    def __init__(self, thread_safe: bool = False, hold: float = 0.0) -> None:
        self.gate = threading.Event()
        self.thread_safe = thread_safe
        self.hold = hold
        self.active = 0
        self.max_active = 0
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> RewardResult:
        with self._lock:
            self.active += 1
            self.calls += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self.gate.wait(30)
            time.sleep(self.hold)
        finally:
            with self._lock:
                self.active -= 1
        return RewardResult([1.0] * len(samples), {"gated": [Score(1.0) for _ in samples]})


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def health(url: str) -> dict:
    return httpx.get(url + "/health").json()


def test_queue_full_gives_503_with_retry_after():
    reward = GatedReward()
    settings = ServeSettings(max_concurrency=1, max_queue=1, request_timeout=30, retry_after=3)
    with running_server(reward, settings) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.post, url + "/score", json=[RECORD], timeout=30)
        second = pool.submit(httpx.post, url + "/score", json=[RECORD], timeout=30)
        wait_for(lambda: (h := health(url))["in_flight"] == 1 and h["queued"] == 1)
        third = httpx.post(url + "/score", json=[RECORD])
        assert third.status_code == 503
        assert third.headers["retry-after"] == "3"
        assert "busy" in third.json()["error"]
        reward.gate.set()
        assert first.result().status_code == 200 and second.result().status_code == 200
        assert httpx.post(url + "/score", json=[RECORD]).status_code == 200  # room again
        assert reward.calls == 3


def test_timeout_gives_504_and_the_server_keeps_serving():
    reward = GatedReward()
    with running_server(reward, ServeSettings(max_concurrency=1, request_timeout=0.3)) as url:
        started = time.monotonic()
        late = httpx.post(url + "/score", json=[RECORD], timeout=10)
        assert late.status_code == 504 and "timed out" in late.json()["error"]
        assert time.monotonic() - started < 5
        # a thread cannot be stopped: the stuck call keeps its slot until it returns
        assert health(url)["in_flight"] == 1
        reward.gate.set()
        wait_for(lambda: health(url)["in_flight"] == 0)
        ok = httpx.post(url + "/score", json=[RECORD], timeout=10)
        assert ok.status_code == 200 and ok.json()[0]["reward"] == 1.0


def test_reward_without_thread_safety_is_called_one_at_a_time():
    reward = GatedReward(thread_safe=False, hold=0.05)
    reward.gate.set()
    with running_server(reward, ServeSettings(max_concurrency=4)) as url:
        assert health(url)["serialized"] is True
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: httpx.post(url + "/score", json=[RECORD], timeout=30).status_code, range(8)))
    assert codes == [200] * 8
    assert reward.max_active == 1


def test_thread_safe_reward_runs_concurrently():
    reward = GatedReward(thread_safe=True, hold=0.2)
    reward.gate.set()
    with running_server(reward, ServeSettings(max_concurrency=4)) as url:
        assert health(url)["serialized"] is False
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: httpx.post(url + "/score", json=[RECORD], timeout=30).status_code, range(4)))
    assert codes == [200] * 4
    assert 1 < reward.max_active <= 4  # overlapping, never above --max-concurrency


def test_rule_only_reward_gives_the_same_results_from_many_threads():
    """The claim behind serialize=auto for rule rewards: concurrent calls agree with sequential ones."""
    reward = HybridReward.from_preset("rule-only")
    batch = [
        Sample(completion="<answer>\\frac{1}{2}</answer>", answer="0.5"),
        Sample(completion="The answer is $x^2+2x+1$", answer="(x+1)^2", task="math"),
        Sample(completion="<answer>B</answer>", answer="C", task="choice"),
        Sample(completion="<answer>12 m</answer>", answer="1200 cm"),
    ]
    expected = reward(batch).rewards
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: reward(batch).rewards, range(12)))
    assert all(r == expected for r in results)


class _Fake:
    pass


class _ModelLike:
    pass


_ModelLike.__module__ = "hymar.rewards.model.embedding"


@pytest.mark.parametrize(
    "component, safe",
    [
        (HybridReward.from_preset("rule-only").components["accuracy"], True),  # rule verifier
        (LengthPenalty.from_preset("harmo", unit="words"), True),  # pure length measure
        (LengthPenalty(LengthPenaltyConfig(unit="tokens", tokenizer="gpt2")), False),  # lazy tokenizer load
        (LengthPenalty(LengthPenaltyConfig(unit="tokens"), count_tokens=len), False),  # unknown user counter
        (_ModelLike(), False),  # a model component (torch, HF tokenizers)
        (_Fake(), False),  # user code: unknown
    ],
)
def test_component_thread_safety(component, safe):
    assert component_is_thread_safe(component) is safe


def test_reward_thread_safety():
    assert reward_is_thread_safe(HybridReward.from_preset("rule-only"))[0]
    assert not reward_is_thread_safe(GatedReward(thread_safe=False))[0]
    assert reward_is_thread_safe(GatedReward(thread_safe=True))[0]
