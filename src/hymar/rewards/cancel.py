"""Cancelling scoring work nobody waits for any more (a server request past its deadline).

A thread cannot be stopped from outside, so cancellation is cooperative: the caller installs a
`CancelToken` for the current context with `cancellable`, and the layers that can spend real time
check `current_token()`:

- `hymar.rewards.guard.ComponentGuard` does not start a component once the token is cancelled (its
  scores are invalid, "cancelled: <reason>");
- the sandbox runner (`hymar.rewards.rules.sandbox`) answers its queued symbolic comparisons
  "cancelled" at once and kills a worker that is busy with one, so a timed-out request frees the
  symbolic pool within milliseconds instead of running its remaining samples to the end.

What it does not stop: work already inside one uninterruptible call (a model forward pass, one HTTP
judge request, the fast in-process part of the rule verifier, which its size limits keep short).

The token travels in a `contextvars.ContextVar`: it follows the code into ``asyncio.to_thread`` and
into `ComponentGuard`'s deadline threads (which copy the context), not into unrelated threads.

Example:
    >>> token = CancelToken(deadline=None)
    >>> with cancellable(token):
    ...     current_token() is token
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[CancelToken | None] = ContextVar("hymar_cancel_token", default=None)


class CancelToken:
    """Says whether the work of one request should stop.

    Args:
        deadline: a ``time.monotonic()`` instant after which the token counts as cancelled (None: only
            an explicit `cancel` cancels it).
        reason: the reason reported once cancelled by the deadline.
    """

    def __init__(self, deadline: float | None = None, reason: str = "deadline passed") -> None:
        self.deadline = deadline
        self._reason = reason
        self._event = threading.Event()

    def cancel(self, reason: str | None = None) -> None:
        """Cancel now (idempotent); ``reason`` replaces the default one."""
        if reason is not None and not self._event.is_set():
            self._reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        return self.deadline is not None and time.monotonic() >= self.deadline

    @property
    def reason(self) -> str:
        return self._reason


def current_token() -> CancelToken | None:
    """The token installed for the current context, or None (nothing can cancel this work)."""
    return _CURRENT.get()


def is_cancelled() -> bool:
    """True when the current context's work has been cancelled."""
    token = _CURRENT.get()
    return token is not None and token.cancelled


@contextmanager
def cancellable(token: CancelToken) -> Iterator[CancelToken]:
    """Install ``token`` for the code run inside the ``with`` block (this thread's context)."""
    reset = _CURRENT.set(token)
    try:
        yield token
    finally:
        _CURRENT.reset(reset)
