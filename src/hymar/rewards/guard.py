"""Fault isolation for one reward component: a time budget per batch and a circuit breaker.

A reward component that raises, hangs or whose backend is down must never stop training. `ComponentGuard`
wraps one component and turns every such fault into invalid scores for that batch (which the hybrid
combiner masks, never silently zeroes):

- **raise / wrong length**: the batch is invalid with the exception's name and message;
- **deadline** (``timeout_s``): the component runs in a daemon worker thread; when the deadline passes the
  batch is invalid ("timed out after X s"), the thread is abandoned (Python cannot kill a thread) and its
  late result discarded. While an abandoned call is still running the component is not called again
  (models and HTTP sessions are rarely safe to call twice at once, and this stops threads piling up):
  those batches are invalid ("busy");
- **circuit breaker** (``failure_threshold`` K, ``cooldown_s``): after K consecutive failed batches the
  component is skipped (samples invalid, "circuit open after K failures; retry in N s") until the cooldown
  ends; then one trial batch runs (half-open): success closes the circuit, failure re-opens it for another
  cooldown. So a judge endpoint that is down costs at most K failures, then one per cooldown.

What counts as a *failed* batch: only a fault of the component as a whole: it raised (including
`ComponentUnavailable`, which a component raises when its backend answered nothing, e.g. the HTTP judge
whose endpoint refuses every connection) or it ran past its deadline. Samples the component scored
*invalid* never count, not even a whole batch of them: an invalid score for a hostile completion (a NUL
byte, an over-long rollout) is the verifier working, and counting it let three hostile batches switch
the rule verifier off for everyone for a minute. "busy" batches do not count either: they are the
consequence of an earlier timeout that was already counted.

Who has a breaker: components whose failures say something about a backend (model components, the HTTP
judge, user components) get ``failure_threshold`` 3 by default; the built-in local components (rule
verifiers, instruction aspects, the length penalty) get none unless their config sets one: they are pure
functions of the sample and cannot be "down". See `default_failure_threshold`.

Scopes: breaker state is kept per *fault scope* (`fault_scope`), so one caller's failures cannot switch
a component off for another. A trainer or `hymar score` runs in the single default scope; the reward
server gives every client connection its own scope. At most `MAX_SCOPES` scopes are remembered (least
recently used dropped: a forgotten scope starts closed).

Cancellation: once the current `hymar.rewards.cancel` token is cancelled (a server request past its
deadline), a component is not started any more; its scores are invalid ("cancelled: ...") and nothing
is counted.

Opening and closing the circuit are logged once each (logger ``hymar.rewards.guard``, WARNING, which
reaches stderr even when logging is not configured).

Components without a ``timeout_s`` run inline in the caller's thread, so rule verifiers keep bounding
their own time (their sandbox processes); `default_timeout_s` gives network components (the LLM judge) a
deadline by default.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hymar.rewards.base import DEFAULT_FAILURE_THRESHOLD, RewardComponent
from hymar.rewards.cancel import current_token
from hymar.rewards.types import Sample, Score

logger = logging.getLogger(__name__)

JUDGE_DEFAULT_TIMEOUT_S = 120.0
"""Default batch deadline of the HTTP LLM judge (type ``judge``): two minutes covers a 64-rollout batch
at 4 concurrent requests of ~5 s each with room for a retry; a slower batch is better dropped than
waited for, since the trainer is blocked meanwhile."""

DEFAULT_COOLDOWN_S = 60.0
MAX_SCOPES = 1024
"""Breaker states remembered per guard (one per fault scope, least recently used dropped)."""


_SCOPE: contextvars.ContextVar[Hashable] = contextvars.ContextVar("hymar_fault_scope", default=None)


class ComponentUnavailable(Exception):
    """Raised by a component whose backend answered nothing for a whole batch (endpoint down).

    Counts as a failed batch for the circuit breaker; the message becomes every sample's invalid reason
    as it is (no "X failed:" prefix).
    """


@contextmanager
def fault_scope(key: Hashable) -> Iterator[None]:
    """Keep breaker state for the code inside the block under ``key`` (e.g. one server client)."""
    token = _SCOPE.set(key)
    try:
        yield
    finally:
        _SCOPE.reset(token)


@dataclass(frozen=True)
class GuardPolicy:
    """How one component is guarded.

    Args:
        timeout_s: seconds a batch may take (None = no deadline, run inline).
        failure_threshold: consecutive failed batches that open the circuit (>= 1); None = no breaker.
        cooldown_s: seconds the circuit stays open before a trial batch.
    """

    timeout_s: float | None = None
    failure_threshold: int | None = DEFAULT_FAILURE_THRESHOLD
    cooldown_s: float = DEFAULT_COOLDOWN_S

    def __post_init__(self) -> None:
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")
        if self.failure_threshold is not None and self.failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1 or None, got {self.failure_threshold}")
        if not self.cooldown_s >= 0:
            raise ValueError(f"cooldown_s must be >= 0, got {self.cooldown_s}")


def default_timeout_s(component: RewardComponent) -> float | None:
    """The deadline a component gets when its config sets no ``timeout_s``: its declared
    ``default_timeout_s`` (the HTTP judge: `JUDGE_DEFAULT_TIMEOUT_S`; None elsewhere: rules bound their
    own time, local models have none)."""
    declared = component.default_timeout_s
    return None if declared is None else float(declared)


def default_failure_threshold(component: RewardComponent) -> int | None:
    """The breaker threshold a component gets when its config sets no ``failure_threshold``: its
    declared ``default_failure_threshold``. The built-in rule verifiers, aspects and length penalty
    declare None: they run locally on the sample alone, so they cannot be "down", and their invalid
    scores are about the input. Everything else (model components, the judge, user components)
    inherits `DEFAULT_FAILURE_THRESHOLD`."""
    declared = component.default_failure_threshold
    return None if declared is None else int(declared)


class _Failure(Exception):
    """A failed batch (counted by the breaker); the message is the invalid reason."""


class _Skipped(Exception):
    """A batch not run for a reason that says nothing about the component (busy, cancelled)."""


@dataclass
class _Breaker:
    failures: int = 0
    open_until: float | None = None


class _Call:
    """One component call on a worker thread; holds its result or error for the waiting caller.

    Runs in a copy of the caller's context, so the cancel token and fault scope travel with it."""

    def __init__(self, fn: Callable[[], Any]):
        self.result: Any = None
        self.error: BaseException | None = None
        self._fn = fn
        self._context = contextvars.copy_context()
        self.thread = threading.Thread(target=self._context.run, args=(self._run,), name="hymar-reward-guard", daemon=True)

    def _run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller, who decides
            self.error = err


