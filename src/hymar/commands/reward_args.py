"""The one "which reward" argument group: --preset / --config / --set, for `hymar score`, `serve`,
`train` and `eval`.

Every command reads it into a `hymar.rewards.source.RewardSource`, so a preset name, a config file
and a ``--set`` override mean, and are checked, the same everywhere. Leaving out both --preset and
--config means the command's default (`DEFAULT_PRESET`, or no reward at all for ``hymar eval``).
"""

from __future__ import annotations

import argparse
from typing import Any

from hymar.rewards.presets import DEFAULT_PRESET, preset_names
from hymar.rewards.source import RewardSource

#: the parser default that records which preset a command falls back to (None: no reward)
_DEFAULT_DEST = "reward_default"


def add_reward_arguments(parser: argparse.ArgumentParser, *, default: str | None = DEFAULT_PRESET) -> None:
    """Add the "reward" argument group; ``default`` is the preset used when neither source is given."""
    reward = parser.add_argument_group("reward")
    source = reward.add_mutually_exclusive_group()
    fallback = f" (default: {default})" if default else " (default: none)"
    source.add_argument("--preset", default=None, help=f"built-in reward preset: {', '.join(preset_names())}{fallback}")
    source.add_argument("--config", default=None, metavar="FILE", help="reward config YAML (see docs/config.md)")
    reward.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a reward config field, e.g. hybrid.blend_threshold=0.9"
        + ("; hymar train also takes grpo.FIELD=V, trl.ARG=V and dtype=V (training settings, applied last)" if parser.prog.endswith("train") else "")
    )
    parser.set_defaults(**{_DEFAULT_DEST: default})


def reward_source(args: argparse.Namespace) -> RewardSource | None:
    """The `RewardSource` of parsed arguments; None when no reward is named and the command has no default.

    Raises:
        ValueError: an unknown preset, a bad --set item, --set without a source.
    """
    default = getattr(args, _DEFAULT_DEST, DEFAULT_PRESET)
    return RewardSource.from_options(args.preset, args.config, getattr(args, "set", None), default=default)


def reward_from_args(args: argparse.Namespace):
    """The `HybridReward` the arguments name (the command's default preset when none is given).

    Raises:
        ConfigError, ValueError, KeyError, ImportError: with a message naming the field or option.
    """
    source = reward_source(args)
    if source is None:
        raise ValueError("no reward given: use --preset or --config")
    return source.build()


def build_reward(args: argparse.Namespace) -> Any:
    """The reward for a training or evaluation run: a bare preset name as is (reports then name it),
    else the `HybridReward`; None when no reward is named and the command has no default."""
    source = reward_source(args)
    if source is None:
        return None
    if source.config is None and not source.set:
        return source.preset
    return source.build()
