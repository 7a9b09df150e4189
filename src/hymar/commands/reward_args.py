"""The reward options shared by `hymar score`, `train` and `eval`: --preset / --config / --set."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """--set a.b.c=VALUE pairs -> nested dict; VALUE parsed as YAML (numbers, bools, lists, null)."""
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


def reward_from_args(args: argparse.Namespace):
    """The `HybridReward` named by ``args.config`` or ``args.preset``, with ``args.set`` overrides.

    Raises:
        ConfigError, ValueError, KeyError, ImportError: with a message naming the field or option.
    """
    from hymar.rewards.hybrid import HybridReward, load_reward_config

    overrides = parse_set(getattr(args, "set", None) or [])
    return HybridReward(load_reward_config(config=args.config, preset=args.preset, overrides=overrides))
