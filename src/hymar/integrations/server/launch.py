"""Run the reward server with uvicorn: graceful SIGINT/SIGTERM, loopback warning, optional warm-up."""

from __future__ import annotations

import signal
import sys
from typing import Any

from hymar.integrations.server.settings import ServeSettings
from hymar.rewards.types import Reward


def exposure_warning(settings: ServeSettings) -> str | None:
    """The stderr warning for a server bound off loopback without a token, else None."""
    if settings.is_loopback or settings.token is not None:
        return None
    return (
        f"hymar serve: WARNING: listening on {settings.host} without a token: anyone who can reach this port "
        "can use the reward server. Set HYMAR_SERVE_TOKEN (or --token), or bind 127.0.0.1."
    )


def uvicorn_config(app: Any, settings: ServeSettings, log_level: str = "info") -> Any:
    """The uvicorn config: graceful shutdown waits ``shutdown_timeout`` s for in-flight requests."""
    import uvicorn

    from hymar.integrations.server.connections import protocol_with_deadline

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        server_header=False,
        # a slow client must not hold a connection open forever between requests, nor before its first
        # request's headers are in (uvicorn has no header timeout of its own)
        timeout_keep_alive=5,
        http=protocol_with_deadline(settings.header_timeout),
    )


def serve(reward: Reward, settings: ServeSettings, log_level: str = "info") -> None:
    """Serve ``reward`` until SIGINT/SIGTERM; in-flight requests finish before this returns.

    Call from the main thread (signal handlers can only be installed there).

    Args:
        reward: the reward to serve.
        settings: server options.
        log_level: uvicorn's log level.
    """
    import uvicorn

    from hymar.integrations.server.app import create_app

    warning = exposure_warning(settings)
    if warning:
        print(warning, file=sys.stderr)
    server = uvicorn.Server(uvicorn_config(create_app(reward, settings), settings, log_level))
    # uvicorn re-raises the signal that stopped it once it has shut down gracefully; with the default
    # handlers that kills the process (SIGTERM) or prints a KeyboardInterrupt traceback (SIGINT). The
    # shutdown was asked for and completed, so those late signals are swallowed and the exit code is 0.
    previous = {sig: signal.signal(sig, _ignore_late_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore_late_signal(signum: int, frame: Any) -> None:
    return None
