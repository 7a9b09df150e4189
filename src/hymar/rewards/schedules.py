"""Reward schedules: a component's weight as a function of training progress.

A schedule sits next to the weight it changes::

    components:
      format: {weight: 1.0, schedule: {kind: linear, start: 1.0, end: 0.2}}        # fade the format reward
      length: {weight: 1.0, schedule: {kind: cosine, start: 0.0, end: 1.0}}       # phase the length penalty in
      repetition: {weight: 0.5, schedule: {kind: step, milestones: [[0.5, 1.0]]}} # 0.5, then 1.0 from half-way
    hybrid: {weight: 1.0, schedule: {kind: constant}}

Progress p = min(1, step / horizon) in [0, 1], where step is the trainer's ``global_step`` and the
horizon is the schedule's ``steps`` or else the trainer's ``max_steps``; both come from the
``trainer_state`` TRL's GRPOTrainer passes to reward functions (TRL 1.16,
``GRPOTrainer._calculate_rewards``: ``reward_kwargs["trainer_state"] = self.state``). Outside training
(``hymar score``, ``hymar serve``, a reward called without a step) p = 0.

=========  ==========================================================================
kind       weight at progress p
=========  ==========================================================================
constant   the component's ``weight``
linear     start + (end - start) * p
cosine     end + (start - end) * (1 + cos(pi * p)) / 2  (start at p = 0, end at p = 1)
step       ``start``, then the value of the last milestone [p_k, w_k] with p >= p_k
=========  ==========================================================================

``start`` and ``end`` default to the component's ``weight``. The TRL adapter logs every scheduled
weight each step as ``weights/<component>`` (and ``weights/progress``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

KINDS = ("constant", "linear", "cosine", "step")


class ScheduleConfig(BaseModel):
    """One weight schedule (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["constant", "linear", "cosine", "step"] = "constant"
    start: float | None = Field(None, description="weight at progress 0 (default: the component's weight)")
    end: float | None = Field(None, description="weight at progress 1 (linear, cosine; default: the weight)")
    milestones: tuple[tuple[float, float], ...] = Field(
        (), description="step: [progress, weight] pairs, progress in [0, 1], ascending"
    )
    steps: int | None = Field(None, ge=1, description="horizon in optimizer steps (default: the trainer's max_steps)")

    @model_validator(mode="after")
    def _check(self) -> ScheduleConfig:
        if self.kind == "step":
            if not self.milestones:
                raise ValueError("a step schedule needs milestones: [[progress, weight], ...]")
            at = [p for p, _ in self.milestones]
            if any(not 0.0 <= p <= 1.0 for p in at) or at != sorted(at):
                raise ValueError(f"milestone progresses must be ascending values in [0, 1], got {at}")
        elif self.milestones:
            raise ValueError(f"milestones apply to step schedules only, not {self.kind!r}")
        return self


def progress(step: int | None, max_steps: int | None, horizon: int | None = None) -> float:
    """min(1, step / horizon) with the schedule's horizon or the trainer's max_steps; 0 when unknown."""
    total = horizon or max_steps
    if step is None or not total or total <= 0:
        return 0.0
    return min(1.0, max(0.0, step / total))


def weight_at(schedule: ScheduleConfig | None, weight: float, step: int | None = None, max_steps: int | None = None) -> float:
    """The weight at a training step (``weight`` itself without a schedule).

    Example:
        >>> weight_at(ScheduleConfig(kind="linear", start=1.0, end=0.0), 1.0, step=25, max_steps=100)
        0.75
    """
    if schedule is None or schedule.kind == "constant":
        return weight
    p = progress(step, max_steps, schedule.steps)
    start = weight if schedule.start is None else schedule.start
    end = weight if schedule.end is None else schedule.end
    if schedule.kind == "linear":
        return start + (end - start) * p
    if schedule.kind == "cosine":
        return end + (start - end) * (1.0 + math.cos(math.pi * p)) / 2.0
    value = start
    for at, w in schedule.milestones:
        if p >= at:
            value = w
    return value


def trainer_step(trainer_state: Any) -> tuple[int | None, int | None]:
    """(global_step, max_steps) of a transformers ``TrainerState`` (None, None when absent)."""
    if trainer_state is None:
        return None, None
    step = getattr(trainer_state, "global_step", None)
    max_steps = getattr(trainer_state, "max_steps", None)
    return (step if isinstance(step, int) else None), (max_steps if isinstance(max_steps, int) and max_steps > 0 else None)
