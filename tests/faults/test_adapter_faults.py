"""Issue 9 in the trainer adapters: a TRL dataset column of the wrong length fails loudly (defect 8),
and a reward fault in one group costs only that group in TRL and verl (defect 2's isolation)."""

from __future__ import annotations

import logging
import math

from hymar.integrations import verl
from hymar.integrations.trl import HymarRewardFunction, build_samples
from hymar.rewards.hybrid import HybridReward

import pytest


class TestTRLColumns:
    def test_wrong_length_column_is_an_error_naming_it(self):
        with pytest.raises(ValueError, match="'answer'.*1 values for 2 completions"):
            build_samples(["q", "q"], ["a", "b"], {"answer": ["4"]})

    def test_wrong_length_column_is_not_silently_zero(self, caplog):
        f = HymarRewardFunction("rule-only")
        with caplog.at_level(logging.WARNING, logger="hymar.integrations.trl"):
            out = f(prompts=["2+2?"] * 2, completions=["<answer>4</answer>"] * 2, answer=["4"])
        assert all(math.isnan(v) for v in out), out  # before: [0.0, 0.0], the gold answers dropped
        assert any("'answer'" in r.getMessage() for r in caplog.records)

    def test_trainer_kwargs_are_still_ignored(self):
        (sample,) = build_samples(["q"], ["c"], {"trainer_state": object(), "completion_ids": [[1, 2, 3]]})
        assert sample.metadata == {}


class FailsOnBoom:
    """A whole reward (not a component) that raises for any batch containing "BOOM"."""

    def __init__(self):
        self.inner = HybridReward.from_preset("rule-only")
        self.component_names = self.inner.component_names

    def __call__(self, samples, groups=None):
        if any("BOOM" in s.completion for s in samples):
            raise RuntimeError("combiner bug")
        return self.inner(samples, groups)


def test_trl_batch_with_a_failing_group_keeps_the_other_groups():
    f = HymarRewardFunction(FailsOnBoom())
    out = f(prompts=["A", "A", "B", "B"], completions=["<answer>4</answer>", "x", "BOOM", "y"], answer=["4", "4", "1", "1"])
    assert out[:2] == [1.0, 0.0]  # prompt A's group is scored as if alone
    assert all(math.isnan(v) for v in out[2:])  # prompt B's group failed: NaN (unscorable), not 0


def test_verl_batch_with_a_failing_group_keeps_the_other_groups(monkeypatch):
    monkeypatch.setitem(verl._rewards, "boom-spec", FailsOnBoom())
    rows = verl.compute_score_batch(
        data_sources=["d"] * 3,
        solution_strs=["<answer>4</answer>", "BOOM", "<answer>5</answer>"],
        ground_truths=["4", "1", "4"],
        extra_infos=[{"uid": "g1"}, {"uid": "g2"}, {"uid": "g3"}],
        hymar_preset="boom-spec",
    )
    assert [r["score"] for r in rows] == [1.0, 0.0, 0.0]
    assert [r["scorable"] for r in rows] == [1.0, 0.0, 1.0]


def test_verl_per_sample_failure_is_unscorable_not_a_crash(monkeypatch):
    monkeypatch.setitem(verl._rewards, "boom-spec", FailsOnBoom())
    row = verl.compute_score("d", "BOOM", "1", {"hymar_preset": "boom-spec"})
    assert row["score"] == 0.0 and row["scorable"] == 0.0
