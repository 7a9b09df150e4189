"""`hymar.integrations.remote` against a real `hymar serve` server on loopback: RemoteReward and the
verl-style compute_score / compute_score_batch."""

from __future__ import annotations

import math
import pickle
import socket
from collections.abc import Hashable, Sequence

import numpy as np
import pytest

from hymar.integrations import remote, verl
from hymar.integrations.remote import (
    RemoteReward,
    RemoteRewardError,
    jsonable,
    sample_to_record,
)
from hymar.integrations.server import ServeSettings
from hymar.integrations.server.testing import running_server
from hymar.rewards.base import RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score

SAMPLES = [
    Sample(prompt="What is 2+2?", completion="<think>easy</think><answer>4</answer>", answer="4"),
    Sample(prompt="What is 2+2?", completion="<answer>5</answer>", answer="4"),
    Sample(prompt="Half of 1?", completion="The answer is \\frac{1}{2}", answer="0.5", task="math"),
    Sample(prompt="Describe it.", completion="<answer>a red cube</answer>", reference="a red box", task="open"),
]


class GroupSize(RewardComponent):
    """Value = size of the sample's group."""

    name = "group_size"

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return [Score(float(sum(1 for h in groups if h == g))) for g in groups]


@pytest.fixture(scope="module")
def rule_only() -> HybridReward:
    return HybridReward.from_preset("rule-only")


@pytest.fixture(scope="module")
def url(rule_only):
    with running_server(rule_only, ServeSettings(reward_name="rule-only")) as base:
        yield base


def same_scores(a: Score, b: Score) -> bool:
    return (a.value, a.confidence, a.valid, dict(a.info)) == (b.value, b.confidence, b.valid, dict(b.info))


def test_remote_reward_equals_the_local_reward(url, rule_only):
    local = rule_only(SAMPLES)
    with RemoteReward(url) as reward:
        got = reward(SAMPLES)
        assert reward.component_names == ["accuracy"]
    assert got.rewards == local.rewards == [1.0, 0.0, 1.0, 0.0]
    assert all(same_scores(a, b) for a, b in zip(got.components["accuracy"], local.components["accuracy"]))


def test_remote_reward_keeps_groups():
    reward = HybridReward(load_config({"components": {"group_size": {"weight": 1.0}}}), {"group_size": GroupSize()})
    with running_server(reward) as base:
        got = RemoteReward(base)([Sample(completion=c) for c in "abcde"], groups=[("p", 1), "q", ("p", 1), "q", 7])
    assert got.rewards == [2.0, 2.0, 2.0, 2.0, 1.0]


def test_score_records_passes_unknown_keys_through(url):
    (out,) = RemoteReward(url).score_records([{"id": 9, "extra": [1, 2], "completion": "<answer>4</answer>", "answer": "4"}])
    assert (out["id"], out["extra"], out["reward"]) == (9, [1, 2], 1.0)


def test_a_refused_record_becomes_an_invalid_sample(url):
    got = RemoteReward(url)([Sample(completion="x", images=("/etc/hostname",)), SAMPLES[0]])
    assert math.isnan(got.rewards[0]) and got.rewards[1] == 1.0
    bad = got.components["accuracy"][0]
    assert not bad.valid and "--image-root" in bad.info["reason"]


def test_lone_surrogate_completion_travels(url):
    got = RemoteReward(url)([Sample(completion="<answer>4\ud800</answer>", answer="4")])
    assert len(got.rewards) == 1  # encoded as ASCII JSON, judged by the server, no client-side crash


@pytest.mark.parametrize(
    "token, status",
    [(None, 401), ("wrong", 401)],  # missing and wrong tokens are refused with the URL and status named
)
def test_auth_errors_name_url_and_status(rule_only, token, status, monkeypatch):
    monkeypatch.delenv("HYMAR_SERVE_TOKEN", raising=False)
    with running_server(rule_only, ServeSettings(token="s3cret")) as base:
        with pytest.raises(RemoteRewardError) as err:
            RemoteReward(base, token=token)(SAMPLES[:1])
        assert RemoteReward(base, token="s3cret")(SAMPLES[:1]).rewards == [1.0]
    assert err.value.status == status and err.value.url == base + "/score"
    assert f"HTTP {status}" in str(err.value) and base in str(err.value)


def test_token_from_the_environment(rule_only, monkeypatch):
    monkeypatch.setenv("HYMAR_SERVE_TOKEN", "s3cret")
    with running_server(rule_only, ServeSettings(token="s3cret")) as base:
        assert RemoteReward(base)(SAMPLES[:1]).rewards == [1.0]


def test_body_too_large_is_a_413_error(rule_only):
    with running_server(rule_only, ServeSettings(max_body_bytes=200)) as base:
        with pytest.raises(RemoteRewardError, match="HTTP 413"):
            RemoteReward(base)(SAMPLES)


