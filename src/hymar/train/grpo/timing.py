"""Where a GRPO step's wall time goes: reward computation versus everything else.

`TimedRewardFunction` wraps each TRL reward function and adds the seconds spent inside it to a shared
`RewardClock`; `StepTimer` (a ``TrainerCallback``) records each optimizer step's wall time and the reward
seconds that fell into it. The issue's target ("reward computation takes at most 10% of a GRPO step's
wall time with the full preset") is read off `StepTimer.summary`; `warm_reward` moves the reward's
one-off start-up (model loading, the verifier's sandbox workers) before the first step.

The wrapper times what TRL waits for: building `Sample` objects from TRL's arguments, the single hybrid
scoring of the batch (the total function) and the per-component views (cache reads). TRL's own
``profiling_context`` reports the same spans only to wandb/mlflow, so it cannot be used offline.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hymar.rewards.types import Reward


class RewardClock:
    """Accumulated seconds spent in reward functions (thread-safe; pickles as a fresh clock)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
            self.calls += 1

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()


class TimedRewardFunction:
    """A TRL reward function that reports its wall time to a `RewardClock`.

    Keeps the wrapped function's ``__name__`` (TRL logs ``rewards/<__name__>/mean``). Only synchronous
    functions are wrapped: an async one would be timed while it waits on the event loop.

    Args:
        func: the reward function ``(prompts, completions, **kwargs) -> list[float]``.
        clock: where the seconds go.
    """

    def __init__(self, func: Callable[..., Any], clock: RewardClock):
        self.func = func
        self.clock = clock
        self.__name__ = getattr(func, "__name__", type(func).__name__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.clock.add(time.perf_counter() - start)


def timed(funcs: Sequence[Callable[..., Any]], clock: RewardClock) -> list[Callable[..., Any]]:
    """Wrap every reward function in `TimedRewardFunction` sharing ``clock``."""
    return [TimedRewardFunction(f, clock) for f in funcs]


def warm_reward(reward: Reward, rows: Sequence[Mapping[str, Any]]) -> float:
    """Pay a reward's one-off start-up costs before training, so step times show the steady state.

    Scores one small batch built from ``rows`` (each row's demonstration, or its gold answer or
    reference in answer tags) through the whole reward, which loads lazily built models such as the
    embedding encoder; and starts the rule verifier's sandbox worker pool (forkserver boot, sympy and
    math-verify imports, ~0.3-2 s) when the reward has a rule verifier, since only odd answers reach
    it and the first one would otherwise land in some later step.

    Args:
        reward: a resolved hymar reward (``component_names``, ``__call__(samples, groups)``).
        rows: a few task rows (prompt, image, answer, reference, task, demonstration).

    Returns:
        Seconds spent.
    """
    from hymar.rewards.rules.verifier import AccuracyReward
    from hymar.rewards.types import Sample

    start = time.perf_counter()
    samples = []
    for row in rows:
        target = row.get("demonstration") or f"<answer>{row.get('answer') or row.get('reference') or ''}</answer>"
        samples.append(
            Sample(
                prompt=row.get("prompt") or "",
                completion=target,
                images=(row["image"],) if row.get("image") is not None else (),
                answer=row.get("answer"),
                reference=row.get("reference"),
                task=row.get("task"),
            )
        )
    if samples:
        reward(samples, list(range(len(samples))))
    components = getattr(reward, "components", None)
    if isinstance(components, Mapping) and any(isinstance(c, AccuracyReward) for c in components.values()):
        from hymar.rewards.rules.sandbox import shared_runner

        shared_runner().warm()
    return time.perf_counter() - start


def _trainer_callback_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


class StepTimer(_trainer_callback_base()):
    """Records, per optimizer step, its wall seconds and the reward seconds spent within it.

    Args:
        clock: the `RewardClock` the reward functions report to.
    """

    def __init__(self, clock: RewardClock):
        self.clock = clock
        self.steps: list[dict[str, float]] = []
        self._start: float | None = None
        self._reward_start = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()
        self._reward_start = self.clock.seconds

    def on_step_end(self, args, state, control, **kwargs):
        if self._start is None:
            return
        wall = time.perf_counter() - self._start
        reward = self.clock.seconds - self._reward_start
        self.steps.append({"step": float(state.global_step), "seconds": wall, "reward_seconds": reward})
        self._start = None

    def summary(self) -> dict[str, float | int | None]:
        """Step-time statistics.

        Returns:
            ``steps``; ``step_seconds_mean`` and ``reward_share`` over all steps; the same after the first
            step (``..._steady``), which pays one-off costs such as loading an embedding model on the first
            reward call; and ``reward_seconds_total``. None where there are no steps to average.
        """
        return {
            "steps": len(self.steps),
            "step_seconds_mean": _mean([s["seconds"] for s in self.steps]),
            "reward_share": _share(self.steps),
            "step_seconds_mean_steady": _mean([s["seconds"] for s in self.steps[1:]]),
            "reward_share_steady": _share(self.steps[1:]),
            "reward_seconds_total": round(sum(s["reward_seconds"] for s in self.steps), 4),
        }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _share(steps: list[dict[str, float]]) -> float | None:
    wall = sum(s["seconds"] for s in steps)
    if not steps or not math.isfinite(wall) or wall <= 0:
        return None
    return round(sum(s["reward_seconds"] for s in steps) / wall, 4)
