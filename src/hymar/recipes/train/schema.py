"""The train recipe schema (pydantic; unknown fields are errors, every error names its field).

A recipe fixes one GRPO run::

    policy: Qwen/Qwen2.5-VL-3B-Instruct            # folder or Hub id
    output_dir: runs/qwen2.5-vl-3b-harmo
    dataset:                                       # omitted: the synthetic task suite
      source: hiyouga/geometry3k                   # JSONL, folder or Hub name
      split: train
      column_map: {problem: prompt, answer: answer, images: image}
      task: math
    reward: {preset: harmo, set: ["hybrid.blend_threshold=0.9"]}   # or {config: my_reward.yaml}
    grpo: {num_generations: 8, learning_rate: 1.0e-6, beta: 0.04}   # any GRPOSettings field
    trl: {use_vllm: true, vllm_mode: colocate}      # extra trl.GRPOConfig arguments (GRPOSettings.trl_args)
    dtype: bfloat16                                # policy weights (GRPOSettings.dtype)
    accelerate_config: ../accelerate/deepspeed_zero2.yaml   # relative to this file
    launch: {num_processes: 7, env: {CUDA_VISIBLE_DEVICES: "1,2,3,4,5,6,7"}}
    notes: free text

The ``grpo`` section is generated from `hymar.train.settings.GRPOSettings`, so a new settings field is a
recipe field at once; ``dtype`` and ``trl_args`` sit at the top level (``dtype``, ``trl``).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from hymar.rewards.config import ConfigError, StrictModel
from hymar.rewards.presets import DEFAULT_PRESET
from hymar.rewards.source import RewardSource
from hymar.train.settings import DTYPES, GRPOSettings

#: GRPOSettings fields that a recipe sets at the top level, not in ``grpo``
TOP_LEVEL_SETTINGS = {"dtype": "dtype", "trl_args": "trl"}


class RecipeError(ConfigError):
    """A recipe is invalid; the message names the file and the field (``<file>: <field>: <problem>``)."""


class DatasetSection(StrictModel):
    """The task data, as `hymar.data.adapter.load_mapped_dataset` takes it."""

    source: str = Field(description="JSONL file, folder or Hub dataset name")
    split: str = "train"
    column_map: dict[str, str] | None = Field(None, description="user column -> hymar column")
    image_root: str | None = Field(None, description="folder relative image paths start from")
    task: str | None = Field(None, description="task tag for rows without one (math, choice, open, ...)")
    load_kwargs: dict[str, Any] = Field(default_factory=dict, description="extra datasets.load_dataset arguments")


class LaunchSection(StrictModel):
    """How the run is started (used for the printed launch lines and the world size of the dry run)."""

    num_processes: int | None = Field(None, ge=1, description="overrides the accelerate config's num_processes")
    env: dict[str, str] = Field(default_factory=dict, description="environment of the training processes")
    vllm_serve_env: dict[str, str] = Field(default_factory=dict, description="environment of `trl vllm-serve`")
    vllm_serve_args: tuple[str, ...] = Field((), description="extra `trl vllm-serve` arguments (server mode)")


def _grpo_section() -> type[BaseModel]:
    """A strict pydantic model with one optional field per `GRPOSettings` field (bar `TOP_LEVEL_SETTINGS`)."""
    hints = typing.get_type_hints(GRPOSettings)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(GRPOSettings):
        if f.name in TOP_LEVEL_SETTINGS:
            continue
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[misc]
        kind = hints[f.name]
        if f.name == "report_to":  # GRPOSettings also takes one logger name as a string
            kind = str | tuple[str, ...]
        fields[f.name] = (kind, default)
    return create_model("GRPOSection", __config__=ConfigDict(extra="forbid", frozen=True), **fields)


GRPOSection = _grpo_section()


class TrainRecipe(StrictModel):
    """A whole GRPO run (see the module docstring)."""

    policy: str = Field(description="policy folder or Hub id")
    output_dir: str = Field(description="run folder (hymar train's OUT_DIR; --out overrides it)")
    dataset: DatasetSection | None = Field(None, description="omitted: the synthetic task suite")
    reward: RewardSource = RewardSource(preset=DEFAULT_PRESET)
    grpo: GRPOSection = GRPOSection()  # type: ignore[valid-type]
    trl: dict[str, Any] = Field(default_factory=dict, description="extra trl.GRPOConfig arguments, applied last")
    dtype: Literal[DTYPES] | None = None  # type: ignore[valid-type]
    accelerate_config: str | None = Field(None, description="accelerate config file, relative to the recipe")
    launch: LaunchSection = LaunchSection()
    notes: str | None = None

    def grpo_fields(self) -> dict[str, Any]:
        """The `GRPOSettings` fields this recipe sets (those written in ``grpo``, plus dtype and trl)."""
        fields = self.grpo.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if self.dtype is not None:
            fields["dtype"] = self.dtype
        if self.trl:
            fields["trl_args"] = dict(self.trl)
        return fields
