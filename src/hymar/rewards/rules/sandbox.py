"""Time-bounded function calls in long-lived worker processes, usable from any thread.

Why processes: signal.alarm (what math-verify uses for its timeouts) works only in the main thread
of the main interpreter, and TRL calls reward functions from an asyncio event-loop thread; a thread
cannot be stopped at all. A worker process can: when a call overruns, the parent SIGKILLs the worker
and answers ``Outcome(timed_out=True)``; a replacement worker is started in the background.

Design:
- a pool of at most ``max_workers`` processes, each with its own duplex Pipe; a caller checks out an
  idle worker under a lock, so concurrent callers never share a pipe;
- workers stay alive between calls, so imports (sympy: ~0.3-1 s) are paid once per worker; with the
  default "forkserver" start method the modules in ``preload`` are imported once in the fork server
  and every (re)started worker is forked from it in milliseconds;
- each worker caps its address space with RLIMIT_AS (``memory_limit`` bytes) and ignores SIGINT
  (Ctrl-C goes to the parent, which then closes the pool);
- a worker that dies (segfault, os._exit, MemoryError) gives ``Outcome(ok=False, error=...)``;
- results travel pickled; nothing is shared.

The worker process itself (its loop, memory cap and start-up plumbing: the security boundary) is
`hymar.rewards.rules.sandbox_worker`; this module is the parent's pool, deadlines and cancellation.

The deadline of `BoundedRunner.run` covers waiting for a free worker as well as the call itself, so a
call returns within ``timeout`` plus the time to kill a stuck worker (milliseconds), from any thread.
A cancelled `hymar.rewards.cancel` token of the calling context (a server request past its deadline)
ends a call early: queued items are answered "cancelled" without being sent, and a worker busy with
one is killed (checked every `_CANCEL_POLL` s). "cancelled" is not ``timed_out``: it says nothing
about the input.
The very first call of a process may have to wait for the pool to start (fork server boot and
imports, ~0.5-2 s); call `BoundedRunner.warm` beforehand when that matters.

Measured on the 2-core development machine: a round trip of a trivial call through the Pipe is
~0.04-0.06 ms; restarting a killed worker from a warm fork server and answering a call ~15 ms; the
first start of a pool (fork server, sympy + math-verify imports) ~0.3 s on an idle machine.
"""

from __future__ import annotations

import atexit
import contextvars
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakSet

from hymar.rewards.cancel import CancelToken, current_token
from hymar.rewards.rules.sandbox_worker import Worker, skip_main_import_for_workers

DEFAULT_MEMORY_LIMIT = 2 * 1024**3
# Starting a worker may import heavy modules on a loaded machine; this bounds a broken start.
_START_TIMEOUT = 60.0
# After a failed start, callers get an error at once for this long instead of respawning in a loop.
_START_RETRY_DELAY = 1.0
# How long a call may wait for a worker to start or free up. Not part of the call's own budget: a
# worker's start-up (fork server, sympy import, cache warm-up: ~1-2 s) has nothing to do with the
# input, and counting it made the first symbolic comparison of a process time out.
_ACQUIRE_TIMEOUT = 15.0
# How often a waiting call looks at its cancel token; the cost of cancelling late by this much is small.
_CANCEL_POLL = 0.05
# `BoundedRunner.run_many` splits a batch over the workers only when each gets at least this many
# items: below it, a second worker's pipe round trip and thread start cost more than they save.
_MIN_SHARE = 2
# How long close() waits for workers being started: a start cut off by the interpreter's exit leaves a
# forked child reading its start-up data from a closed pipe, which prints an EOFError traceback.
_CLOSE_JOIN_TIMEOUT = 5.0
# Modules the shared runner imports in its fork server / workers: the symbolic math stack.
SHARED_PRELOAD = ("sympy", "math_verify", "hymar.rewards.rules.math", "hymar.rewards.rules.symbolic_warmup")


