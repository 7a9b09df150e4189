"""Cached, timed stages of `hymar demo`: a stage whose folder holds a matching marker is skipped.

Each stage writes ``<folder>/demo_stage.json`` when it finishes: the stage's key (a hash of the
settings it depends on, upstream keys included) and its wall time. A rerun with the same key reuses
the folder (and reports the recorded time); a different key or ``fresh`` reruns it. A stage that
crashed midway left no marker, so it reruns.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from hymar.atomic import atomic_write_text

MARKER = "demo_stage.json"


def stage_key(parts: Mapping[str, Any]) -> str:
    """A short stable hash of JSON-serialisable ``parts`` (sorted keys)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class StageRunner:
    """Runs stages, skipping finished ones, printing one progress line per stage.

    Args:
        fresh: rerun every stage even when its marker matches.
        stream: where progress lines go (default stderr, next to TRL's and tqdm's bars).
    """

    def __init__(self, *, fresh: bool = False, stream: TextIO | None = None):
        self.fresh = fresh
        self.stream = stream
        self.start = time.perf_counter()
        self.timings: dict[str, dict[str, Any]] = {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def log(self, message: str) -> None:
        """One progress line with the elapsed wall time of the whole demo."""
        print(f"[demo {self.elapsed():7.1f}s] {message}", file=self.stream or sys.stderr, flush=True)

    def run(self, name: str, folder: Path, key: str, fn: Callable[[Path], Any]) -> dict[str, Any]:
        """Run ``fn(folder)`` unless ``folder`` already holds this stage's marker with ``key``.

        Args:
            name: label for progress lines and timings.
            folder: the stage's output folder (cleared before a rerun).
            key: `stage_key` of everything the stage depends on.
            fn: does the work; may return a JSON-serialisable summary, stored in the marker.

        Returns:
            The marker: {"key", "seconds", "cached", "summary"}.
        """
        marker_path = folder / MARKER
        if not self.fresh and marker_path.is_file():
            try:
                marker = json.loads(marker_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                marker = {}
            if marker.get("key") == key:
                marker["cached"] = True
                self.timings[name] = {"seconds": marker.get("seconds"), "cached": True}
                self.log(f"{name}: cached ({marker.get('seconds', 0):.1f}s when run)")
                return marker
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.log(f"{name}: start")
        began = time.perf_counter()
        summary = fn(folder)
        seconds = round(time.perf_counter() - began, 2)
        marker = {"key": key, "seconds": seconds, "summary": summary}
        # the marker says "this folder is complete": atomic, so a kill never leaves a half marker
        atomic_write_text(marker_path, json.dumps(marker, indent=2, default=str) + "\n")
        marker["cached"] = False
        self.timings[name] = {"seconds": seconds, "cached": False}
        self.log(f"{name}: done in {seconds:.1f}s")
        return marker
