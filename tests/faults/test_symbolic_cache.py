"""Defect 3 of issue 9: a transient "no worker free in time" must not be cached as the verdict.

The pairs hold function applications (``f(x) + 1`` vs ``1 + f(x)``): the in-process rules of issue
10 (the numeric identity test, also item by item inside tuples) leave those to the worker, so these
need the worker to be decided."""

from __future__ import annotations

import pytest

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.sandbox import Outcome


class _BusyRunner:
    """A runner whose pool is saturated: every call waits for a worker and gives up."""

    calls = 0

    def run(self, fn, *args, timeout):
        _BusyRunner.calls += 1
        return Outcome(ok=False, error="no worker free in time", timed_out=True)

    def run_many(self, fn, args_list, timeout_each):
        return [self.run(fn, *args, timeout=timeout_each) for args in args_list]


@pytest.fixture(autouse=True)
def _fresh_cache():
    mathrule._VERDICTS.clear()
    yield
    mathrule._VERDICTS.clear()


class TestSymbolicCache:
    def test_busy_pool_timeout_is_not_cached(self, monkeypatch):
        # Under load the pair comes back undecided; once the pool is idle it must be decided.
        real = mathrule.shared_runner
        monkeypatch.setattr(mathrule, "shared_runner", lambda: _BusyRunner())
        busy = mathrule.compare_math("f(x) + 1", "1 + f(x)", timeout=1.0)
        assert busy.equal is None and "timed out" in (busy.reason or "")
        monkeypatch.setattr(mathrule, "shared_runner", real)
        assert mathrule.compare_math("f(x) + 1", "1 + f(x)", timeout=10.0).equal is True

    def test_batch_path_does_not_cache_timeouts(self, monkeypatch):
        real = mathrule.shared_runner
        pairs = [("f(x) + 1", "1 + f(x)"), ("f(x) + 2", "2 + f(x)")]
        monkeypatch.setattr(mathrule, "shared_runner", lambda: _BusyRunner())
        assert [c.equal for c in mathrule.compare_math_many(pairs, timeout=1.0)] == [None, None]
        monkeypatch.setattr(mathrule, "shared_runner", real)
        assert [c.equal for c in mathrule.compare_math_many(pairs, timeout=10.0)] == [True, True]

    def test_decided_verdicts_are_cached(self, monkeypatch):
        # The cache still saves the worker round trip for a decided pair.
        assert mathrule.compare_math("f(x) + 1", "1 + f(x)", timeout=10.0).equal is True
        _BusyRunner.calls = 0
        monkeypatch.setattr(mathrule, "shared_runner", lambda: _BusyRunner())
        assert mathrule.compare_math("f(x) + 1", "1 + f(x)", timeout=1.0).equal is True
        assert _BusyRunner.calls == 0
