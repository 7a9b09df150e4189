"""Offline checks of a run's policy, data and reward: nothing is downloaded and no model is loaded.

Each check returns ``(summary, errors)``: a JSON-able summary for the dry run's report and a list of
``"<field>: <problem>"`` lines (empty when the part is fine).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Check = tuple[dict[str, Any], list[str]]


def check_policy(policy: str | None) -> Check:
    """A local policy folder must exist and hold a config.json; a Hub id is reported, not fetched."""
    if policy is None:
        return {"policy": None, "note": "no policy: hymar train builds the untrained tiny VLM into OUT_DIR"}, []
    local = Path(policy).expanduser()
    if local.exists() or local.is_absolute() or policy.startswith((".", "~")):
        if not local.is_dir():
            return {"policy": policy}, [f"policy: {policy} is not a model folder"]
        if not (local / "config.json").is_file():
            return {"policy": policy}, [f"policy: {policy} has no config.json"]
        return {"policy": policy, "where": "local folder"}, []
    return {"policy": policy, "where": "Hub id (not downloaded by the dry run)"}, []


def check_reward(preset: str | None, config: str | None, set_items: Sequence[str] | None) -> Check:
    """Resolve the reward config and check each component's type against the registry.

    Components are not built (a model component would load its model); instead the registry entry is
    imported, must be a `RewardComponent` class, and the configured ``args`` must bind to its
    constructor (or ``from_preset`` when ``args`` has a ``preset``).

    Args:
        preset: built-in preset name (``--preset`` / ``reward.preset``); with no config either,
            `DEFAULT_PRESET` (what ``hymar train`` uses).
        config: reward config file (``--config`` / ``reward.config``).
        set_items: ``KEY.PATH=VALUE`` overrides.

    Returns:
        ``({"source", "set", "components": {name: {type, class, weight, args}}, "hybrid"}, errors)``.
    """
    from hymar.rewards.config import ConfigError
    from hymar.rewards.source import RewardSource

    try:
        source = RewardSource.from_options(preset, config, set_items)
    except ValueError as err:
        return {}, [f"reward: {line}" for line in str(err).splitlines()]
    assert source is not None  # from_options falls back to DEFAULT_PRESET
    summary: dict[str, Any] = {"source": f"config {source.config}" if source.config else f"preset {source.preset}", "set": list(source.set)}
    try:
        cfg = source.load()
    except (ConfigError, ValueError) as err:
        return summary, [f"reward: {line}" for line in str(err).splitlines()]
    errors: list[str] = []
    components = {}
    for name, spec in cfg.components.items():
        entry, problems = _check_component(name, cfg.component_type(name), dict(spec.args))
        components[name] = {**entry, "weight": spec.weight, "args": dict(spec.args)}
        errors += problems
    summary["components"] = components
    summary["hybrid"] = None if cfg.hybrid is None else cfg.hybrid.model_dump(mode="json")
    summary["normalization"] = cfg.normalization
    return summary, errors


def _check_component(name: str, type_name: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    from hymar.rewards.base import RewardComponent
    from hymar.rewards.registry import resolve_component

    field = f"reward: components.{name}"
    try:
        factory = resolve_component(type_name)
    except KeyError as err:
        return {"type": type_name}, [f"{field}.type: {err.args[0]}"]
    except ImportError as err:
        return {"type": type_name}, [f"{field}.type: {err}"]
    entry = {"type": type_name, "class": f"{factory.__module__}:{getattr(factory, '__qualname__', factory)}"}
    if isinstance(factory, type) and not issubclass(factory, RewardComponent):
        return entry, [f"{field}.type: {type_name!r} is {entry['class']}, not a RewardComponent"]
    target = factory.from_preset if "preset" in args and callable(getattr(factory, "from_preset", None)) else factory
    try:
        inspect.signature(target).bind(**args)
    except TypeError as err:
        return entry, [f"{field}.args: {err}"]
    except ValueError:  # no signature to check (a builtin); the component is built at launch
        pass
    return entry, []


def check_dataset(
    source: str | None,
    split: str,
    column_map: str | Mapping[str, str] | None,
    image_root: str | None,
    task: str | None,
) -> Check:
    """Check the data options against the adapter's targets without loading the data.

    The column map's targets must be hymar columns (`hymar.data.adapter.TASK_TARGETS`), at most one
    column per target. A local JSONL file is read for its column names and the map is resolved as
    `load_mapped_dataset` would; a folder or a Hub name is not loaded (columns are checked at launch).

    Args:
        source: JSONL file, folder or Hub name; None: the synthetic task suite.
        split: the split to load.
        column_map: the map as JSON text (the ``--column-map`` flag) or a mapping.
        image_root: folder relative image paths start from.
        task: task tag for rows without one.

    Returns:
        ``({"source", "split", "column_map", "columns_checked", ...}, errors)``.
    """
    from hymar.data.adapter import TASK_TARGETS, resolve_column_map

    if source is None:
        return {"source": "synthetic task suite"}, []
    errors: list[str] = []
    mapping: dict[str, str] = {}
    if isinstance(column_map, str):
        try:
            column_map = json.loads(column_map)
        except json.JSONDecodeError as err:
            return {"source": source}, [f"dataset.column_map: not valid JSON: {err}"]
    if column_map is not None and not (
        isinstance(column_map, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in column_map.items())
    ):
        return {"source": source}, ["dataset.column_map: must map column names (strings) to hymar columns"]
    mapping = dict(column_map or {})
    seen: dict[str, str] = {}
    for user, target in mapping.items():
        if target not in TASK_TARGETS:
            errors.append(f"dataset.column_map.{user}: {target!r} is not a hymar column; expected one of {list(TASK_TARGETS)}")
            continue
        canonical = "image" if target == "images" else target
        if canonical in seen:
            errors.append(f"dataset.column_map.{user}: {seen[canonical]!r} is mapped onto {canonical!r} too")
        seen[canonical] = user
    summary: dict[str, Any] = {"source": source, "split": split, "column_map": mapping, "image_root": image_root, "task": task}
    path = Path(source)
    if path.suffix == ".jsonl":
        if not path.is_file():
            return summary, errors + [f"dataset.source: no such JSONL file: {source}"]
        if not errors:
            try:
                resolved = resolve_column_map(_jsonl_columns(path), mapping, TASK_TARGETS, required=("prompt",))
                summary["resolved"] = resolved
            except ValueError as err:
                errors.append(f"dataset.column_map: {err}")
        summary["columns_checked"] = True
    else:
        summary["columns_checked"] = False
        summary["note"] = ("local folder" if path.is_dir() else "Hub dataset") + ": not loaded by the dry run; columns are checked when it loads"
        if "prompt" not in seen:
            summary["note"] += " (no column is mapped to 'prompt': the data must have a 'prompt' column)"
    if image_root is not None and not Path(image_root).is_dir():
        summary["image_root_note"] = f"{image_root} is not a folder here (fine if it exists on the training machine)"
    return summary, errors


def _jsonl_columns(path: Path, limit: int = 1000) -> list[str]:
    """Column names of a JSONL file: the union of the keys of its first ``limit`` objects."""
    columns: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i >= limit:
                break
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    columns.update(dict.fromkeys(record))
    return list(columns)
