"""The property behind issue 9: for any mix of hostile and normal inputs, every normal input's reward is
exactly its reward when scored alone, in `hymar score`, in the server across concurrent clients, and
through the TRL and verl adapters called from several threads at once.

The reward is rule verification plus instruction adherence (no model: every hostile input reaches real
code paths, and the test runs on a laptop). Hostile inputs are the ones issue 9 found (see helpers) plus
the verifier's own hostile cases; the symbolic "power tower" (1 s of worker time each) is left to the
server test and the soak benchmark (benchmarks/bench_soak.py) so that the examples stay fast.

Hypothesis runs derandomized (the same examples on every run, no example database), so a failure here
is reproducible and the file's run time is stable (~5 s).
"""

from __future__ import annotations

import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hymar.cli import main
from hymar.data.records import sample_from_record
from hymar.integrations import verl
from hymar.integrations.server import ServeSettings
from hymar.integrations.server.testing import running_server
from hymar.integrations.trl import HymarRewardFunction
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.isolation import score_isolated
from hymar.rewards.rules.math import warm_up
from hymar.rewards.types import Sample
from hymar.scoring import score_jsonl

from .helpers import NORMAL, hostile_lines, read_jsonl, write_lines

CONFIG = {"components": {"accuracy": {"weight": 1.0}, "adherence": {"weight": 0.5}}}
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FAST_HOSTILE = [line for line in hostile_lines() if '"tower"' not in line]


class Named(dict):
    """A record that Hypothesis prints by its id: printing 800-deep nesting would recurse too deep."""

    def __repr__(self) -> str:
        return f"<{self['id']}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


class Raw(bytes):
    """A request body printed by its first bytes (one of them is a megabyte)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: {bytes(self[:24])!r}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


# Hostile records a JSON body can carry (a body that is not JSON is refused whole, by design).
SERVER_HOSTILE = [Named(r) for r in [
    {"id": "h-nul", "prompt": "2+2?", "completion": "<answer>4\x00</answer>", "answer": "4"},
    {"id": "h-huge", "prompt": "q", "completion": "<answer>" + "7" * 300_000 + "</answer>", "answer": "7"},
    {"id": "h-kw", "prompt": "q", "completion": "w1", "constraints": {"required_keywords": [f"w{i}" for i in range(30_000)]}},
    {"id": "h-path", "prompt": "q", "completion": "c", "images": ["a" * 5000 + ".png"]},
    {"id": "h-deep", "prompt": "q", "completion": "c", "metadata": {"x": json.loads("[" * 800 + "]" * 800)}},
    {"id": "h-type", "prompt": 3, "completion": None},
    {"id": "h-answer", "prompt": "q", "completion": "c", "answer": {"nested": "object"}},
]]
# Requests that are hostile as a whole: refused whole (4xx), never at a normal client's expense.
MAX_BODY = 1_000_000
RAW_HOSTILE = [Raw(b) for b in [
    b"this is not json",
    b'[{"id": "x", "prompt": "\x00", "completion": \x00\x00]',
    b"[" * 100_000 + b"]" * 100_000,
    b'[{"id": "big", "prompt": "q", "completion": "' + b"x" * (MAX_BODY + 1) + b'"}]',
    b'{"not": "a list"}',
]]
# Python API callers can pass anything a dataclass does not check: wrong types included.
API_HOSTILE = [
    Sample(completion="<answer>4\x00</answer>", answer="4"),
    Sample(completion="<answer>" + "7" * 300_000 + "</answer>", answer="7"),
    Sample(completion="w1", constraints={"required_keywords": [f"w{i}" for i in range(30_000)]}),
    Sample(completion=None, answer="4"),  # type: ignore[arg-type]
    Sample(completion=3, answer={"nested": 1}),  # type: ignore[arg-type]
    Sample(completion="c", images=["a" * 5000 + ".png"]),
    Sample(completion="c", constraints={"max_words": "ten"}),
    Sample(prompt=[{"role": "user", "content": None}], completion="c"),
    Sample(completion="c", answer="9" * 5000),
]


@pytest.fixture(scope="module")
def reward() -> HybridReward:
    assert warm_up(60.0)
    return HybridReward(load_config(CONFIG))


@pytest.fixture(scope="module")
def alone(reward) -> dict[str, tuple[float, dict]]:
    """Each normal record's reward and component values when it is the only thing scored."""
    out = {}
    for record in NORMAL:
        result = reward([sample_from_record(record)])
        out[record["id"]] = (result.rewards[0], {n: s[0].value for n, s in result.components.items()})
    return out


