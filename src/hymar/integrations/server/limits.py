"""Request limits: bearer-token check, body size cap, and admission (bounded concurrency + queue).

All of it runs on the event loop thread, so the counters need no lock.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Mapping

from starlette.requests import Request

from hymar.integrations.server.protocol import RequestError


def authorize(headers: Mapping[str, str], token: str | None) -> None:
    """Check ``Authorization: Bearer <token>`` (RFC 6750) in constant time.

    Args:
        headers: the request headers (case-insensitive mapping).
        token: the expected token; None disables the check.
    Raises:
        RequestError: 401 with ``WWW-Authenticate: Bearer`` (and ``error="invalid_token"`` when a
            token was sent but is wrong).
    """
    if token is None:
        return
    value = headers.get("authorization")
    if value is None:
        raise RequestError(401, "missing bearer token (send 'Authorization: Bearer <token>')", {"WWW-Authenticate": "Bearer"})
    scheme, _, given = value.partition(" ")
    # compare_digest on bytes: constant time in the token's content, whatever the header holds
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), token.encode("utf-8")):
        raise RequestError(401, "invalid bearer token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def read_body(request: Request, max_bytes: int, timeout: float | None = None) -> bytes:
    """The request body, refusing more than ``max_bytes`` before it is all read.

    A declared Content-Length over the limit is refused without reading anything; a body without
    one (chunked) or that lies about it is counted while it streams in and refused at the first
    chunk past the limit. The whole body must arrive within ``timeout`` seconds (None: no limit), so
    a client that stalls mid-body cannot hold the connection.

    Raises:
        RequestError: 413 when the body is too large, 400 for a malformed Content-Length, 408 when it
            did not arrive in time.
    """
    if timeout is None:
        return await _read_body(request, max_bytes)
    try:
        async with asyncio.timeout(timeout):
            return await _read_body(request, max_bytes)
    except TimeoutError:
        raise RequestError(408, f"request body not received within {timeout:.3g} s", {"Connection": "close"}) from None


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise RequestError(400, f"malformed Content-Length header: {declared[:40]!r}") from None
        if size > max_bytes:
            raise RequestError(413, f"body of {size} bytes exceeds this server's limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_bytes:
            raise RequestError(413, f"body exceeds this server's limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class Admission:
    """At most ``max_concurrency`` requests scoring and ``max_queue`` waiting; beyond that, 503.

    A slot is held from `enter` until `release`; the caller releases when the scoring work has
    really finished (a timed-out thread keeps its slot until it returns, so the server never runs
    more scoring threads than it has slots).

    Args:
        max_concurrency: slots.
        max_queue: waiting requests allowed.
        retry_after: seconds advertised in the 503's Retry-After header.
    """

    def __init__(self, max_concurrency: int, max_queue: int, retry_after: int = 1) -> None:
        self.max_concurrency = max_concurrency
        self.max_queue = max_queue
        self.retry_after = retry_after
        self.running = 0
        self.waiting = 0
        self._slots = asyncio.Semaphore(max_concurrency)

    async def enter(self, timeout: float) -> None:
        """Wait for a slot.

        Raises:
            RequestError: 503 when the queue is full, 504 when no slot frees up within ``timeout``.
        """
        if self.running + self.waiting >= self.max_concurrency + self.max_queue:
            raise RequestError(
                503,
                f"server busy: {self.running} requests scoring and {self.waiting} queued (limit {self.max_queue}); retry later",
                {"Retry-After": str(self.retry_after)},
            )
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError:
            raise RequestError(504, f"request timed out after {timeout:.3g} s waiting for a free scoring worker") from None
        finally:
            self.waiting -= 1
        self.running += 1

    def release(self) -> None:
        """Give a slot back (call exactly once per successful `enter`)."""
        self.running -= 1
        self._slots.release()
