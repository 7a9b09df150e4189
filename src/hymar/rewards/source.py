"""Which reward: a built-in preset or a config file, plus ``--set KEY.PATH=VALUE`` overrides.

`RewardSource` is the one model every entry point uses to name a reward: ``hymar score``, ``serve``,
``train`` and ``eval`` (through `hymar.commands.reward_args`), the train recipe's ``reward:`` section and
the eval recipe's. It validates the same things everywhere (exactly one of preset or config, a known
preset, well-formed overrides) and `build` turns it into a `HybridReward`.

Example:
    >>> RewardSource(preset="rule-only", set=("hybrid.blend_threshold=0.9",)).overrides()
    {'hybrid': {'blend_threshold': 0.9}}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from hymar.rewards.config import RewardConfig, StrictModel, load_config, read_config_file
from hymar.rewards.presets import DEFAULT_PRESET, deep_merge, load_preset, preset_names

if TYPE_CHECKING:
    from hymar.rewards.hybrid import HybridReward


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """``a.b.c=VALUE`` pairs -> nested dict; VALUE parsed as YAML (numbers, bools, lists, null).

    Raises:
        ValueError: an item without ``=`` or a key, or a key set both as a value and as a parent.
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r}: expected KEY.PATH=VALUE")
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"--set {item!r}: {part!r} is set twice")
        node[parts[-1]] = yaml.safe_load(raw)
    return out


class RewardSource(StrictModel):
    """A preset or a reward config file, with overrides.

    Args:
        preset: a built-in preset name (`hymar.rewards.presets.preset_names`).
        config: a reward config YAML/JSON file.
        set: ``KEY.PATH=VALUE`` overrides deep-merged into the preset or file.
    """

    preset: str | None = None
    config: str | None = None
    set: tuple[str, ...] = Field((), description="KEY.PATH=VALUE overrides, as `--set`")

    @field_validator("set")
    @classmethod
    def _key_value(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        for item in items:
            key, sep, _ = item.partition("=")
            if not sep or not key:
                raise ValueError(f"{item!r}: expected KEY.PATH=VALUE")
        return items

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str | None) -> str | None:
        if value is not None and value not in preset_names():
            raise ValueError(f"unknown preset {value!r}; choose one of: {', '.join(preset_names())}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> RewardSource:
        if (self.preset is None) == (self.config is None):
            raise ValueError("give exactly one of preset or config")
        return self

    @classmethod
    def from_options(
        cls, preset: str | None, config: str | None, set_items: Sequence[str] | None, *, default: str | None = DEFAULT_PRESET
    ) -> RewardSource | None:
        """The source of command-line style options, where leaving both out means ``default``.

        Returns:
            The source; None when neither preset nor config is given and ``default`` is None.

        Raises:
            ValueError: ``--set`` without a preset or config to apply it to; both given; a bad item.
        """
        items = tuple(set_items or ())
        if preset is None and config is None:
            if default is None:
                if items:
                    raise ValueError("--set needs --preset or --config")
                return None
            preset = default
        from pydantic import ValidationError

        try:
            return cls(preset=preset, config=config, set=items)
        except ValidationError as err:
            raise ValueError("; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())) from None

    @property
    def label(self) -> str:
        """What reports name the reward by: the preset name or the config path."""
        return self.config if self.config is not None else str(self.preset)

    def relative_to(self, folder: str | Path) -> RewardSource:
        """This source with a relative ``config`` path read from ``folder`` (a recipe's folder)."""
        if self.config is None or Path(self.config).is_absolute():
            return self
        return self.model_copy(update={"config": str(Path(folder) / self.config)})

    def overrides(self) -> dict[str, Any]:
        """The ``set`` items as a nested mapping."""
        return parse_set(self.set)

    def load(self) -> RewardConfig:
        """The validated reward config (preset or file, overrides merged in).

        Raises:
            ConfigError: an unreadable file or an invalid config, naming the file and field.
        """
        overrides = self.overrides()
        if self.config is not None:
            data = read_config_file(self.config)
            if overrides and isinstance(data, dict):
                data = deep_merge(data, overrides)
            return load_config(data, origin=self.config)
        return load_preset(str(self.preset), overrides)

    def build(self) -> HybridReward:
        """The `HybridReward` this source names (a model component loads its model here)."""
        from hymar.rewards.hybrid import HybridReward

        return HybridReward(self.load())
