"""The sandbox's worker process: the loop that runs untrusted-input calls, and the parent's handle on it.

This is the security boundary of the symbolic verifier (`hymar.rewards.rules.sandbox` runs the pool):
a worker caps its address space with RLIMIT_AS, ignores SIGINT, imports only the modules it is told
to preload, turns every failure of a call (an exception, an unpicklable result, MemoryError) into an
answer, and exits on EOF when its parent goes away; the parent SIGKILLs it when a call overruns.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Sequence
from typing import Any

_WORKER_NAME = "hymar-sandbox-worker"


def _worker_main(conn: Any, preload: Sequence[str], memory_limit: int | None) -> None:
    """Worker loop: receive (fn, [args, ...]), answer one message per item, until EOF or None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops starting
            conn.send(("init_error", f"import {name}: {type(exc).__name__}: {exc}"))
            return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # parent gone
            return
        if message is None:
            return
        # The call travels as (item count, pickled (fn, items)) so that a function the worker
        # cannot import still gets one error answer per item instead of killing the worker.
        n_items, payload = message
        try:
            fn, items = pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001
            for _ in range(n_items):
                conn.send(("err", f"cannot unpickle call: {type(exc).__name__}: {exc}"[:500]))
            continue
        for args in items:
            fatal = False
            try:
                reply: tuple[str, Any] = ("ok", fn(*args))
            except MemoryError:
                reply, fatal = ("err", "MemoryError"), True
            except BaseException as exc:  # noqa: BLE001 - every failure becomes an Outcome
                reply = ("err", f"{type(exc).__name__}: {exc}"[:500])
            try:
                conn.send(reply)
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable return value
                conn.send(("err", f"cannot send result: {type(exc).__name__}: {exc}"[:500]))
            if fatal:  # after a MemoryError the heap may be in a bad state: start afresh
                return


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, preload: Sequence[str], memory_limit: int | None) -> None:
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_worker_main,
            args=(child_conn, tuple(preload), memory_limit),
            name=_WORKER_NAME,
            daemon=True,
        )
        with _allow_children_of_daemon():
            self.proc.start()
        child_conn.close()

    def wait_ready(self, timeout: float) -> str | None:
        """None when the worker is ready, else why it is not."""
        try:
            if not self.conn.poll(timeout):
                return "worker start timed out"
            kind, detail = self.conn.recv()
        except (EOFError, OSError):
            return f"worker died during start (exit code {self.exitcode()})"
        return None if kind == "ready" else str(detail)

    def exitcode(self) -> int | None:
        self.proc.join(0.5)
        return self.proc.exitcode

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.join(1.0)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        """Ask politely, then kill."""
        with contextlib.suppress(Exception):
            self.conn.send(None)
            self.proc.join(0.2)
        self.kill()


def skip_main_import_for_workers() -> None:
    """Make our workers skip re-importing the parent's ``__main__``.

    spawn and forkserver children normally import the parent's main script (as ``__mp_main__``) so
    that functions defined there can be unpickled; a training script without an
    ``if __name__ == "__main__"`` guard would then run again inside every worker. Our workers only
    run functions from importable modules, so for processes named `_WORKER_NAME` (and only those)
    the main-module entries are dropped from the preparation data. Idempotent.
    """
    from multiprocessing import spawn

    original = spawn.get_preparation_data
    if getattr(original, "_hymar_skips_main", False):
        return

    def get_preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        if name == _WORKER_NAME:
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
        return data

    get_preparation_data._hymar_skips_main = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = get_preparation_data


@contextlib.contextmanager
def _allow_children_of_daemon() -> Any:
    """multiprocessing refuses to start processes from a daemonic process (e.g. a Pool worker).
    Our workers are safe there: they exit on EOF when their parent dies, so lift the flag briefly."""
    proc = multiprocessing.current_process()
    was_daemon = proc._config.get("daemon", False)  # type: ignore[attr-defined]
    if was_daemon:
        proc._config["daemon"] = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if was_daemon:
            proc._config["daemon"] = True  # type: ignore[attr-defined]