def mixes(hostile: list, max_size: int = 10):
    """A shuffled list of normal records (as dicts) and hostile items, at least one of each."""
    normal = st.sampled_from(NORMAL)
    return st.tuples(st.lists(normal, min_size=1, max_size=max_size), st.lists(st.sampled_from(hostile), min_size=1, max_size=max_size)).flatmap(
        lambda parts: st.permutations(parts[0] + parts[1])
    )


def interleaved(hostile: list) -> list:
    """Every hostile item once, each between normal records: the explicit example every test runs."""
    out = []
    for i, item in enumerate(hostile):
        out += [NORMAL[i % len(NORMAL)], item]
    return out + NORMAL


def check(record_id: str, reward_value, components: dict, alone) -> None:
    expected_reward, expected_components = alone[record_id]
    assert reward_value == expected_reward, f"{record_id}: {reward_value} != alone {expected_reward}"
    assert {n: c["value"] for n, c in components.items()} == expected_components, record_id


@PROPERTY
@given(mix=mixes(FAST_HOSTILE), batch_size=st.integers(1, 8))
@example(mix=interleaved(FAST_HOSTILE), batch_size=3)
def test_hymar_score(tmp_path_factory, reward, alone, mix, batch_size):
    folder = tmp_path_factory.mktemp("score")
    lines = [item if isinstance(item, str) else json.dumps(item) for item in mix]
    out = folder / "out.jsonl"
    score_jsonl(write_lines(folder / "in.jsonl", lines), out, reward, batch_size=batch_size, progress=False)
    rows = read_jsonl(out)
    assert len(rows) == len(lines)
    for item, row in zip(mix, rows):
        if isinstance(item, dict):
            check(item["id"], row["reward"], row["components"], alone)


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@PROPERTY
@given(mix=mixes(API_HOSTILE))
@example(mix=interleaved(API_HOSTILE))
def test_python_api(reward, alone, mix):
    samples = [item if isinstance(item, Sample) else sample_from_record(item) for item in mix]
    for scored in (reward(samples), score_isolated(reward, samples, list(range(len(samples)))).result):
        assert len(scored.rewards) == len(samples)
        for i, item in enumerate(mix):
            if isinstance(item, dict):
                expected_reward, expected_components = alone[item["id"]]
                assert same(scored.rewards[i], expected_reward), item["id"]
                assert {n: s[i].value for n, s in scored.components.items()} == expected_components, item["id"]


@PROPERTY
@given(mix=mixes(FAST_HOSTILE), batch_size=st.integers(1, 8))
@example(mix=interleaved(FAST_HOSTILE), batch_size=2)
def test_hymar_score_command(tmp_path_factory, alone, mix, batch_size):
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "reward.yaml"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")  # JSON is YAML
    lines = [item if isinstance(item, str) else json.dumps(item) for item in mix]
    src, out = write_lines(folder / "in.jsonl", lines), folder / "out.jsonl"
    code = main(["score", str(src), "-o", str(out), "--config", str(config), "-q", "--batch-size", str(batch_size)])
    rows = read_jsonl(out)
    assert len(rows) == len(lines)
    assert code == (1 if any(row.get("error") for row in rows) else 0)  # line errors never exit 2
    for item, row in zip(mix, rows):
        if isinstance(item, dict):
            assert row.get("error") is None, row
            check(item["id"], row["reward"], row["components"], alone)


@pytest.fixture(scope="module")
def server(reward, tmp_path_factory):
    settings_ = ServeSettings(image_root=str(tmp_path_factory.mktemp("images")), max_concurrency=2, max_body_bytes=MAX_BODY)
    with running_server(reward, settings_) as url:
        yield url


