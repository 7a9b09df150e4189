"""Where an output path points, and how to write there without harming what is there.

The atomic recipe (temporary file + rename, `hymar.atomic`) is right for a regular file and wrong for
anything else: renaming over a FIFO, a device or a symlink puts a regular file in its place (as root,
``-o /dev/null`` would replace /dev/null). So:

- ``-``: standard output;
- a symlink is **followed**: the link stays, and its target is written by these same rules (a
  dangling link creates its target);
- a FIFO or a character/block device (``/dev/null``, ``/dev/stdout``) is opened and written directly:
  there is nothing to keep atomic, and a reader of a FIFO sees the lines as they come;
- a regular file, or a path that does not exist yet, is written atomically: a reader (or the next
  run) sees the old content or the whole new one;
- a directory, a socket, a missing or non-directory parent, or a folder we cannot write into is an
  `OutputError` naming the path, raised by `check_output` before any work is done where possible.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
    >>> write_output(path, b'{"id": 1}\\n')
    >>> open(path).read()
    '{"id": 1}\\n'
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from hymar.atomic import atomic_write


class OutputError(Exception):
    """The output cannot be written; the message names the path and says why."""


def resolve_output(path: str | os.PathLike[str]) -> Path:
    """The path that will really be written: symlinks followed (all of them, in the chain)."""
    return Path(os.path.realpath(os.fspath(path)))


def check_output(path: str | os.PathLike[str]) -> None:
    """Refuse an output that cannot be written, before any scoring is done.

    Raises:
        OutputError: the path is a directory or a socket, its parent is not a directory, or the folder
            a new file would go into is not writable.
    """
    if os.fspath(path) == "-":
        return
    target = resolve_output(path)
    shown = _shown(path, target)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise OutputError(f"cannot write {shown}: {err.strerror}") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputError(f"cannot write {shown}: it is a directory")
        if stat.S_ISSOCK(mode):
            raise OutputError(f"cannot write {shown}: it is a socket")
        if not stat.S_ISREG(mode):
            return  # FIFO or device: opened and written directly
    folder = _existing_ancestor(target.parent)
    if not folder.is_dir():
        raise OutputError(f"cannot write {shown}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {shown}: the folder {folder} is not writable")


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` by the rules of the module docstring.

    Raises:
        OutputError: naming the path, for any failure to write it (the OSError's reason included).
    """
    if os.fspath(path) == "-":
        buffer = getattr(sys.stdout, "buffer", None)  # None when stdout was replaced by a text stream
        if buffer is not None:
            sys.stdout.flush()
            buffer.write(data)
            buffer.flush()
        else:
            sys.stdout.write(data.decode("utf-8", "surrogateescape"))
            sys.stdout.flush()
        return
    check_output(path)
    target = resolve_output(path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with open(target, "wb") as handle:  # FIFO / device: no temporary file, no rename
                handle.write(data)
        else:
            atomic_write(target, lambda handle: handle.write(data))
    except OSError as err:
        raise OutputError(f"cannot write {_shown(path, target)}: {err.strerror or err}") from None


def _existing_ancestor(folder: Path) -> Path:
    """The nearest folder that exists (missing parents are created on write)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _shown(path: str | os.PathLike[str], target: Path) -> str:
    given = os.fspath(path)
    return given if os.path.abspath(given) == str(target) else f"{given} (-> {target})"