def test_unreachable_server_names_the_url():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RemoteRewardError, match=f"127.0.0.1:{port}/score: cannot connect") as err:
        RemoteReward(f"http://127.0.0.1:{port}", retries=1)(SAMPLES[:1])
    assert err.value.status is None


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://x", ""])  # scheme required
def test_bad_url_is_refused(url):
    with pytest.raises(ValueError, match="http"):
        RemoteReward(url)


def test_remote_reward_pickles(url):
    reward = RemoteReward(url, token="t", timeout=5)
    assert reward.component_names == ["accuracy"]  # opens a client, which must not travel
    clone = pickle.loads(pickle.dumps(reward))
    assert (clone.url, clone.token, clone.timeout) == (url, "t", 5.0)


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.float32(0.5), 0.5),  # numpy scalar from a parquet row
        (np.array([1, 2]), [1, 2]),  # numpy array
        (float("nan"), None),  # JSON has no NaN
        ({1: (2, 3)}, {"1": [2, 3]}),  # keys become strings, tuples lists
        (b"raw", "b'raw'"),  # anything else: its str()
    ],
)
def test_jsonable(value, expected):
    assert jsonable(value) == expected


def test_sample_to_record_refuses_in_memory_images():
    with pytest.raises(TypeError, match=r"images\[0\]"):
        sample_to_record(Sample(completion="x", images=(object(),)))


# ------------------------------------------------------------------------------------------- verl
VERL_ARGS = [
    ("gsm8k", "<answer>4</answer>", "4", {"prompt": "2+2?", "index": 0}),
    ("gsm8k", "<answer>5</answer>", "4", {"prompt": "2+2?", "index": 0}),
    ("math", "The answer is 0.5", {"answer": "\\frac12", "task": "math"}, {"prompt": "half", "score_np": np.float64(1.5)}),
    ("open", "<answer>a cube</answer>", None, {"prompt": "describe", "task": "open"}),
]


def test_verl_compute_score_matches_in_process(url, monkeypatch):
    monkeypatch.setenv("HYMAR_REWARD_URL", url)
    monkeypatch.setenv("HYMAR_PRESET", "rule-only")
    for args in VERL_ARGS:
        got = remote.compute_score(*args)
        want = verl.compute_score(*args)
        assert got.keys() == want.keys()
        assert all(got[k] == want[k] or (math.isnan(got[k]) and math.isnan(want[k])) for k in got)
    assert remote.compute_score(*VERL_ARGS[0])["score"] == 1.0
    assert remote.compute_score(*VERL_ARGS[1])["score"] == 0.0


def test_verl_compute_score_batch_matches_in_process(url, monkeypatch):
    monkeypatch.setenv("HYMAR_PRESET", "rule-only")
    monkeypatch.delenv("HYMAR_REWARD_URL", raising=False)
    columns = [list(c) for c in zip(*VERL_ARGS)]
    got = remote.compute_score_batch(*columns, hymar_url=url)  # the URL from verl's reward_kwargs
    want = verl.compute_score_batch(*columns)
    assert [r["score"] for r in got] == [r["score"] for r in want] == [1.0, 0.0, 1.0, 0.0]


def test_verl_without_a_url_says_which_variable(monkeypatch):
    monkeypatch.delenv("HYMAR_REWARD_URL", raising=False)
    with pytest.raises(RemoteRewardError, match="HYMAR_REWARD_URL"):
        remote.compute_score(*VERL_ARGS[0])


class Gated:
    """A reward that blocks until ``gate`` is set (thread-safe, so no server lock hides the queue)."""

    component_names = ("gated",)
    thread_safe = True

    def __init__(self) -> None:
        import threading

        self.gate = threading.Event()

    def __call__(self, samples, groups=None):
        from hymar.rewards.types import RewardResult

        self.gate.wait(30)
        return RewardResult([1.0] * len(samples), {"gated": [Score(1.0) for _ in samples]})


def test_busy_server_503_is_retried_then_reported():
    import threading
    import time

    import httpx

    reward = Gated()
    with running_server(reward, ServeSettings(max_concurrency=1, max_queue=0)) as base:
        blocker = threading.Thread(target=lambda: httpx.post(base + "/score", json=[{"completion": "x"}], timeout=30))
        blocker.start()
        while httpx.get(base + "/health").json()["in_flight"] != 1:
            time.sleep(0.01)
        with pytest.raises(RemoteRewardError, match="HTTP 503") as err:
            RemoteReward(base, retries=0)([Sample(completion="y")])
        assert err.value.status == 503
        threading.Timer(0.3, reward.gate.set).start()  # frees the server while the client waits to retry
        assert RemoteReward(base, retries=3)([Sample(completion="y")]).rewards == [1.0]
        blocker.join(30)
