"""Saved-model folders a loader can trust: an "in progress" marker while hymar writes one.

``save_pretrained`` writes a model folder file by file (config, weights shards, processor), so a run killed
mid-save leaves a folder that looks like a model. The folders `hymar train-rm` and the SFT recipe write also
hold other files (the tiny backbone, reports, TensorBoard logs), so renaming a whole temporary folder into
place (`hymar.atomic.atomic_folder`) does not fit. Instead, `saving` writes `SAVING_MARKER` before the
first byte and removes it after the last one: a folder that still holds the marker is incomplete, and
`check_complete` (called by loaders) refuses it with a clear error. Folders hymar did not write (a Hub
model) never hold the marker and load as before.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hymar.atomic import atomic_write_json

SAVING_MARKER = "hymar-saving.json"


class IncompleteModelError(RuntimeError):
    """A model folder whose save was interrupted."""


@contextmanager
def saving(folder: str | os.PathLike[str], *, by: str) -> Iterator[Path]:
    """Mark ``folder`` incomplete while the body writes it; unmark on success only.

    Args:
        folder: the model folder (created).
        by: what writes it (shown in the loader's error).
    Yields:
        The folder as a Path.
    """
    target = Path(folder)
    atomic_write_json(target / SAVING_MARKER, {"by": by, "started": time.strftime("%Y-%m-%dT%H:%M:%S")})
    yield target  # on an exception the marker stays: the folder is known to be incomplete
    (target / SAVING_MARKER).unlink(missing_ok=True)


def check_complete(folder: str | os.PathLike[str]) -> None:
    """Raise `IncompleteModelError` when ``folder`` holds `SAVING_MARKER`.

    Raises:
        IncompleteModelError: naming the folder and the writer, with what to do.
    """
    marker = Path(folder) / SAVING_MARKER
    if marker.is_file():
        raise IncompleteModelError(
            f"{folder} is incomplete: it was being written (marker {SAVING_MARKER}) when that run stopped; "
            "rerun the training that writes it, or delete the folder"
        )


def replace_via_temp(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Atomically produce ``path`` with a writer that only takes a file name (e.g. ``save_to_json``).

    Args:
        path: the target file.
        write: called with a temporary file name beside ``path``; must write the whole content there.
    Returns:
        The target path.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
