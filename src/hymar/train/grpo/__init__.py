"""GRPO with a hymar reward on TRL (``hymar train``): the run (`recipe`), its dataset (`data`), its step
timing (`timing`); the settings are `hymar.train.settings.GRPOSettings`. See `hymar.train.grpo.recipe`."""

from hymar.train.grpo.recipe import (
    LOG_DIR,
    METRICS_FILE,
    STATE_FILE,
    WARMUP_ROWS,
    GRPORecipe,
    grpo_config_kwargs,
    run_grpo,
)
from hymar.train.settings import ADVANTAGES, LOSS_TYPES, GRPOSettings

__all__ = [
    "ADVANTAGES", "LOG_DIR", "LOSS_TYPES", "METRICS_FILE", "STATE_FILE", "WARMUP_ROWS",
    "GRPORecipe", "GRPOSettings", "grpo_config_kwargs", "run_grpo",
]
