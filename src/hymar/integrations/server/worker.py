"""Scoring off the event loop: a thread pool of N workers, admission, deadlines, and the reward lock.

Each request's whole CPU work (JSON decode, sample building, the reward call, JSON encode) runs in a
worker thread so the event loop only moves bytes and answers /health, 503s and 504s at once. When the
reward is not thread-safe (see `hymar.integrations.server.safety`), the reward call itself, and only
it, is serialised through one lock.

A request that passes its deadline gets a 504 at once, and its work is cancelled: every request runs
under a `hymar.rewards.cancel.CancelToken` whose deadline is the request's, so components not yet
started are skipped and its remaining symbolic comparisons are dropped (the one running is killed).
A request's work is thereby bounded by ``request_timeout`` plus the time to finish the one
uninterruptible call in progress (a model forward pass, a judge request, the rule verifier's bounded
fast path). The thread keeps its slot until it has really returned (the server never runs more
scoring threads than ``max_concurrency``).

Each request also runs in its own `hymar.rewards.guard.fault_scope` (the client's connection), so
failures one client provokes can open only that client's circuit breakers, never other clients'.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from hymar.integrations.server.limits import Admission
from hymar.integrations.server.protocol import RequestError
from hymar.integrations.server.safety import reward_is_thread_safe
from hymar.integrations.server.settings import ServeSettings
from hymar.rewards.cancel import CancelToken, cancellable
from hymar.rewards.guard import fault_scope
from hymar.rewards.types import Reward, RewardResult, Sample

T = TypeVar("T")


class ScoringPool:
    """The reward, its lock (when needed), the worker threads and the admission counters.

    Args:
        reward: a `HybridReward` or any object with ``component_names`` and ``__call__(samples, groups)``.
        settings: the server settings (concurrency, queue, timeout, serialize policy).
    """

    def __init__(self, reward: Reward, settings: ServeSettings) -> None:
        self.reward = reward
        self.settings = settings
        safe, self.safety_reason = reward_is_thread_safe(reward)
        self.thread_safe = safe
        self.serialized = settings.serialize == "always" or (settings.serialize == "auto" and not safe)
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._admission: Admission | None = None

    @property
    def admission(self) -> Admission:
        # created on first use, inside the running event loop
        if self._admission is None:
            s = self.settings
            self._admission = Admission(s.max_concurrency, s.max_queue, s.retry_after)
        return self._admission

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.settings.max_concurrency, thread_name_prefix="hymar-serve")
        return self._executor

    def call_reward(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> RewardResult:
        """The reward on one batch, under the lock when the reward is not thread-safe."""
        if self.serialized:
            with self._lock:
                return self.reward(samples, groups)
        return self.reward(samples, groups)

    async def run(self, work: Callable[[], T], scope: Hashable = None) -> T:
        """Run ``work`` in a worker thread under admission and the request deadline.

        Args:
            work: the request's whole CPU work.
            scope: the fault scope of the client (its breaker state is kept apart from others').
        Raises:
            RequestError: 503 (queue full), 504 (deadline passed), or whatever ``work`` raises.
        """
        timeout = self.settings.request_timeout
        start = time.monotonic()
        token = CancelToken(deadline=start + timeout, reason=f"request timed out after {timeout:.3g} s")
        admission = self.admission
        await admission.enter(timeout)
        loop = asyncio.get_running_loop()

        def job() -> T:
            with cancellable(token), fault_scope(("client", scope)):
                return work()

        try:
            future: Future[T] = self.executor.submit(job)
        except RuntimeError:  # executor shut down: the server is stopping
            admission.release()
            raise RequestError(503, "server is shutting down", {"Retry-After": str(self.settings.retry_after)}) from None
        # the slot is freed when the thread is done, not when the client stops waiting
        future.add_done_callback(lambda _: _call_soon(loop, admission.release))
        remaining = max(0.0, timeout - (time.monotonic() - start))
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), remaining)
        except TimeoutError:
            token.cancel()  # the deadline has passed anyway; this also covers a clock a hair behind
            raise RequestError(504, f"request timed out after {timeout:.3g} s (the server's --request-timeout)") from None
        except asyncio.CancelledError:
            token.cancel("the client went away")  # nobody will read the answer: stop the work
            raise

    def stats(self) -> dict[str, int]:
        """In-flight and queued request counts."""
        admission = self._admission
        return {
            "in_flight": admission.running if admission else 0,
            "queued": admission.waiting if admission else 0,
        }

    def close(self) -> None:
        """Stop the worker threads (running work finishes; nothing new starts)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], Any]) -> None:
    try:
        loop.call_soon_threadsafe(callback)
    except RuntimeError:  # the loop is closed: the server has stopped, nothing left to release
        pass
