"""Read a train recipe file: YAML -> `TrainRecipe`, errors as ``<file>: <field>: <problem>``.

Paths inside a recipe: ``reward.config`` and ``accelerate_config`` are relative to the recipe file; a
``dataset.source`` or ``dataset.image_root`` that starts with ``./`` or ``../`` is too (anything else is
a Hub name or a path as written, relative to the working folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hymar.recipes.train.schema import RecipeError, TrainRecipe
from hymar.rewards.config import error_lines, read_config_file

RECIPE_SUFFIXES = (".yaml", ".yml")

#: trl.GRPOConfig arguments hymar derives from GRPOSettings that a recipe's ``trl`` may still set: they
#: have no `hymar train` flag, so putting them in ``trl`` cannot hide a command-line override
TRL_OVERRIDABLE = frozenset({"per_device_train_batch_size", "bf16", "lr_scheduler_type", "dataloader_num_workers"})


@dataclass(frozen=True)
class LoadedRecipe:
    """A validated recipe and where it came from.

    Attributes:
        path: the recipe file as given.
        recipe: the validated recipe.
    """

    path: Path
    recipe: TrainRecipe

    def relative(self, value: str) -> str:
        """``value`` resolved against the recipe's folder (for fields that are always file paths)."""
        return os.path.normpath(self.path.parent / Path(value).expanduser())

    def maybe_relative(self, value: str | None) -> str | None:
        """``value`` resolved against the recipe's folder when it starts with ./ or ../, else as written."""
        if value is None or not value.startswith(("./", "../")):
            return value
        return self.relative(value)

    @property
    def accelerate_config(self) -> str | None:
        value = self.recipe.accelerate_config
        return None if value is None else self.relative(value)

    @property
    def reward_config(self) -> str | None:
        value = self.recipe.reward.config
        return None if value is None else self.relative(value)


def is_recipe_path(value: str | os.PathLike[str]) -> bool:
    """Whether ``value`` names an existing .yaml/.yml file (then `hymar train` reads it as a recipe)."""
    path = Path(value)
    return path.suffix.lower() in RECIPE_SUFFIXES and path.is_file()


def load_recipe(path: str | os.PathLike[str]) -> LoadedRecipe:
    """Read and validate the train recipe at ``path``.

    Args:
        path: a recipe YAML file.

    Returns:
        The `LoadedRecipe`.

    Raises:
        RecipeError: unreadable file, invalid YAML, a field of the wrong type or unknown, a ``trl`` key
            hymar derives from the ``grpo`` section; one ``<file>: <field>: <problem>`` line per error.
    """
    path = Path(path)
    data = read_config_file(path, what="recipe", error=RecipeError)
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a train recipe is a mapping with at least 'policy' and 'output_dir'")
    try:
        recipe = TrainRecipe.model_validate(data)
    except ValidationError as err:
        raise RecipeError("\n".join(error_lines(path, err))) from None
    problems = [f"{path}: trl.{key}: {msg}" for key, msg in derived_trl_keys(recipe.trl).items()]
    if problems:
        raise RecipeError("\n".join(problems))
    return LoadedRecipe(path=path, recipe=recipe)


def derived_trl_keys(trl_args: dict[str, Any]) -> dict[str, str]:
    """``trl`` keys that hymar already derives from a ``grpo`` field -> why each is refused.

    A value there would silently beat both the ``grpo`` section and the matching `hymar train` flag
    (trl_args are applied last), so the recipe must set the ``grpo`` field instead.
    """
    if not trl_args:
        return {}
    from hymar.train.grpo import GRPOSettings, grpo_config_kwargs

    derived = set(grpo_config_kwargs(GRPOSettings(), "out", cpu=True)) - TRL_OVERRIDABLE
    return {
        key: "derived by hymar from the grpo section (hymar.train.grpo.grpo_config_kwargs); set the grpo field instead"
        for key in trl_args
        if key in derived
    }