@dataclass(frozen=True)
class Outcome:
    """Result of one bounded call.

    Attributes:
        ok: the function returned normally; ``value`` holds its (unpickled) return value.
        value: the return value when ok.
        error: why not ok (exception text, worker death, no worker available).
        timed_out: the call (or waiting for a worker) ran past its time budget.
    """

    ok: bool
    value: Any = None
    error: str | None = None
    timed_out: bool = False


class BoundedRunner:
    """A pool of worker processes that runs picklable top-level functions under a time limit.

    Args:
        max_workers: at most this many worker processes (and so concurrent calls).
        start_method: "forkserver" (default where available: fast restarts, modules preloaded once)
            or "spawn". In a process forked from one that already owns a fork server, the runner
            falls back to "spawn" (the inherited fork server belongs to the parent).
        preload: modules each worker imports before it reports ready (and the fork server preloads).
        memory_limit: RLIMIT_AS cap in bytes for each worker; None for no cap.

    Example:
        >>> runner = BoundedRunner(max_workers=1)
        >>> runner.run(pow, 2, 10, timeout=5.0).value
        1024
        >>> runner.close()
    """

    def __init__(
        self,
        max_workers: int = 1,
        start_method: str = "forkserver",
        *,
        preload: Sequence[str] = (),
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        if start_method not in multiprocessing.get_all_start_methods():
            start_method = "spawn"
        self.max_workers = max_workers
        self.start_method = start_method
        self.preload = tuple(preload)
        self.memory_limit = memory_limit
        self._reset_state()
        _RUNNERS.add(self)

    def _reset_state(self) -> None:
        # Fresh locks: after a fork the parent's lock may have been held by a thread that is gone.
        self._pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[Worker] = []
        self._live = 0  # idle + busy + starting
        self._closed = False
        self._starting: set[threading.Thread] = set()
        self._start_error: tuple[float, str] | None = None
        self._ctx = multiprocessing.get_context(self.start_method)
        skip_main_import_for_workers()
        if self.start_method == "forkserver":
            # Replaces the default ["__main__"] so the fork server does not import the main script
            # either. Only takes effect if the process's fork server is not running yet (it is global).
            self._ctx.set_forkserver_preload(list(self.preload))

    def _check_pid(self) -> None:
        if os.getpid() != self._pid:
            # Forked child: the workers and pipes belong to the parent; never touch them.
            self._reset_state()

    # -- public API -------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Outcome:
        """Call ``fn(*args)`` in a worker, giving up after ``timeout`` seconds.

        Args:
            fn: a picklable (module-level) function.
            *args: picklable arguments.
            timeout: seconds for running the call, counted once a worker has it (waiting for a
                worker to start or free up is bounded separately).

        Returns:
            An Outcome; never raises for failures of ``fn`` or of the worker.
        """
        return self._run_items(fn, [args], timeout)[0]

    def run_many(
        self, fn: Callable[..., Any], args_list: Iterable[Sequence[Any]], timeout_each: float
    ) -> list[Outcome]:
        """Call ``fn(*args)`` for each args in ``args_list``, the batch split over the pool.

        With ``max_workers`` > 1 and at least `_MIN_SHARE` items per worker, the items are dealt
        round-robin to up to ``max_workers`` shares, each sent in one message to its own worker from
        its own thread, so a batch uses every worker (and core) at once instead of one. Within a share
        each item has its own budget of ``timeout_each`` seconds counted from the previous item's
        answer; an item that overruns is answered timed_out, its worker killed, and the rest of its
        share goes on in a fresh worker.

        Args:
            fn: a picklable (module-level) function.
            args_list: one args tuple per call.
            timeout_each: seconds per item.

        Returns:
            One Outcome per item, in order.
        """
        items = [tuple(a) for a in args_list]
        if not items:
            return []
        shares = min(self.max_workers, len(items) // _MIN_SHARE)
        if shares <= 1:
            return self._run_items(fn, items, timeout_each)
        # round-robin, so that a run of slow items (one gold's rollouts) is spread over the workers
        dealt = [items[k::shares] for k in range(shares)]
        results: list[list[Outcome] | None] = [None] * shares

        def run_share(k: int) -> None:
            results[k] = self._run_items(fn, dealt[k], timeout_each)

        # each thread runs in a copy of this context, so the caller's cancel token reaches it
        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(run_share, k), name="hymar-sandbox-share", daemon=True)
            for k in range(1, shares)
        ]
        for thread in threads:
            thread.start()
        run_share(0)
        for thread in threads:
            thread.join()
        outcomes: list[Outcome] = [Outcome(ok=False, error="internal error: share not run")] * len(items)
        for k, share in enumerate(results):
            for j, outcome in enumerate(share or []):
                outcomes[k + j * shares] = outcome
        return outcomes

    def warm(self, wait: float = _START_TIMEOUT) -> bool:
        """Start all workers now; wait up to ``wait`` seconds for them. True when all are ready."""
        self._check_pid()
        deadline = time.monotonic() + wait
        with self._cond:
            while self._live < self.max_workers and not self._closed:
                self._start_in_background_locked()
            while len(self._idle) < self.max_workers and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self._start_error and self._live < self.max_workers):
                    return False
                self._cond.wait(remaining)
            return not self._closed

    def close(self) -> None:
        """Stop every worker, waiting for workers being started. Calls after close answer ok=False."""
        if os.getpid() != self._pid:
            return
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._live -= len(idle)
            starting = list(self._starting)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
        # A start finishes in milliseconds from a warm fork server; it then sees the runner closed and
        # kills its worker itself.
        for thread in starting:
            thread.join(_CLOSE_JOIN_TIMEOUT)

    # -- internals ----------------------------------------------------------------------------

    def _run_items(
        self, fn: Callable[..., Any], items: list[tuple[Any, ...]], budget: float
    ) -> list[Outcome]:
        self._check_pid()
        token = current_token()
        outcomes: list[Outcome] = []
        while len(outcomes) < len(items):
            if token is not None and token.cancelled:
                outcomes.extend(_cancelled(token) for _ in items[len(outcomes):])
                break
            worker, error = self._acquire(time.monotonic() + max(budget, _ACQUIRE_TIMEOUT), token)
            if worker is None:
                timed_out = error == "timeout"
                reason = "no worker free in time" if timed_out else error
                outcomes.append(Outcome(ok=False, error=reason, timed_out=timed_out))
                continue
            deadline = time.monotonic() + budget  # the call's own budget starts once it has a worker
            pending = items[len(outcomes):]
            try:
                worker.conn.send((len(pending), pickle.dumps((fn, pending), protocol=pickle.HIGHEST_PROTOCOL)))
            except Exception as exc:  # noqa: BLE001 - e.g. unpicklable fn or args
                self._release(worker, healthy=not isinstance(exc, (OSError, EOFError)))
                outcomes.append(Outcome(ok=False, error=f"cannot send call: {type(exc).__name__}: {exc}"))
                deadline = time.monotonic() + budget
                continue
            healthy = True
            for _ in pending:
                outcome = self._receive(worker, deadline, token)
                outcomes.append(outcome)
                deadline = time.monotonic() + budget
                if outcome.timed_out or (not outcome.ok and outcome.error and outcome.error.startswith(("worker died", "cancelled"))):
                    healthy = False
                    break
                if outcome.error == "MemoryError":  # the worker exits after a MemoryError
                    healthy = False
                    break
            self._release(worker, healthy=healthy)
        return outcomes

    def _receive(self, worker: Worker, deadline: float, token: CancelToken | None = None) -> Outcome:
        try:
            while True:
                remaining = max(0.0, deadline - time.monotonic())
                wait = remaining if token is None else min(remaining, _CANCEL_POLL)
                if worker.conn.poll(wait):
                    break
                if token is not None and token.cancelled:
                    return _cancelled(token)  # the caller kills the worker, stopping the call
                if wait >= remaining:
                    return Outcome(ok=False, error="timed out", timed_out=True)
            kind, value = worker.conn.recv()
        except (EOFError, OSError):
            return Outcome(ok=False, error=f"worker died (exit code {worker.exitcode()})")
        if kind == "ok":
            return Outcome(ok=True, value=value)
        return Outcome(ok=False, error=str(value))

    def _acquire(self, deadline: float, token: CancelToken | None = None) -> tuple[Worker | None, str]:
        with self._cond:
            while True:
                if self._closed:
                    return None, "runner is closed"
                if token is not None and token.cancelled:
                    return None, f"cancelled: {token.reason}"
                if self._idle:
                    return self._idle.pop(), ""
                if self._live < self.max_workers:
                    if self._start_error and time.monotonic() - self._start_error[0] < _START_RETRY_DELAY:
                        return None, f"cannot start a worker: {self._start_error[1]}"
                    self._start_in_background_locked()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None, "timeout"
                self._cond.wait(remaining if token is None else min(remaining, _CANCEL_POLL))

    def _release(self, worker: Worker, healthy: bool) -> None:
        if healthy:
            with self._cond:
                if not self._closed:
                    self._idle.append(worker)
                    self._cond.notify()
                    return
        # Kill outside the lock (join may take a moment), then replace the worker in the background.
        worker.kill()
        with self._cond:
            self._live -= 1
            if not self._closed and not healthy:
                self._start_in_background_locked()
            self._cond.notify_all()

    def _start_in_background_locked(self) -> None:
        self._live += 1
        thread = threading.Thread(target=self._start_worker, name="hymar-sandbox-start", daemon=True)
        self._starting.add(thread)
        thread.start()

    def _start_worker(self) -> None:
        try:
            self._start_worker_inner()
        finally:
            with self._cond:
                self._starting.discard(threading.current_thread())

    def _start_worker_inner(self) -> None:
        worker: Worker | None = None
        error: str | None = None
        try:
            worker = self._spawn()
            error = worker.wait_ready(_START_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - reported to waiting callers
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            if error is None and worker is not None and not self._closed:
                self._idle.append(worker)
                self._start_error = None
                self._cond.notify_all()
                return
            self._live -= 1
            if error is not None:
                self._start_error = (time.monotonic(), error)
            self._cond.notify_all()
        if worker is not None:
            worker.kill()

    def _spawn(self) -> Worker:
        try:
            return Worker(self._ctx, self.preload, self.memory_limit)
        except ChildProcessError:
            # The fork server was inherited from the process we were forked from: use spawn here.
            self._ctx = multiprocessing.get_context("spawn")
            return Worker(self._ctx, self.preload, self.memory_limit)


# ----------------------------------------------------------------------------------------------
# the process-wide runner

_SHARED: BoundedRunner | None = None
_SHARED_LOCK = threading.Lock()
SHARED_MAX_WORKERS = 2


def shared_runner() -> BoundedRunner:
    """The process-wide runner used by the math verifier: started lazily, thread-safe, re-created
    in a forked child (pid check), closed at exit. Its workers preload `SHARED_PRELOAD`."""
    global _SHARED, _SHARED_LOCK
    runner = _SHARED
    if runner is not None and runner._pid == os.getpid():
        return runner
    if runner is not None:  # forked child: the inherited lock may be held by a vanished thread
        _SHARED_LOCK = threading.Lock()
    with _SHARED_LOCK:
        if _SHARED is None or _SHARED._pid != os.getpid():
            _SHARED = BoundedRunner(max_workers=SHARED_MAX_WORKERS, preload=SHARED_PRELOAD)
        return _SHARED


def _cancelled(token: CancelToken) -> Outcome:
    return Outcome(ok=False, error=f"cancelled: {token.reason}")


# Every runner of the process, closed at exit (not only the shared one): a worker start left running
# when the interpreter exits makes the forked child print an EOFError traceback.
_RUNNERS: WeakSet[BoundedRunner] = WeakSet()


def _close_all() -> None:
    for runner in list(_RUNNERS):
        runner.close()


atexit.register(_close_all)
