"""`hymar train RECIPE.yaml [flags]`: a recipe, the flags and ``--set`` resolved in one order.

The layers, each winning over the ones before it::

    GRPOSettings defaults < COMMAND_DEFAULTS < the recipe < the flags given < --set grpo.* / trl.* / dtype=

Arguments are parsed once, by plain argparse. `apply_recipe` then reads OUT_DIR: an existing
.yaml/.yml file is a recipe, whose policy, dataset, reward and output_dir fill the options the command
line left unset; `resolve_settings` builds the `GRPOSettings` from the layers above. "Given on the
command line" means given (a settings flag that was not given leaves no attribute, see
`hymar.recipes.train.settings_flags`), so ``--beta 0`` beats a recipe's ``beta: 0.04``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hymar.recipes.train.load import LoadedRecipe, is_recipe_path, load_recipe
from hymar.recipes.train.schema import RecipeError
from hymar.recipes.train.set_overrides import split_set_items, train_set_fields
from hymar.recipes.train.settings_flags import COMMAND_DEFAULTS, given_settings
from hymar.train.settings import GRPOSettings

#: the data options a recipe's ``dataset`` section fills (namespace attribute -> section field)
DATASET_OPTIONS = {"dataset": "source", "split": "split", "column_map": "column_map", "image_root": "image_root", "task": "task"}


def install(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--dry-run`` to the `hymar train` parser and say that OUT_DIR may be a recipe.

    Args:
        parser: a parser with the ``out_dir`` positional already added.
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


def apply_recipe(args: argparse.Namespace) -> argparse.Namespace:
    """Read the recipe OUT_DIR names (if it names one) into ``args``; returns ``args``. Idempotent.

    Sets ``args.recipe`` (the `LoadedRecipe` or None), ``args.recipe_error`` (why the recipe did not
    load, reported by the command with exit 1), ``args.dataset_load_kwargs``, and splits ``--set`` into
    ``args.train_set`` (grpo.* / trl.* / dtype=) and ``args.set`` (the reward's items, the recipe's first).

    Raises:
        ValueError: ``--out`` without a recipe.
    """
    if getattr(args, "recipe_applied", False):
        return args
    args.recipe_applied = True
    args.recipe, args.recipe_error, args.dataset_load_kwargs = None, None, None
    # --set grpo.* / trl.* / dtype=... are training settings; the rest stay reward overrides, so the
    # reward never sees a key it does not have
    train_items, reward_items = split_set_items(getattr(args, "set", None))
    args.train_set, args.set = train_items or None, reward_items or None
    if not is_recipe_path(args.out_dir):
        if str(args.out_dir).lower().endswith((".yaml", ".yml")):
            print(f"hymar train: {args.out_dir} is not an existing file; using it as OUT_DIR", file=sys.stderr)
        if args.out is not None:
            raise ValueError("--out applies to a recipe file; without one give the run folder as OUT_DIR")
        return args
    try:
        loaded = load_recipe(args.out_dir)
    except RecipeError as err:
        args.recipe_error = str(err)
        return args
    _fill_from_recipe(args, loaded)
    return args


def _fill_from_recipe(args: argparse.Namespace, loaded: LoadedRecipe) -> None:
    recipe = loaded.recipe
    args.recipe = loaded
    args.out_dir = args.out if args.out is not None else recipe.output_dir
    if args.policy is None:
        args.policy = recipe.policy
    data = recipe.dataset
    if data is not None and args.dataset is None:  # a --dataset of the user's own replaces the whole section
        for option, name in DATASET_OPTIONS.items():
            if getattr(args, option) is None:
                value = getattr(data, name)
                if option == "column_map":  # the flag's form: a JSON object
                    value = json.dumps(value) if value else None
                elif option in ("dataset", "image_root"):
                    value = loaded.maybe_relative(value)
                setattr(args, option, value)
        args.dataset_load_kwargs = dict(data.load_kwargs) or None
    if args.preset is None and args.config is None:  # either one on the command line replaces the recipe's source
        args.preset, args.config = recipe.reward.preset, loaded.reward_config
    args.set = [*recipe.reward.set, *(args.set or ())] or None


def resolve_settings(args: argparse.Namespace) -> GRPOSettings:
    """The `GRPOSettings` of a `hymar train` run, from the layers in the module docstring.

    Args:
        args: parsed `hymar train` arguments (`apply_recipe` is applied if it was not).

    Raises:
        RecipeError: the recipe given as OUT_DIR did not load (the message names file and field).
        ValueError: a bad ``--set`` item or a settings value out of range (the message names it).
    """
    apply_recipe(args)
    if args.recipe_error:
        raise RecipeError(args.recipe_error)
    loaded: LoadedRecipe | None = args.recipe
    layers = [COMMAND_DEFAULTS, loaded.recipe.grpo_fields() if loaded else {}, given_settings(args), train_set_fields(args.train_set or ())]
    fields: dict[str, Any] = {}
    for layer in layers:
        layer = dict(layer)
        if "trl_args" in layer:  # trl arguments add up across the layers; a later layer wins per key
            layer["trl_args"] = {**fields.get("trl_args", {}), **layer["trl_args"]}
        fields.update(layer)
    return GRPOSettings(**fields)