@PROPERTY
@given(bodies=st.lists(st.one_of(mixes(SERVER_HOSTILE, max_size=6), st.sampled_from(RAW_HOSTILE)), min_size=2, max_size=6))
@example(bodies=[interleaved(SERVER_HOSTILE), *RAW_HOSTILE, NORMAL])
def test_server_across_concurrent_clients(server, alone, bodies):
    def client(body):
        with httpx.Client(base_url=server, timeout=60) as c:
            if isinstance(body, bytes):
                return c.post("/score", content=body, headers={"Content-Type": "application/json"})
            return c.post("/score", json=list(body))

    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(client, bodies))
    for body, response in zip(bodies, responses):
        if isinstance(body, bytes):
            assert 400 <= response.status_code < 500, (body[:40], response.status_code)
            continue
        assert response.status_code == 200, response.text[:300]
        for item, out in zip(body, response.json()):
            if item["id"].startswith("n-"):
                check(item["id"], out["reward"], out["components"], alone)
            else:
                assert out["id"] == item["id"]


def _trl_call(f: HymarRewardFunction, records: list[dict]) -> list[float]:
    return f(
        prompts=[r["prompt"] if isinstance(r.get("prompt"), str) else "" for r in records],
        completions=[r.get("completion") if isinstance(r.get("completion"), str) else "" for r in records],
        answer=[r.get("answer") if isinstance(r.get("answer"), str) else None for r in records],
        task=[r.get("task") for r in records],
        constraints=[r.get("constraints") if isinstance(r.get("constraints"), dict) else None for r in records],
    )


ADAPTER_HOSTILE = [r for r in SERVER_HOSTILE if r["id"] in ("h-nul", "h-huge", "h-kw")]


@PROPERTY
@given(batches=st.lists(mixes(ADAPTER_HOSTILE, max_size=6), min_size=2, max_size=5))
@example(batches=[interleaved(ADAPTER_HOSTILE), NORMAL, interleaved(ADAPTER_HOSTILE[::-1])])
def test_trl_adapter_from_several_threads(reward, batches):
    f = HymarRewardFunction(reward)
    expected = {r["id"]: _trl_call(f, [r])[0] for r in NORMAL}
    barrier = threading.Barrier(len(batches))

    def run(batch):
        barrier.wait()  # all threads score at once
        return _trl_call(f, list(batch))

    with ThreadPoolExecutor(len(batches)) as pool:
        results = list(pool.map(run, batches))
    for batch, rewards in zip(batches, results):
        for record, value in zip(batch, rewards):
            if record["id"].startswith("n-"):
                assert value == expected[record["id"]], record["id"]


@PROPERTY
@given(batches=st.lists(mixes(ADAPTER_HOSTILE, max_size=6), min_size=2, max_size=5))
@example(batches=[interleaved(ADAPTER_HOSTILE), NORMAL, interleaved(ADAPTER_HOSTILE[::-1])])
def test_verl_adapter_from_several_threads(reward, batches, monkeypatch):
    monkeypatch.setitem(verl._rewards, "property-reward", reward)

    def args(record):
        return ("d", record["completion"], record.get("answer"),
                {"prompt": record["prompt"], "task": record.get("task"), "constraints": record.get("constraints"),
                 "hymar_preset": "property-reward"})

    expected = {r["id"]: verl.compute_score(*args(r))["score"] for r in NORMAL}
    barrier = threading.Barrier(len(batches))

    def run(batch):
        barrier.wait()
        per_sample = [verl.compute_score(*args(r))["score"] for r in batch]
        cols = list(zip(*(args(r) for r in batch)))
        batched = [row["score"] for row in verl.compute_score_batch(*cols)]
        return per_sample, batched

    with ThreadPoolExecutor(len(batches)) as pool:
        results = list(pool.map(run, batches))
    for batch, (per_sample, batched) in zip(batches, results):
        for record, a, b in zip(batch, per_sample, batched):
            if record["id"].startswith("n-"):
                assert a == b == expected[record["id"]], record["id"]
