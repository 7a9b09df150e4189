"""A real reward server on a free loopback port, in a background thread, for tests and benchmarks.

Example::

    with running_server(HybridReward.from_preset("rule-only")) as url:
        RemoteReward(url)([Sample(prompt="2+2?", completion="<answer>4</answer>", answer="4")])
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hymar.integrations.server.settings import ServeSettings
from hymar.rewards.types import Reward


@contextmanager
def running_server(
    reward: Reward, settings: ServeSettings | None = None, start_timeout: float = 30.0, log_level: str = "warning"
) -> Iterator[str]:
    """Serve ``reward`` with uvicorn in a daemon thread; yield its base URL; stop it on exit.

    Args:
        reward: the reward to serve.
        settings: server options; the host is forced to 127.0.0.1 and the port to a free one.
        start_timeout: seconds to wait for the server to listen.
        log_level: uvicorn's log level.
    Yields:
        ``http://127.0.0.1:<port>``.
    """
    import uvicorn

    from hymar.integrations.server.app import create_app
    from hymar.integrations.server.launch import uvicorn_config

    settings = dataclasses.replace(settings or ServeSettings(), host="127.0.0.1", port=0)
    server = uvicorn.Server(uvicorn_config(create_app(reward, settings), settings, log_level))
    thread = threading.Thread(target=server.run, name="hymar-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the reward server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(settings.shutdown_timeout + 5)
