"""Atomic file writes: a reader (or a later run) sees the old file or the whole new one, never a
truncated one, even when the writer is killed mid-write.

The recipe is the usual one: write a temporary file in the target's own folder (so the rename never
crosses file systems), flush and fsync it, then ``os.replace`` it over the target, which POSIX and
Windows perform atomically. Folders (checkpoints, saved models) get the same treatment through
`atomic_folder`: build under a temporary name, then rename.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO


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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
