"""The TRL adapter's per-batch memo: one scoring per step, shared by the total and its K views.

`SameArguments` finds the step's result by the identity of the lists TRL hands every reward function;
`BatchCache` (keyed by `batch_key`, a hash of the batch's content) is the fallback and makes concurrent
callers (async views gathered on TRL's event loop) wait for one computation instead of repeating it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hymar.rewards.types import RewardResult, Sample

#: kwargs TRL adds that are not dataset columns; they never reach Sample.metadata or a batch's identity
TRAINER_KWARGS = frozenset({"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"})


def prompt_key(sample: Sample, fingerprints: dict[int, bytes] | None = None) -> str:
    """Stable identity of a sample's prompt: sha1 of (prompt text, gold answer, image fingerprints).

    hashlib rather than ``hash()`` so the key is the same in every process (str hashing is salted).
    Images count because multimodal prompts often share their text ("How many ...?").

    Args:
        sample: the rollout.
        fingerprints: a memo ``id(image) -> fingerprint`` for one batch, whose images stay alive
            while it is used: TRL repeats one image object over the rollouts of its prompt, so a
            batch hashes each image once instead of once per rollout.
    """
    h = hashlib.sha1()
    for part in (sample.prompt_text, "" if sample.answer is None else sample.answer):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    for image in sample.images:
        if fingerprints is None:
            h.update(_image_fingerprint(image))
        else:
            known = fingerprints.get(id(image))
            if known is None:
                known = fingerprints[id(image)] = _image_fingerprint(image)
            h.update(known)
        h.update(b"\x1e")
    return h.hexdigest()[:16]


def _image_fingerprint(image: Any) -> bytes:
    if isinstance(image, (str, os.PathLike)):
        return os.fspath(image).encode("utf-8", "surrogatepass")
    tobytes = getattr(image, "tobytes", None)  # PIL images and numpy arrays: hash the pixels
    if callable(tobytes):
        meta = f"{getattr(image, 'mode', '')}{getattr(image, 'size', '')}{getattr(image, 'shape', '')}"
        return hashlib.sha1(meta.encode() + tobytes()).digest()
    return repr(image).encode("utf-8", "replace")


@dataclass
class _Entry:
    done: threading.Event = field(default_factory=threading.Event)
    result: RewardResult | None = None
    error: BaseException | None = None


class BatchCache:
    """Compute-once map from a batch key to its `RewardResult`, shared by a total and its views.

    The first caller for a key computes in its own (already running) thread; later callers wait on the
    entry's event. Because the waiting is only ever on a thread that is running, no order of TRL calls
    (sync views before an async total, gathered coroutines in worker threads) can deadlock. Bounded LRU.
    Pickles empty: locks and events cannot cross processes, and a result is only useful in-process.
    """

    def __init__(self, maxsize: int = 8):
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get_or_compute(self, key: str, compute: Callable[[], RewardResult]) -> RewardResult:
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if owner:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if owner:
            try:
                entry.result = compute()
            except BaseException as err:
                entry.error = err
                with self._lock:  # let a later call retry instead of replaying the failure forever
                    if self._entries.get(key) is entry:
                        del self._entries[key]
                raise
            finally:
                entry.done.set()
        else:
            entry.done.wait()
            if entry.error is not None:
                raise entry.error
        assert entry.result is not None
        return entry.result

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> dict[str, Any]:
        return {"maxsize": self.maxsize}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["maxsize"])


class SameArguments:
    """The last batch's result, found by the identity of TRL's argument lists.

    TRL calls every reward function of a step with the same ``prompts``, ``completions`` and column
    list objects, so the total and its K views can find the batch's result without rebuilding K+1
    times every `Sample` and hashing every image. The lists are held (strong references), so their
    ids cannot be reused by other objects while they are remembered. A call with other lists (another
    step, or a caller that copies) falls back to the content hash (`batch_key`). The completions are
    compared element by element too (cheap: the same string objects), so a caller that refills a list
    in place is not answered from the previous batch.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[tuple[Any, ...], tuple[Any, ...], Any, RewardResult] | None = None

    @staticmethod
    def _arguments(prompts: Any, completions: Any, columns: Mapping[str, Any]) -> tuple[Any, ...]:
        listed = tuple(sorted((k, v) for k, v in columns.items() if k not in TRAINER_KWARGS and isinstance(v, list)))
        return (prompts, completions, *listed)

    def get(self, prompts: Any, completions: Any, columns: Mapping[str, Any], step: Any) -> RewardResult | None:
        with self._lock:
            last = self._last
        if last is None:
            return None
        arguments, contents, last_step, result = last
        current = self._arguments(prompts, completions, columns)
        if last_step != step or len(current) != len(arguments) or tuple(completions) != contents:
            return None
        same = all(a is b for a, b in zip(arguments[:2], current[:2])) and all(
            ka == kb and va is vb for (ka, va), (kb, vb) in zip(arguments[2:], current[2:])
        )
        return result if same else None

    def put(self, prompts: Any, completions: Any, columns: Mapping[str, Any], step: Any, result: RewardResult) -> None:
        with self._lock:
            self._last = (self._arguments(prompts, completions, columns), tuple(completions), step, result)

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()


def batch_key(samples: Sequence[Sample], step: Any) -> str:
    """A hash of the batch's content at ``step`` (prompts, images, completions, golds, constraints)."""
    h = hashlib.sha1(repr(step).encode())
    fingerprints: dict[int, bytes] = {}
    for s in samples:
        fields = (prompt_key(s, fingerprints), s.completion, s.reference or "", s.task or "", repr(s.constraints))
        for part in fields:
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()
