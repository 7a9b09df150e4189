"""`hymar train RECIPE.yaml [flags]`: a recipe's values become the parser's defaults, so flags given on
the command line win.

`install` adds ``--out`` and ``--dry-run`` to the `hymar train` parser and wraps its
``parse_known_args``: a first parse finds the positional; when it is an existing .yaml/.yml file the
recipe is loaded, its values are set as defaults (``parser.set_defaults``) and the arguments are parsed
again. This is argparse's own default mechanism, so "given on the command line" means given, even when
the value equals the built-in default (``--beta 0`` beats a recipe's ``beta: 0.04``).

Recipe values without a flag (``dtype``, ``trl``, ``grpo.gradient_checkpointing``, ...) travel on the
namespace as ``args.recipe`` and reach the settings through `apply_recipe_settings`, which applies the
``--set grpo.KEY=VALUE`` / ``trl.KEY=VALUE`` / ``dtype=VALUE`` items last
(`hymar.recipes.train.set_overrides`): default < recipe < given flag < --set.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

from hymar.recipes.train.load import LoadedRecipe, is_recipe_path, load_recipe
from hymar.recipes.train.schema import RecipeError
from hymar.recipes.train.set_overrides import split_set_items, train_set_fields

#: namespace attributes the wrapper sets (beside the parser's own dests)
RECIPE_ATTRS = ("recipe", "recipe_error", "dataset_load_kwargs", "train_argv", "train_set")


def install(parser: argparse.ArgumentParser) -> None:
    """Make ``parser`` (the `hymar train` parser) accept a recipe file as its positional.

    Args:
        parser: a parser with the ``out_dir`` positional and the train flags already added.
    """
    for action in parser._actions:
        if action.dest == "out_dir" and action.help:
            action.help += "; or a train recipe .yaml/.yml (see recipes/README.md), whose values become the defaults"
    group = parser.add_argument_group("recipe")
    group.add_argument("--out", default=None, metavar="DIR", help="run folder, overriding the recipe's output_dir")
    group.add_argument(
        "--dry-run",
        action="store_true",
        help="check the recipe/flags and print the resolved configuration and launch command; "
        "downloads nothing, trains nothing",
    )
    parser.set_defaults(recipe=None, recipe_error=None, dataset_load_kwargs=None, train_argv=None, train_set=None)
    original = parser.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None):
        argv = list(sys.argv[1:] if args is None else args)
        first, _ = original(list(argv), None)
        loaded = None
        if is_recipe_path(first.out_dir):
            try:
                loaded = load_recipe(first.out_dir)
                parser.set_defaults(**recipe_defaults(loaded, parser))
            except RecipeError as err:  # reported by `hymar train` (exit 1), not as a usage error
                parser.set_defaults(recipe_error=str(err))
        elif str(first.out_dir).lower().endswith((".yaml", ".yml")):
            print(f"hymar train: {first.out_dir} is not an existing file; using it as OUT_DIR", file=sys.stderr)
        parsed, rest = original(list(argv), namespace)
        parsed.train_argv = argv
        _finish(parsed, loaded, parser)
        return parsed, rest

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def _finish(args: argparse.Namespace, loaded: LoadedRecipe | None, parser: argparse.ArgumentParser) -> None:
    # --set grpo.* / trl.* / dtype=... are training settings (applied by apply_recipe_settings); the rest
    # stay reward overrides, so the reward never sees a key it does not have
    train_items, reward_items = split_set_items(getattr(args, "set", None))
    args.train_set, args.set = train_items or None, reward_items or None
    if loaded is None:
        if args.out is not None and args.recipe_error is None:
            parser.error("--out applies to a recipe file; without one give the run folder as OUT_DIR")
        return
    args.out_dir = args.out if args.out is not None else loaded.recipe.output_dir
    if args.preset is not None and args.config is not None:
        # one of the two is the recipe's default, the other was given on the command line: that one wins
        if loaded.recipe.reward.config is not None:
            args.config = None
        else:
            args.preset = None


def recipe_defaults(loaded: LoadedRecipe, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The parser defaults a recipe stands for.

    Args:
        loaded: the recipe.
        parser: the `hymar train` parser (its dests decide which grpo fields are flags).

    Returns:
        dest -> default; ``recipe`` holds the `LoadedRecipe` itself.
    """
    recipe = loaded.recipe
    dests = {action.dest for action in parser._actions}
    out: dict[str, Any] = {"recipe": loaded, "policy": recipe.policy}
    if recipe.dataset is not None:
        data = recipe.dataset
        out.update(
            dataset=loaded.maybe_relative(data.source),
            split=data.split,
            column_map=json.dumps(data.column_map) if data.column_map else None,
            image_root=loaded.maybe_relative(data.image_root),
            task=data.task,
            dataset_load_kwargs=dict(data.load_kwargs) or None,
        )
    out.update(preset=recipe.reward.preset, config=loaded.reward_config, set=list(recipe.reward.set) or None)
    for name, value in recipe.grpo_fields().items():
        if name in dests:
            out[name] = _as_flag_value(name, value)
    return out


def _as_flag_value(name: str, value: Any) -> Any:
    if name == "report_to":  # the flag takes a comma-separated string
        items = [value] if isinstance(value, str) else list(value)
        return ",".join(items) or "none"
    return value


def apply_recipe_settings(settings: Any, args: argparse.Namespace) -> Any:
    """``settings`` (built from the flags) with the recipe's GRPOSettings fields that have no flag.

    Args:
        settings: the `GRPOSettings` `hymar train` built from its arguments.
        args: the parsed arguments (``args.recipe`` / ``args.recipe_error`` set by `install`).

    Returns:
        The settings to train with.

    Raises:
        RecipeError: the recipe given as OUT_DIR did not load (the message names file and field).
    """
    error = getattr(args, "recipe_error", None)
    if error:
        raise RecipeError(error)
    loaded: LoadedRecipe | None = getattr(args, "recipe", None)
    if loaded is not None:
        flag_dests = set(vars(args))
        extra = {k: v for k, v in loaded.recipe.grpo_fields().items() if k not in flag_dests}
        settings = dataclasses.replace(settings, **extra)
    overrides = train_set_fields(getattr(args, "train_set", None) or ())
    if "trl_args" in overrides:  # --set trl.x adds to (and wins over) the trl arguments from flags and recipe
        overrides["trl_args"] = {**settings.trl_args, **overrides["trl_args"]}
    return dataclasses.replace(settings, **overrides) if overrides else settings
