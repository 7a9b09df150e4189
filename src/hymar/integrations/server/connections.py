"""A request-header deadline for uvicorn's h11 connections: idle or trickling clients are dropped.

uvicorn (0.55) arms a keep-alive timer only *after* a response, and any byte received cancels it; a
connection that sends nothing, or sends its headers one byte every few seconds (slowloris), is held
forever, before the app (and so the token check) ever sees it: 1,000 such connections hold 1,000 file
descriptors. `HeaderDeadlineProtocol` closes a connection whose request headers are not complete
``header_timeout`` seconds after the connection opened or its previous response finished. Bytes that
arrive meanwhile do not extend the deadline. The body has its own deadline, in the app
(`hymar.integrations.server.limits.read_body`), so a stalled body gets a 408 answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for each request's headers (``header_timeout`` s)."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the request line and headers are in
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # waiting for the next request on a kept-alive connection: its headers get a fresh deadline
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.transport.close()


def protocol_with_deadline(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """A `HeaderDeadlineProtocol` subclass with this server's header deadline (uvicorn takes a class)."""
    return type("HymarH11Protocol", (HeaderDeadlineProtocol,), {"header_timeout": float(header_timeout)})
