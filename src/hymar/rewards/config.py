"""The reward configuration (YAML), validated with pydantic; every error names the offending field.

A component's weight and arguments sit next to it::

    components:
      accuracy:   {weight: 0.0}                      # type defaults to the key
      similarity: {weight: 0.0, args: {rescale: unit}}
      format:     {weight: 1.0}
      length:     {weight: 1.0, args: {preset: harmo, unit: words}}
      judge:      {weight: 0.5, args: {base_url: "http://localhost:8000/v1", model: m},
                   timeout_s: 60, failure_threshold: 3, cooldown_s: 120}   # fault guard, see hymar.rewards.guard
    hybrid:                                          # the routed correctness term, logged as "hybrid"
      weight: 1.0
      rule: accuracy
      model: similarity
      blend_threshold: 0.8
    normalization: none                              # none | mean_center | gdpo | hero
    gates:
      - {target: hybrid, requires: format, threshold: 1.0}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from hymar.rewards.schedules import ScheduleConfig


class ConfigError(ValueError):
    """A reward configuration is invalid; the message names the file and field."""


class StrictModel(BaseModel):
    """The base of every hymar config model (reward configs, recipes): unknown fields are errors, frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def error_lines(origin: str | Path, err: ValidationError) -> list[str]:
    """One ``<origin>: <field.path>: <problem>`` line per problem of a pydantic validation error."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "<root>"
        lines.append(f"{origin}: {loc}: {e['msg'].removeprefix('Value error, ')}")
    return lines


class ComponentConfig(StrictModel):
    """One reward component: what to build and how much it counts."""

    type: str | None = Field(None, description="registry name or 'pkg.module:attr'; defaults to the key")
    weight: float = Field(1.0, description="weight in the total; 0 = scored and logged only")
    schedule: ScheduleConfig | None = Field(None, description="weight over training (see hymar.rewards.schedules)")
    args: dict[str, Any] = Field(default_factory=dict, description="constructor arguments")
    timeout_s: float | None = Field(
        None, gt=0, description="seconds one batch may take, else its scores are invalid; "
        "None = the component's default (120 s for the HTTP judge, no deadline otherwise)"
    )
    failure_threshold: int | None = Field(
        None, ge=1, description="consecutive failed batches (the component raised or timed out; samples "
        "scored invalid never count) that open the circuit; None = the component's default (3 for model "
        "and user components, no breaker for the built-in rule, aspect and length components)"
    )
    cooldown_s: float = Field(60.0, ge=0, description="seconds an open circuit skips the component before a retry")


class HybridConfig(StrictModel):
    """Routing and confidence blending of rule and model scores into one correctness term.

    Verifiable samples go to the rule component; where the rule's confidence is below
    ``blend_threshold`` its value is blended with the (calibrated) model score:
    r = c * r_rule + (1 - c) * r_model, capped at r_rule with ``blend: down`` (the default: otherwise a
    hedge or an empty answer, which the rule scores 0 with low confidence, would earn model credit an
    honest wrong answer does not; `hymar probe` finds exactly that). Samples the rule cannot judge (invalid) or that it does not
    apply to (open-ended tasks, no gold answer) are routed to the model.
    """

    weight: float = 1.0
    schedule: ScheduleConfig | None = None
    rule: str | None = "accuracy"
    model: str | None = None
    blend_threshold: float = Field(0.8, ge=0.0, le=1.0)
    blend: Literal["down", "both"] = Field(
        "down", description="down: a blend may lower an uncertain rule verdict, never raise it (an uncertain "
        "wrong answer earns no more than a clear one; see docs/probe.md); both: the plain blend"
    )
    score_model: Literal["routed", "all"] = Field(
        "routed", description="score a zero-weight model only where routing needs it, or on every sample"
    )
    model_tasks: tuple[str, ...] = Field(
        ("open", "open_ended", "caption", "description"), description="task tags always routed to the model"
    )

    @model_validator(mode="after")
    def _needs_a_source(self) -> HybridConfig:
        if self.rule is None and self.model is None:
            raise ValueError("hybrid needs a rule or a model component")
        return self


class GateConfig(StrictModel):
    """``target`` counts only where component ``requires`` scored at least ``threshold``."""

    target: str
    requires: str
    threshold: float = 1.0


class HeroConfig(StrictModel):
    """HERO stratification bounds (arXiv 2510.07242): wrong -> [-alpha, alpha], right -> [1-beta, 1+beta]."""

    alpha: float = Field(0.1, ge=0.0)
    beta: float = Field(0.1, ge=0.0)
    weighting: bool = True


class CalibrationConfig(StrictModel):
    path: str | None = Field(None, description="JSON saved by DomainCalibration.save")


class RewardConfig(StrictModel):
    """The whole hybrid reward."""

    components: dict[str, ComponentConfig]
    hybrid: HybridConfig | None = None
    normalization: Literal["none", "mean_center", "gdpo", "hero"] = "none"
    hero: HeroConfig = HeroConfig()
    gates: tuple[GateConfig, ...] = ()
    calibration: CalibrationConfig | None = None

    @field_validator("components")
    @classmethod
    def _non_empty(cls, value: dict[str, ComponentConfig]) -> dict[str, ComponentConfig]:
        if not value:
            raise ValueError("at least one component is required")
        for name in value:
            if name in {"hybrid", "total"} or "/" in name:
                raise ValueError(f"component name {name!r} is reserved or contains '/'")
        return value

    @model_validator(mode="after")
    def _references_exist(self) -> RewardConfig:
        names = set(self.components)
        if self.hybrid is not None:
            for field_name in ("rule", "model"):
                ref = getattr(self.hybrid, field_name)
                if ref is not None and ref not in names:
                    raise ValueError(f"hybrid.{field_name}: {ref!r} is not a component (have {sorted(names)})")
        for i, gate in enumerate(self.gates):
            for field_name in ("target", "requires"):
                ref = getattr(gate, field_name)
                if ref not in names and not (ref == "hybrid" and self.hybrid is not None):
                    raise ValueError(f"gates[{i}].{field_name}: {ref!r} is not a component")
        if self.normalization == "hero" and (self.hybrid is None or self.hybrid.model is None or self.hybrid.rule is None):
            raise ValueError("normalization 'hero' needs hybrid.rule and hybrid.model")
        return self

    def component_type(self, name: str) -> str:
        return self.components[name].type or name


def read_config_file(path: str | Path, *, what: str = "reward config", error: type[ValueError] = ConfigError) -> Any:
    """The YAML data of a config file (reward configs, train and eval recipes).

    Args:
        path: the file.
        what: what the file is, for the error message.
        error: the exception class to raise.

    Raises:
        ``error``: unreadable file or invalid YAML, naming the file.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise error(f"{path}: cannot read {what}: {err.strerror}") from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise error(f"{path}: not valid YAML: {err}") from err


def load_config(source: str | Path | dict[str, Any], origin: str | None = None) -> RewardConfig:
    """Load and validate a reward config from a YAML path or a mapping.

    Args:
        source: a YAML file path, or the config as a mapping.
        origin: the name errors give the source (default: the path, or "<dict>").
    Raises:
        ConfigError: with ``<file>: <field.path>: <problem>`` lines.
    """
    if isinstance(source, (str, Path)):
        origin = origin or str(source)
        data = read_config_file(source)
    else:
        origin = origin or "<dict>"
        data = source
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: a reward config is a mapping with a 'components' key")
    try:
        return RewardConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError("\n".join(error_lines(origin, err))) from None
