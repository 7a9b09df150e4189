"""Defect 1 of issue 9: the circuit breaker turned untrusted input into an outage.

Samples scored invalid are the verifier working, not the component failing; only component-level
faults (raise, timeout) count, rule components have no breaker unless configured, and a server client
cannot open a breaker that other clients share.
"""

from __future__ import annotations

import json

import pytest

from hymar.cli import main
from hymar.rewards.base import RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.guard import ComponentGuard, GuardPolicy
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score

from .helpers import RaisesOn, read_jsonl, write_lines

NUL = {"prompt": "2+2?", "completion": "<answer>4\x00</answer>", "answer": "4"}
GOOD = {"prompt": "2+2?", "completion": "<answer>4</answer>", "answer": "4"}


class AllInvalid(RewardComponent):
    def score(self, samples, groups):
        return [Score.invalid("answer contains null bytes") for _ in samples]


class TestInvalidSamplesAreNotFailures:
    def test_score_cli_keeps_scoring_after_invalid_batches(self, tmp_path):
        lines = [json.dumps({"id": f"nul{i}", **NUL}) for i in range(6)] + [json.dumps({"id": "good", **GOOD})]
        src, out = write_lines(tmp_path / "in.jsonl", lines), tmp_path / "out.jsonl"
        assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "--batch-size", "1", "-q"]) == 0
        rows = {r["id"]: r for r in read_jsonl(out)}
        assert rows["good"]["reward"] == 1.0, rows["good"]
        assert all("circuit" not in json.dumps(r) for r in rows.values())

    def test_verl_per_sample_over_long_rollouts_do_not_open_the_breaker(self):
        from hymar.integrations import verl

        verl._rewards.pop("rule-only", None)  # a fresh reward: no state from other tests
        for _ in range(4):
            verl.compute_score("math", "<answer>" + "1" * 300_000 + "</answer>", "1", {"hymar_preset": "rule-only"})
        normal = verl.compute_score("math", "<answer>4</answer>", "4", {"hymar_preset": "rule-only"})
        assert normal["score"] == 1.0 and normal["scorable"] == 1.0

    def test_an_all_invalid_batch_is_not_a_failure(self):
        guard = ComponentGuard("rule", AllInvalid(), GuardPolicy(failure_threshold=1))
        guard.score([Sample(completion="x")], [0])
        assert not guard.is_open and guard.failures == 0

    def test_a_raising_component_still_opens_its_breaker(self):
        guard = ComponentGuard("fragile", RaisesOn(), GuardPolicy(failure_threshold=2))
        for _ in range(2):
            guard.score([Sample(completion="BOOM")], [0])
        assert guard.is_open
        assert "circuit open" in guard.score([Sample(completion="fine")], [0])[0].info["reason"]


class TestRuleComponentsHaveNoBreakerByDefault:
    def test_rule_and_aspect_components_are_not_breaker_guarded(self):
        reward = HybridReward.from_preset("rule-only")
        assert reward.guards["accuracy"].policy.failure_threshold is None

    def test_a_configured_threshold_still_applies_to_a_rule_component(self):
        reward = HybridReward(load_config({"components": {"accuracy": {"failure_threshold": 2}}}))
        assert reward.guards["accuracy"].policy.failure_threshold == 2

    def test_model_components_keep_the_default_breaker(self):
        reward = HybridReward.from_config(
            {"components": {"judge": {"args": {"base_url": "http://127.0.0.1:9/v1", "model": "m"}}}}
        )
        assert reward.guards["judge"].policy.failure_threshold == 3


class TestScopes:
    def test_failures_in_one_scope_do_not_open_another(self):
        from hymar.rewards.guard import fault_scope

        guard = ComponentGuard("fragile", RaisesOn(), GuardPolicy(failure_threshold=1))
        with fault_scope("hostile"):
            guard.score([Sample(completion="BOOM")], [0])
            assert guard.is_open
        with fault_scope("normal"):
            assert not guard.is_open
            assert guard.score([Sample(completion="fine")], [0])[0].value == 1.0

    def test_scopes_are_bounded(self):
        from hymar.rewards.guard import fault_scope

        guard = ComponentGuard("fragile", RaisesOn(), GuardPolicy(failure_threshold=1))
        for i in range(5000):
            with fault_scope(("client", i)):
                guard.score([Sample(completion="BOOM")], [0])
        assert len(guard._breakers) <= 1024

    def test_server_client_cannot_open_a_breaker_other_clients_share(self):
        import httpx

        from hymar.integrations.server.testing import running_server

        config = load_config({"components": {"fragile": {"weight": 1.0, "failure_threshold": 1, "cooldown_s": 60}}})
        reward = HybridReward(config, {"fragile": RaisesOn()})
        with running_server(reward) as url, httpx.Client(base_url=url) as hostile, httpx.Client(base_url=url) as normal:
            for _ in range(3):
                body = hostile.post("/score", json=[{"id": "h", "prompt": "q", "completion": "BOOM"}]).json()
                assert body[0]["components"]["fragile"]["valid"] is False
            got = normal.post("/score", json=[{"id": "n", "prompt": "q", "completion": "fine"}]).json()
            assert got[0]["reward"] == 1.0, got
            rewards = normal.post("/get_reward", json={"query": ["fine"]}).json()["rewards"]
            assert rewards == [1.0]


@pytest.fixture(autouse=True)
def _quiet_guard_logs(caplog):
    caplog.set_level("ERROR", logger="hymar.rewards.guard")
