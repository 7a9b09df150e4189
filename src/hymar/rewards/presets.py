"""Built-in reward presets: every ``presets/*.yaml`` file shipped with hymar, discovered by name.

A preset is a reward config (see `hymar.rewards.config`) whose first comment line says what it is.
Adding one is adding a YAML file to ``src/hymar/presets/``: `preset_names`, ``hymar presets``, the CLI
help and every ``--preset`` check read the folder, so there is no list to keep in sync.

Example:
    >>> "harmo" in preset_names()
    True
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from hymar.rewards.config import ConfigError, RewardConfig, load_config

#: the reward used when none is named: the paper's (HARMO) hybrid + format + length
DEFAULT_PRESET = "harmo"


def _folder() -> Path:
    return Path(str(resources.files("hymar") / "presets"))


def preset_names() -> list[str]:
    """Sorted names of the built-in presets (the ``presets/*.yaml`` file stems)."""
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def preset_path(name: str) -> Path:
    """The YAML file of preset ``name``.

    Raises:
        ConfigError: unknown name; the message lists the presets.
    """
    names = preset_names()
    if name not in names:
        raise ConfigError(f"unknown preset {name!r}; choose one of: {', '.join(names)}")
    return _folder() / f"{name}.yaml"


def preset_summary(name: str) -> str:
    """The preset's first comment line (what ``hymar presets`` prints beside the name)."""
    lines = preset_path(name).read_text(encoding="utf-8").splitlines()
    return lines[0].lstrip("# ") if lines else ""


def load_preset(name: str, overrides: Mapping[str, Any] | None = None) -> RewardConfig:
    """The preset's config with ``overrides`` deep-merged into it (a value of None deletes a key)."""
    import yaml

    data = yaml.safe_load(preset_path(name).read_text(encoding="utf-8"))
    if overrides:
        data = deep_merge(data, overrides)
    return load_config(data)


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` merged into ``base`` key by key (mappings recurse; None deletes the key)."""
    if not isinstance(base, dict) or not isinstance(override, Mapping):
        return copy.deepcopy(override)
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = deep_merge(merged.get(key), value)
    return merged
