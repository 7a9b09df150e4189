"""BoundedRunner: time limits that work from any thread, crash isolation, recovery, fork safety.

The worker functions are stdlib callables (picklable by reference and importable in any worker)."""

from __future__ import annotations

import ctypes
import os
import pickle
import subprocess
import sys
import threading
import time

import pytest

from hymar.rewards.cancel import CancelToken, cancellable
from hymar.rewards.rules.sandbox import BoundedRunner, Outcome, shared_runner


def _pid_and_square(k: int) -> tuple[int, int]:
    return os.getpid(), k * k


def _timed_nap(seconds: float) -> tuple[int, float, float]:
    start = time.time()
    time.sleep(seconds)
    return os.getpid(), start, time.time()


@pytest.fixture(scope="module")
def runner():
    r = BoundedRunner(max_workers=2, memory_limit=512 * 1024**2)
    assert r.warm(60.0), "workers did not start"
    yield r
    r.close()


class TestBoundedRunner:
    def test_returns_the_value(self, runner):
        assert runner.run(pow, 2, 10, timeout=5.0) == Outcome(ok=True, value=1024)

    def test_exception_becomes_error_outcome(self, runner):
        out = runner.run(int, "not a number", timeout=5.0)
        assert not out.ok and not out.timed_out
        assert out.error is not None and out.error.startswith("ValueError")

    def test_timeout_kills_and_next_call_works(self, runner):
        start = time.monotonic()
        out = runner.run(time.sleep, 30, timeout=0.5)
        elapsed = time.monotonic() - start
        assert out.timed_out and not out.ok
        assert elapsed < 1.5, f"took {elapsed:.2f}s for a 0.5s budget"
        assert runner.run(pow, 3, 3, timeout=10.0).value == 27

    def test_timeout_from_a_non_main_thread(self, runner):
        results: list[Outcome] = []
        t = threading.Thread(target=lambda: results.append(runner.run(time.sleep, 30, timeout=0.3)))
        start = time.monotonic()
        t.start()
        t.join(5.0)
        assert results and results[0].timed_out
        assert time.monotonic() - start < 1.5

    def test_worker_exit_is_reported_not_hung(self, runner):
        out = runner.run(os._exit, 3, timeout=5.0)
        assert not out.ok and not out.timed_out
        assert "worker died" in (out.error or "")
        assert runner.run(pow, 2, 2, timeout=10.0).value == 4

    def test_segfault_is_reported(self, runner):
        out = runner.run(ctypes.string_at, 0, timeout=5.0)  # reads address 0: SIGSEGV
        assert not out.ok and "worker died" in (out.error or "")
        assert runner.run(pow, 2, 3, timeout=10.0).value == 8

    def test_memory_cap_gives_memory_error(self, runner):
        out = runner.run(bytearray, 2 * 1024**3, timeout=10.0)  # over the 512 MiB cap
        assert not out.ok and out.error == "MemoryError"
        assert runner.run(pow, 2, 4, timeout=10.0).value == 16

    def test_unpicklable_function_is_an_error_not_a_crash(self, runner):
        out = runner.run(lambda: 1, timeout=5.0)
        assert not out.ok and "cannot send call" in (out.error or "")
        assert runner.run(pow, 2, 5, timeout=10.0).value == 32

    def test_unpicklable_result_is_an_error(self, runner):
        out = runner.run(threading.Lock, timeout=5.0)
        assert not out.ok and "cannot send result" in (out.error or "")

    def test_concurrent_calls_from_four_threads(self, runner):
        results: dict[int, Outcome] = {}

        def call(i: int) -> None:
            # one thread's call overruns; the others must still be answered correctly
            results[i] = runner.run(time.sleep, 30, timeout=0.3) if i == 0 else runner.run(pow, i, 2, timeout=10.0)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20.0)
        assert results[0].timed_out
        assert [results[i].value for i in (1, 2, 3)] == [1, 4, 9]

    def test_run_many_per_item_budget(self, runner):
        outs = runner.run_many(pow, [(2, 1), (2, 2), (2, 3)], timeout_each=5.0)
        assert [o.value for o in outs] == [2, 4, 8]

    def test_run_many_recovers_after_a_stuck_item(self, runner):
        outs = runner.run_many(time.sleep, [(0,), (30,), (0,)], timeout_each=0.4)
        assert [o.ok for o in outs] == [True, False, True]
        assert outs[1].timed_out

    def test_run_many_splits_a_batch_over_the_workers_in_order(self, runner):
        """Items are dealt round-robin to both workers, answered in the caller's order."""
        outs = runner.run_many(_pid_and_square, [(k,) for k in range(8)], timeout_each=5.0)
        assert [o.value[1] for o in outs] == [k * k for k in range(8)]
        pids = {o.value[0] for o in outs}
        assert len(pids) == 2, pids  # both workers answered part of the batch
        assert outs[0].value[0] == outs[2].value[0] != outs[1].value[0]  # round-robin shares

    def test_run_many_split_runs_shares_at_the_same_time(self, runner):
        outs = runner.run_many(_timed_nap, [(0.3,)] * 4, timeout_each=10.0)
        spans = {}
        for o in outs:
            pid, start, end = o.value
            lo, hi = spans.get(pid, (start, end))
            spans[pid] = (min(lo, start), max(hi, end))
        assert len(spans) == 2
        (a0, a1), (b0, b1) = spans.values()
        assert a0 < b1 and b0 < a1  # the two workers' shares overlapped in time

    def test_run_many_stuck_item_in_one_share_leaves_the_other_share(self, runner):
        outs = runner.run_many(time.sleep, [(30,), (0,), (0,), (0,)], timeout_each=0.4)
        assert outs[0].timed_out
        assert [o.ok for o in outs[1:]] == [True, True, True]

    def test_run_many_cancel_token_reaches_every_share(self, runner):
        token = CancelToken(deadline=time.monotonic() + 0.3, reason="request deadline")
        start = time.monotonic()
        with cancellable(token):
            outs = runner.run_many(time.sleep, [(30,)] * 4, timeout_each=60.0)
        assert time.monotonic() - start < 5.0
        assert all(not o.ok and "cancelled" in (o.error or "") for o in outs)
        assert runner.run(pow, 3, 2, timeout=10.0).value == 9  # killed workers were replaced

    def test_round_trip_overhead_is_small(self, runner):
        runner.run(pow, 1, 1, timeout=5.0)
        n = 200
        start = time.perf_counter()
        for _ in range(n):
            runner.run(pow, 2, 2, timeout=5.0)
        per_call = (time.perf_counter() - start) / n
        print(f"round trip per call: {per_call * 1e3:.3f} ms")
        assert per_call < 0.02


