"""ms-swift adapter: a hymar reward as swift ORMs, the total and one reward function per component.

ms-swift's GRPO resolves ``--reward_funcs NAME ...`` in its ``orms`` registry (``swift.rewards.orms``;
``swift.plugin.orms`` in swift 3) and calls each ``ORM`` as ``orm(completions, **reward_kwargs)``, where
``reward_kwargs`` are the rollouts' dataset columns batched (``messages`` with the conversation,
``solution`` and the other columns, ``images``, ``prompt_id``) plus ``trainer_state``. It logs every
function by its class name and sums them with ``--reward_weights`` (``nansum``: NaN adds nothing).

`register_orms` adds to that registry:

- ``hymar``: the total (give it weight 1);
- ``hymar_<component>``: one per component, its value, NaN where it does not apply or is invalid, or
  where the total is undefined (give them weight 0: swift then logs each one and trains on the total).

All of them share one scoring per batch (the TRL adapter's cache, keyed by the batch and the trainer
step). Groups: rollouts with the same ``prompt_id`` (swift gives a prompt's ``num_generations``
rollouts one id); without ids, runs of the same prompt (`hymar.integrations.trl.infer_groups`).

Load it with ``--external_plugins`` pointing at `hymar.integrations.swift_plugin.PLUGIN` (a file in a
folder of its own: swift puts the plugin's folder on ``sys.path``, and hymar's integrations folder
holds modules named ``trl`` and ``verl`` that must not shadow the real packages). It registers the
reward named by ``$HYMAR_PRESET`` (a preset or a config path; default ``rule-only``).
``python -m hymar.integrations.swift PRESET`` prints the matching ``--reward_funcs`` and
``--reward_weights`` flags.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from typing import Any

from hymar.integrations.batch_cache import batch_key
from hymar.integrations.trl import ComponentView, HymarRewardFunction, build_samples
from hymar.rewards.types import RewardResult

TOTAL = "hymar"
PREFIX = "hymar_"
ENV_VAR = "HYMAR_PRESET"
DEFAULT_PRESET = "rule-only"
#: reward_kwargs that are swift's bookkeeping, not dataset columns
_SWIFT_KWARGS = frozenset({"messages", "prompt_id", "request_id", "finish_reason", "is_truncated", "rollout_infos",
                           "response_token_ids", "videos", "audios", "tools", "objects", "trajectory_inputs"})

_shared: dict[tuple[str, int | None], SwiftReward] = {}
_shared_lock = threading.Lock()


def _base_orm() -> type:
    """swift's ORM base class where swift is installed (4.x, then 3.x), else ``object``."""
    for module in ("swift.rewards", "swift.plugin"):
        try:
            return getattr(__import__(module, fromlist=["ORM"]), "ORM")
        except (ImportError, AttributeError):
            continue
    return object


def prompts_from_messages(messages: Sequence[Any] | None, n: int) -> list[Any]:
    """Each rollout's conversation without its final assistant turn (the completion being scored)."""
    if messages is None:
        return [""] * n
    prompts = []
    for conversation in messages:
        turns = list(conversation or [])
        if turns and isinstance(turns[-1], Mapping) and turns[-1].get("role") == "assistant":
            turns = turns[:-1]
        prompts.append(turns)
    return prompts


def _image(value: Any) -> Any:
    """A swift image entry as hymar reads images: a path, or the decoded bytes of ``{"bytes", "path"}``."""
    if isinstance(value, Mapping):
        if value.get("bytes"):
            from PIL import Image

            return Image.open(io.BytesIO(value["bytes"]))
        return value.get("path")
    return value


class SwiftReward(HymarRewardFunction):
    """The shared scorer behind one reward's ORMs: swift's kwargs -> hymar samples and groups, cached."""

    def score_swift(self, completions: Sequence[Any], kwargs: Mapping[str, Any]) -> RewardResult:
        n = len(completions)
        columns = {k: v for k, v in kwargs.items() if k not in _SWIFT_KWARGS}
        if isinstance(columns.get("images"), Sequence):
            columns["images"] = [[_image(i) for i in (row or [])] for row in columns["images"]]
        try:
            samples = build_samples(prompts_from_messages(kwargs.get("messages"), n), completions, columns)
            ids = kwargs.get("prompt_id")
            groups: list[Hashable] | None = None
            if isinstance(ids, Sequence) and len(ids) == n and all(ids):
                groups = [str(i) for i in ids]
            step = getattr(kwargs.get("trainer_state"), "global_step", None)
            key = batch_key(samples, (step, tuple(groups or ())))
        except Exception as err:  # noqa: BLE001 - malformed swift arguments: invalid rewards, not a dead trainer
            return self._failed_batch(n, err)
        return self._cache.get_or_compute(key, lambda: self._score_safely(samples, groups))


def shared_reward(spec: str, group_size: int | None = None) -> SwiftReward:
    """One `SwiftReward` per (reward spec, group size) in this process, shared by all its ORMs."""
    with _shared_lock:
        key = (spec, group_size)
        if key not in _shared:
            _shared[key] = SwiftReward(spec, group_size=group_size, log_components=False)
        return _shared[key]


def orm_classes(spec: str) -> dict[str, type]:
    """``{"hymar": total ORM class, "hymar_<component>": view ORM class, ...}`` for ``spec``.

    Each class is named as its registry key, because swift logs a reward function by its class name.
    """
    base = _base_orm()
    components = shared_reward(spec).component_names

    def init(self: Any, args: Any = None, **kwargs: Any) -> None:
        self.args = args
        self.scorer = shared_reward(spec, getattr(args, "num_generations", None))

    def total(self: Any, completions: Sequence[Any], **kwargs: Any) -> list[float]:
        return [float(r) for r in self.scorer.score_swift(completions, kwargs).rewards]

    classes = {TOTAL: type(TOTAL, (base,), {"__init__": init, "__call__": total, "__doc__": f"hymar total ({spec})"})}
    for name in components:

        def view(self: Any, completions: Sequence[Any], _name: str = name, **kwargs: Any) -> list[float]:
            return ComponentView(self.scorer, _name).values(self.scorer.score_swift(completions, kwargs))

        key = PREFIX + name
        classes[key] = type(key, (base,), {"__init__": init, "__call__": view, "__doc__": f"hymar component {name} ({spec})"})
    return classes


def register_orms(spec: str = DEFAULT_PRESET, registry: MutableMapping[str, Any] | None = None) -> list[str]:
    """Add ``spec``'s ORMs to swift's registry (``swift.rewards.orms`` unless one is given).

    Returns:
        The registered names, total first (the ``--reward_funcs`` list).
    """
    if registry is None:
        from swift.rewards import orms as registry  # type: ignore[no-redef]
    classes = orm_classes(spec)
    registry.update(classes)
    return list(classes)


def flags(spec: str = DEFAULT_PRESET) -> str:
    """The swift flags that train on ``spec``'s total and log each component."""
    names = [TOTAL] + [PREFIX + n for n in shared_reward(spec).component_names]
    weights = ["1"] + ["0"] * (len(names) - 1)
    return f"--reward_funcs {' '.join(names)} --reward_weights {' '.join(weights)}"


if __name__ == "__main__":  # python -m hymar.integrations.swift [PRESET]
    print(flags(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PRESET))
