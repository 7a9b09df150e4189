"""Eval recipes: YAML files that fix a benchmark evaluation (``recipes/eval/*.yaml``, ``hymar eval RECIPE``).

Schema (pydantic; unknown fields are errors; every error names the file and the field)::

    benchmark: mathvista                 # a label for reports (default: the file name)
    notes: "..."                         # free text
    policy: Qwen/Qwen2.5-VL-3B-Instruct  # optional; --policy overrides
    output_dir: out/eval/mathvista       # --out overrides
    dataset:
      source: AI4Math/MathVista          # Hub id or local folder (datasets.load_dataset)
      config: null                       # config name, or a list (concatenated); alias: name
      split: testmini
      column_map: {query: prompt, ...}   # dataset column -> hymar column (prompt, image, answer, ...)
      mapper: mathvista                  # hymar.data.benchmarks mapper (default: generic)
      task: null                         # task tag for rows the mapper leaves untagged
      load_kwargs: {}                    # more datasets.load_dataset arguments (revision, ...)
      limit: null                        # first N rows; --limit overrides
    prompt:
      template: "{prompt}"               # one literal {prompt}
      suffix: null                       # appended on a new line
      suffix_by_task: {choice: "..."}    # per task tag ("none": rows without a tag)
    generation: {max_new_tokens: 1024, batch_size: 8, temperature: 0.0, seed: 0}
    reward: {preset: harmo}              # optional: also the model-reward score; or {config: file, set: [K=V]}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator

from hymar.data.adapter import TASK_TARGETS
from hymar.data.benchmarks.load import PROMPT_FIELD, PromptFormat
from hymar.rewards.config import StrictModel, error_lines
from hymar.rewards.rules.answer_type import normalize_task
from hymar.rewards.source import RewardSource

RECIPE_SUFFIXES = (".yaml", ".yml")


class EvalRecipeError(ValueError):
    """An eval recipe that cannot be used; each line is ``<file>: <field.path>: <problem>``."""


class DatasetSpec(StrictModel):
    """Where the benchmark comes from and how its rows map onto hymar's columns."""

    source: str = Field(min_length=1)
    config: str | list[str] | None = Field(default=None, validation_alias=AliasChoices("config", "name"))
    split: str = Field(min_length=1)
    column_map: dict[str, str] = Field(default_factory=dict)
    mapper: str | None = None
    task: str | None = None
    load_kwargs: dict[str, Any] = Field(default_factory=dict)
    limit: int | None = Field(default=None, ge=1)

    @field_validator("column_map")
    @classmethod
    def _targets(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if v not in TASK_TARGETS}
        if bad:
            raise ValueError(f"targets {bad} are not hymar columns; expected one of {list(TASK_TARGETS)}")
        return value

    @field_validator("mapper")
    @classmethod
    def _mapper(cls, value: str | None) -> str | None:
        from hymar.data.benchmarks import mapper_names

        if value is not None and value not in mapper_names():
            raise ValueError(f"unknown mapper {value!r}; choose one of: {', '.join(mapper_names())}")
        return value

    @field_validator("task")
    @classmethod
    def _task(cls, value: str | None) -> str | None:
        if value is not None and normalize_task(value) is None:
            raise ValueError(f"unknown task tag {value!r} (math, count, choice, yesno, text, open, ...)")
        return value

    @field_validator("load_kwargs")
    @classmethod
    def _load_kwargs(cls, value: dict[str, Any]) -> dict[str, Any]:
        clash = sorted({"name", "split", "path"} & set(value))
        if clash:
            raise ValueError(f"{clash} belong in dataset.config / dataset.split / dataset.source, not load_kwargs")
        return value

    @property
    def configs(self) -> list[str | None]:
        """The config names to load, in order ([None] for the default config)."""
        return [self.config] if self.config is None or isinstance(self.config, str) else list(self.config)