class ComponentGuard:
    """Run one component with a deadline and a circuit breaker; faults become invalid scores.

    Picklable: the component and policy travel, the run-time state (breakers, abandoned thread) starts fresh.

    Args:
        name: the component's name in the config (used in log lines).
        component: the component.
        policy: deadline and breaker settings.
        clock: monotonic seconds (a fake one in tests).
    """

    def __init__(self, name: str, component: RewardComponent, policy: GuardPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.component = component
        self.policy = policy or GuardPolicy()
        self.clock = clock
        self._reset_state()

    def _reset_state(self) -> None:
        self._lock = threading.Lock()
        self._breakers: OrderedDict[Hashable, _Breaker] = OrderedDict()
        self._abandoned: _Call | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "component": self.component, "policy": self.policy, "clock": self.clock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset_state()

    # The current scope's breaker state, for logs and tests.
    @property
    def failures(self) -> int:
        with self._lock:
            return self._breaker_locked().failures

    @property
    def open_until(self) -> float | None:
        with self._lock:
            return self._breaker_locked().open_until

    @property
    def is_open(self) -> bool:
        """True while the circuit of the current scope is open (the component is being skipped)."""
        with self._lock:
            until = self._breaker_locked().open_until
            return until is not None and self.clock() < until

    def score(self, samples: list[Sample], groups: list[Hashable], correct: Sequence[bool | None] | None = None) -> list[Score]:
        """Score a batch; never raises for a component fault.

        Args:
            samples: the batch.
            groups: group id per sample.
            correct: per-sample correctness for components with ``score_with_correctness``.
        Returns:
            One score per sample: the component's, or invalid ones with the fault's reason.
        """
        if not samples:
            return []
        token = current_token()
        if token is not None and token.cancelled:
            return [Score.invalid(f"cancelled: {token.reason}") for _ in samples]
        skip = self._skip_reason()
        if skip is not None:
            return [Score.invalid(skip) for _ in samples]
        try:
            result = self._run(samples, groups, correct)
        except _Skipped as err:
            return [Score.invalid(str(err)) for _ in samples]
        except _Failure as err:
            self._record(failed=True)
            return [Score.invalid(str(err)) for _ in samples]
        self._record(failed=False)
        return result

    # ------------------------------------------------------------------ internals
    def _breaker_locked(self) -> _Breaker:
        scope = _SCOPE.get()
        breaker = self._breakers.get(scope)
        if breaker is None:
            breaker = self._breakers[scope] = _Breaker()
            while len(self._breakers) > MAX_SCOPES:
                self._breakers.popitem(last=False)
        else:
            self._breakers.move_to_end(scope)
        return breaker

    def _skip_reason(self) -> str | None:
        if self.policy.failure_threshold is None:
            return None
        with self._lock:
            breaker = self._breaker_locked()
            if breaker.open_until is None:
                return None
            remaining = breaker.open_until - self.clock()
            if remaining > 0:
                k = self.policy.failure_threshold
                return f"circuit open after {k} failures; retry in {math.ceil(remaining)} s"
            return None  # cooldown over: this batch is the half-open trial

    def _record(self, *, failed: bool) -> None:
        threshold = self.policy.failure_threshold
        if threshold is None:
            return
        with self._lock:
            breaker = self._breaker_locked()
            if not failed:
                if breaker.open_until is not None:
                    logger.warning("reward component %r recovered; circuit closed", self.name)
                breaker.failures, breaker.open_until = 0, None
                return
            breaker.failures += 1
            trial = breaker.open_until is not None  # a failed half-open trial re-opens at once
            if trial or breaker.failures >= threshold:
                if not trial:
                    logger.warning(
                        "reward component %r failed %d batches in a row; skipping it for %g s (its scores are invalid)",
                        self.name, breaker.failures, self.policy.cooldown_s,
                    )
                breaker.open_until = self.clock() + self.policy.cooldown_s

    def _run(self, samples: list[Sample], groups: list[Hashable], correct) -> list[Score]:
        def call() -> list[Score]:
            if correct is not None:
                return self.component.score_with_correctness(samples, groups, correct)
            return self.component(samples, groups)

        timeout = self.policy.timeout_s
        if timeout is None:
            try:
                result = call()
            except Exception as err:  # noqa: BLE001 - a failing component must not take the training run down
                raise _Failure(self._describe(err)) from None
        else:
            result = self._run_with_deadline(call, timeout)
        try:
            result = list(result)
        except TypeError as err:
            raise _Failure(self._describe(err)) from None
        if len(result) != len(samples):
            raise _Failure(f"{type(self.component).__name__} failed: returned {len(result)} scores for {len(samples)} samples")
        return result

    def _run_with_deadline(self, call: Callable[[], list[Score]], timeout: float) -> list[Score]:
        with self._lock:
            if self._abandoned is not None and self._abandoned.thread.is_alive():
                raise _Skipped(f"busy: a call that timed out earlier is still running (timeout {timeout:g} s)")
            self._abandoned = None
        job = _Call(call)
        job.thread.start()
        job.thread.join(timeout)
        if job.thread.is_alive():
            with self._lock:
                self._abandoned = job  # its late result is never read
            raise _Failure(f"timed out after {timeout:g} s")
        if job.error is not None:
            if not isinstance(job.error, Exception):  # KeyboardInterrupt/SystemExit in the worker: re-raise
                raise job.error
            raise _Failure(self._describe(job.error))
        return job.result

    def _describe(self, err: BaseException) -> str:
        if isinstance(err, ComponentUnavailable):
            return str(err)[:300]
        return f"{type(self.component).__name__} failed: {type(err).__name__}: {str(err)[:200]}"
