"""Atomic file writes: a reader (or a later run) sees the old file or the whole new one, never a
truncated one, even when the writer is killed mid-write.

The recipe is the usual one: write a temporary file in the target's own folder (so the rename never
crosses file systems), flush and fsync it, then ``os.replace`` it over the target, which POSIX and
Windows perform atomically. Folders (checkpoints, saved models) get the same treatment through
`atomic_folder`: build under a temporary name, then rename.

A writer killed between creating its temporary file and the rename (SIGKILL, OOM, power) leaves that
file behind. Temporary names carry the writer's host and pid (``.NAME.<host>-<pid>.<random>.tmp``), so
the next write of the same target removes the ones whose writer is dead on this host, and only those:
a concurrent writer's file is never touched.

The temporary file is created with mode 0o666 minus the umask (what ``open()`` would give a new file) or,
when the target exists, with the target's permission bits, so replacing a file keeps its mode
(``tempfile.mkstemp`` would make every output 0600).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], None]) -> Path:
    """Produce ``path`` atomically with a writer of an open binary file (e.g. ``fig.savefig``).

    Args:
        path: the target file (its parent folder is created).
        write: called once with the temporary file, open for binary writing; must write the whole content.

    Returns:
        The target path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    fd, tmp = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove_stale_temporaries(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files of ``target`` left by writers of this host that are no longer alive.

    Returns:
        The files removed.
    """
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.([0-9a-f]{{6}})-(\d+)\.[0-9a-f]+\.tmp$")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.match(entry.name)
            if match is None or match.group(1) != _HOST or _alive(int(match.group(2))):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new temporary file next to ``target``: (fd, path), mode as the module docstring says."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666  # the umask applies, as for open()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{_HOST}-{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        if mode != 0o666:
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)  # the umask must not narrow an existing file's mode
        return fd, str(tmp)
    raise FileExistsError(f"cannot create a temporary file next to {target}")


def atomic_write_text(path: str | os.PathLike[str], text: str, *, errors: str = "strict") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; creates the parent folder.

    Args:
        path: the target file.
        text: its whole new content.
        errors: the encoder's error handler ("surrogateescape" keeps undecodable input bytes).

    Returns:
        The target path.
    """
    data = text.encode("utf-8", errors=errors)  # encode first: an unencodable text leaves no temp file
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_json(path: str | os.PathLike[str], data: Any, *, indent: int | None = 2) -> Path:
    """Write ``data`` as JSON (NaN and infinities refused: they are not JSON) atomically."""
    return atomic_write_text(path, json.dumps(data, indent=indent, allow_nan=False) + "\n")


@contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a folder under a temporary sibling name and rename it to ``path`` on success.

    An existing ``path`` is replaced only after the new folder is complete; on an exception the
    temporary folder is removed and ``path`` is left as it was.

    Yields:
        The temporary folder to write into.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)  # put the previous folder back rather than leave none
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