class TestLifecycle:
    def test_closed_runner_answers_without_hanging(self):
        r = BoundedRunner(max_workers=1)
        assert r.run(pow, 2, 2, timeout=30.0).value == 4
        r.close()
        out = r.run(pow, 2, 2, timeout=1.0)
        assert not out.ok and "closed" in (out.error or "")

    def test_spawn_start_method(self):
        r = BoundedRunner(max_workers=1, start_method="spawn")
        try:
            assert r.run(pow, 5, 2, timeout=30.0).value == 25
        finally:
            r.close()

    def test_outcome_is_picklable_and_frozen(self):
        out = Outcome(ok=True, value=3)
        assert pickle.loads(pickle.dumps(out)) == out
        with pytest.raises(AttributeError):
            out.ok = False  # type: ignore[misc]

    def test_shared_runner_is_one_per_process(self):
        assert shared_runner() is shared_runner()

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
    def test_forked_child_gets_its_own_runner(self, runner):
        parent_shared = shared_runner()
        assert runner.run(pow, 2, 2, timeout=10.0).ok  # the parent's pool is in use
        pid = os.fork()
        if pid == 0:  # child: must not touch the parent's workers or pipes
            code = 1
            try:
                child_shared = shared_runner()
                fresh = child_shared is not parent_shared
                ok_shared = child_shared.run(pow, 3, 4, timeout=60.0).value == 81
                ok_inherited = runner.run(pow, 2, 6, timeout=60.0).value == 64
                code = 0 if fresh and ok_shared and ok_inherited else 2
                child_shared.close()
                runner.close()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert runner.run(pow, 2, 7, timeout=10.0).value == 128  # the parent's pool still works


def test_worker_start_up_is_not_charged_to_the_first_call():
    # regression: the first symbolic comparison of a process used to time out, because starting the
    # fork server and warming its caches (~1-2 s) was counted against the call's 0.5-1 s budget
    code = (
        "from hymar.rewards.rules.math import compare_math\n"
        "c = compare_math('\\\\sqrt{8}', '2\\\\sqrt{2}', timeout=0.5)\n"
        "assert c.equal is True, c\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
