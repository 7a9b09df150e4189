"""Defect 6 of issue 9 at the sandbox layer: cancelled symbolic work stops at once (the worker busy
with it is killed, queued items are never sent)."""

from __future__ import annotations

import time

import pytest

from hymar.rewards.cancel import CancelToken, cancellable
from hymar.rewards.rules.sandbox import BoundedRunner


@pytest.fixture
def runner():
    r = BoundedRunner(max_workers=1)
    assert r.warm(30)
    yield r
    r.close()


class TestCancellation:
    def test_cancelled_batch_stops_within_milliseconds(self, runner):
        start = time.monotonic()
        with cancellable(CancelToken(deadline=start + 0.3, reason="request timed out")):
            outcomes = runner.run_many(time.sleep, [(5,)] * 10, timeout_each=2.0)
        elapsed = time.monotonic() - start
        assert elapsed < 1.0, f"took {elapsed:.2f} s: the remaining items ran on"
        assert all(not o.ok for o in outcomes)
        assert all("cancelled" in (o.error or "") for o in outcomes)
        assert not any(o.timed_out for o in outcomes)  # not the input's fault: never cached as a timeout

    def test_cancel_from_another_thread_kills_the_busy_worker(self, runner):
        import threading

        token = CancelToken()
        threading.Timer(0.2, token.cancel).start()
        start = time.monotonic()
        with cancellable(token):
            outcome = runner.run(time.sleep, 5, timeout=10.0)
        assert time.monotonic() - start < 1.0 and "cancelled" in (outcome.error or "")
        assert runner.run(pow, 2, 5, timeout=10.0).value == 32  # a fresh worker serves the next call

    def test_already_cancelled_token_sends_nothing(self, runner):
        token = CancelToken()
        token.cancel("client went away")
        with cancellable(token):
            outcome = runner.run(pow, 2, 3, timeout=5.0)
        assert not outcome.ok and "client went away" in outcome.error

    def test_no_token_no_change(self, runner):
        assert runner.run(pow, 2, 10, timeout=5.0).value == 1024