class PromptSpec(StrictModel):
    """How the mapped question becomes the prompt (see `hymar.data.benchmarks.load.PromptFormat`)."""

    template: str = PROMPT_FIELD
    suffix: str | None = None
    suffix_by_task: dict[str, str] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        if value.count(PROMPT_FIELD) != 1:
            raise ValueError(f"must contain {PROMPT_FIELD} exactly once")
        return value

    @field_validator("suffix_by_task")
    @classmethod
    def _task_keys(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if k != "none" and normalize_task(k) is None]
        if bad:
            raise ValueError(f"unknown task tags {bad} (use a task tag, or 'none' for rows without one)")
        return value

    def to_format(self) -> PromptFormat:
        """The `PromptFormat` the loader applies."""
        return PromptFormat(template=self.template, suffix=self.suffix, suffix_by_task=dict(self.suffix_by_task))


class GenerationSpec(StrictModel):
    """Decoding settings (`hymar.eval.generate.GenerationSettings`)."""

    max_new_tokens: int = Field(default=1024, ge=1)
    batch_size: int = Field(default=8, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    seed: int = 0


class EvalRecipe(StrictModel):
    """A whole benchmark evaluation (see the module docstring)."""

    benchmark: str | None = None
    notes: str | None = None
    policy: str | None = None
    output_dir: str = Field(min_length=1)
    dataset: DatasetSpec
    prompt: PromptSpec = Field(default_factory=PromptSpec)
    generation: GenerationSpec = Field(default_factory=GenerationSpec)
    reward: RewardSource | None = None


def is_eval_recipe_path(value: str | os.PathLike[str]) -> bool:
    """Whether ``value`` names an existing .yaml/.yml file (so ``hymar eval`` reads it as a recipe)."""
    path = Path(value)
    return path.suffix.lower() in RECIPE_SUFFIXES and path.is_file()


def load_eval_recipe(path: str | os.PathLike[str]) -> EvalRecipe:
    """Read and validate an eval recipe; a relative ``reward.config`` is resolved against the file's folder.

    Args:
        path: the YAML file.

    Returns:
        The `EvalRecipe` (``benchmark`` defaults to the file's stem).

    Raises:
        EvalRecipeError: unreadable file, invalid YAML, or invalid fields, with one
            ``<file>: <field.path>: <problem>`` line per problem.
    """
    from hymar.rewards.config import read_config_file

    path = Path(path)
    data = read_config_file(path, what="recipe", error=EvalRecipeError)
    if not isinstance(data, dict):
        raise EvalRecipeError(f"{path}: <root>: an eval recipe is a mapping (output_dir, dataset, ...)")
    data.setdefault("benchmark", path.stem)
    reward = data.get("reward")
    if isinstance(reward, dict) and isinstance(reward.get("config"), str) and not Path(reward["config"]).is_absolute():
        data["reward"] = {**reward, "config": str(path.parent / reward["config"])}
    try:
        return EvalRecipe.model_validate(data)
    except ValidationError as err:
        raise EvalRecipeError("\n".join(error_lines(path, err))) from None


def with_overrides(recipe: EvalRecipe, origin: str = "<command line>", **overrides: Any) -> EvalRecipe:
    """The recipe with command-line values applied (None values are ignored).

    Args:
        recipe: the loaded recipe.
        origin: the name errors give the source.
        overrides: any of policy, output_dir, limit, split (dataset), max_new_tokens, batch_size,
            temperature, seed (generation), reward (a `RewardSource` mapping replacing the recipe's).

    Returns:
        A validated copy.

    Raises:
        EvalRecipeError: an override the schema rejects (naming the field).
    """
    data = recipe.model_dump()
    for key in ("policy", "output_dir"):
        if overrides.get(key) is not None:
            data[key] = overrides[key]
    for key in ("limit", "split"):
        if overrides.get(key) is not None:
            data["dataset"][key] = overrides[key]
    for key in ("max_new_tokens", "batch_size", "temperature", "seed"):
        if overrides.get(key) is not None:
            data["generation"][key] = overrides[key]
    if overrides.get("reward") is not None:
        data["reward"] = overrides["reward"]
    try:
        return EvalRecipe.model_validate(data)
    except ValidationError as err:
        raise EvalRecipeError("\n".join(error_lines(Path(origin), err))) from None
