"""`hymar train`'s settings flags, generated from `hymar.train.settings.GRPOSettings`.

One flag per field (``--field-name``, or the field's ``metadata["flag"]``), its type from the field's
annotation, its help and default from the field, so a flag cannot drift from the setting it sets.
Booleans get ``--x/--no-x``; optional values take ``none``; ``report_to`` takes a comma-separated list
(split by `GRPOSettings`, as the same text in a recipe or ``--set grpo.report_to=`` is).
A flag's default is ``argparse.SUPPRESS``: a flag the user did not give leaves no attribute, so
`given_settings` returns exactly what the command line said (``--beta 0`` is "given", even though it
equals the default) and the layers in `hymar.recipes.train.cli_args.resolve_settings` stay honest.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

from hymar.train.settings import OUTPUT_GROUP, GRPOSettings

#: where `hymar train` departs from `GRPOSettings`' library defaults: a run from the command line keeps
#: checkpoints (library, demo and test runs save only the final model)
COMMAND_DEFAULTS: dict[str, Any] = {"save_steps": 100}
#: ``--num-iterations N`` is ``--set trl.num_iterations=N``: the one ``trl.GRPOConfig`` argument with a
#: flag of its own (reusing each batch of rollouts for several updates is a common first change)
NUM_ITERATIONS = "num_iterations"
GRPO_GROUP = "GRPO"


def flag_name(f: dataclasses.Field) -> str | None:
    """The `hymar train` flag of a `GRPOSettings` field (None: the field has none, e.g. ``trl_args``)."""
    return f.metadata.get("flag", "--" + f.name.replace("_", "-"))


def flagged_fields() -> list[dataclasses.Field]:
    """The `GRPOSettings` fields that are `hymar train` flags, in declaration order."""
    return [f for f in dataclasses.fields(GRPOSettings) if flag_name(f) is not None]


def default_of(f: dataclasses.Field) -> Any:
    """The value `hymar train` uses for ``f`` when nothing sets it (`COMMAND_DEFAULTS` first)."""
    if f.name in COMMAND_DEFAULTS:
        return COMMAND_DEFAULTS[f.name]
    return f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[misc]


def add_settings_flags(parser: argparse.ArgumentParser) -> None:
    """Add one flag per `GRPOSettings` field, in the "GRPO" and "output" argument groups."""
    groups = {GRPO_GROUP: parser.add_argument_group(GRPO_GROUP), OUTPUT_GROUP: parser.add_argument_group(OUTPUT_GROUP)}
    hints = typing.get_type_hints(GRPOSettings)
    for f in flagged_fields():
        kind, optional = _unwrap_optional(hints[f.name])
        default = default_of(f)
        kwargs: dict[str, Any] = {"dest": f.name, "default": argparse.SUPPRESS, "help": f"{f.metadata['help']} (default: {_shown(default)})"}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = _value_parser(kind, optional)
            kwargs["metavar"] = "|".join(f.metadata["choices"]) if "choices" in f.metadata else _metavar(kind)
            if "choices" in f.metadata:
                kwargs["choices"] = f.metadata["choices"]
        groups[f.metadata.get("group", GRPO_GROUP)].add_argument(flag_name(f), **kwargs)
    groups[GRPO_GROUP].add_argument(
        "--num-iterations", type=int, default=argparse.SUPPRESS, metavar="N",
        help="policy updates per batch of rollouts (= --set trl.num_iterations=N; default: 1)",
    )


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `GRPOSettings` fields the flags on the command line set (``--num-iterations`` as ``trl_args``)."""
    given = {f.name: getattr(args, f.name) for f in flagged_fields() if hasattr(args, f.name)}
    if hasattr(args, NUM_ITERATIONS):
        given["trl_args"] = {NUM_ITERATIONS: getattr(args, NUM_ITERATIONS)}
    return given


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``(type, accepts None)`` of an annotation such as ``int | None``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return (args[0] if len(args) == 1 else hint), len(args) < len(typing.get_args(hint))
    return hint, False


def _shown(default: Any) -> str:
    if default is None:
        return "unset"
    if isinstance(default, tuple):
        return ",".join(default) or "none"
    return str(default)


def _value_parser(kind: Any, optional: bool) -> Callable[[str], Any]:
    convert = kind if kind in (int, float) else str  # report_to: the text, split by GRPOSettings

    def parse(text: str) -> Any:
        if optional and text.strip().lower() == "none":
            return None
        return convert(text)

    parse.__name__ = convert.__name__  # argparse names the type in its "invalid int value" errors
    return parse


def _metavar(kind: Any) -> str:
    return {int: "N", float: "X"}.get(kind, "LIST" if typing.get_origin(kind) is tuple else "TEXT")
