"""Weights & Biases for `hymar train` (``--report-to wandb``): an offline run by default, plus rollout media.

The run. transformers' ``WandbCallback`` opens a run only when none is open, in project "huggingface"
under ``./wandb``, and online unless ``WANDB_MODE`` says otherwise. `RolloutLogger` is placed before it
(`install`) and opens the run first (`start_run`): offline unless ``WANDB_MODE`` is set (training must
never wait on, or fail for, a network), files under ``OUT/logs/wandb`` unless ``WANDB_DIR`` is set,
project ``$WANDB_PROJECT`` or "hymar", name ``$WANDB_NAME`` or the run folder's name. Upload later with
``wandb sync OUT/logs/wandb/offline-run-*``. A run the user opened before training is used as is.

Scalars. ``WandbCallback.on_log`` sends the Trainer's log dict through the same ``rewrite_logs`` as
``TensorBoardCallback`` (a ``train/`` prefix), so W&B and TensorBoard carry the same names:
``train/reward``, ``train/rewards/<component>/mean|std|confidence|invalid_rate``, ``train/weights/...``,
each against ``train/global_step``.

Media (`RolloutLogger`, main process only, every ``rollout_log_steps`` optimizer steps):
``rollouts/<component>`` histograms of the per-rollout values (``rollouts/hymar`` for the total) and a
``rollouts/samples`` table of the first ``rollout_table_rows`` rollouts (step, prompt, completion, gold,
total, each component, advantage). The values are the batch hymar already scored
(`HymarRewardFunction.last_batch`, this process's share of the step), never a second scoring; the
advantage is TRL's, read from the trainer's completion log when its rows are that batch's rows. A
logging failure is a warning, never a stopped run.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.integrations.trl import TOTAL_NAME, completion_to_text
from hymar.rewards.types import RewardResult, Sample

logger = logging.getLogger(__name__)

WANDB = "wandb"
DEFAULT_PROJECT = "hymar"
#: prompt and completion cells are cut to this many characters (a table row stays small)
MAX_TEXT = 2000


def wants_wandb(report_to: Sequence[str]) -> bool:
    """True when W&B is among the Trainer loggers (``"all"`` includes it)."""
    return any(name in (WANDB, "all") for name in report_to)


def start_run(log_dir: str | Path, default_name: str) -> Any:
    """Open the W&B run of a training run, unless one is open; returns the run hymar opened, else None.

    Args:
        log_dir: the run's log folder; W&B writes ``log_dir/wandb/offline-run-*`` (``$WANDB_DIR`` wins).
        default_name: the run's name when ``$WANDB_NAME`` is unset.
    """
    import wandb

    if wandb.run is not None:  # the user's own run: theirs to configure and finish
        return None
    directory = os.environ.get("WANDB_DIR") or str(log_dir)
    Path(directory).mkdir(parents=True, exist_ok=True)
    return wandb.init(
        project=os.environ.get("WANDB_PROJECT") or DEFAULT_PROJECT,
        name=os.environ.get("WANDB_NAME") or default_name,
        dir=directory,
        mode=os.environ.get("WANDB_MODE") or "offline",  # passed on: wandb reads its environment once per process
    )


# ----------------------------------------------------------------------------- what gets logged
def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def rollout_values(result: RewardResult) -> dict[str, list[float]]:
    """Per name (the total "hymar", then each component) the batch's values: finite totals, and each
    component's values where it applies (the values behind ``rewards/<name>/mean``)."""
    values = {TOTAL_NAME: [r for r in (_finite(t) for t in result.rewards) if r is not None]}
    for name, scores in result.components.items():
        values[name] = [float(s.value) for s in scores if s.applies]
    return values


def rollout_table(
    samples: Sequence[Sample],
    result: RewardResult,
    *,
    step: int,
    advantages: Sequence[float] | None = None,
    limit: int = 8,
) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of the sample-rollout table (at most ``limit`` rows, text cut to `MAX_TEXT`).

    Columns: step, prompt, completion, gold (the answer, else the reference), the total "hymar", each
    component (None where it does not apply), advantage (None when unknown).
    """
    names = list(result.components)
    columns = ["step", "prompt", "completion", "gold", TOTAL_NAME, *names, "advantage"]
    rows = []
    for i, sample in enumerate(samples[: max(limit, 0)]):
        gold = sample.answer if sample.answer is not None else sample.reference
        scores = [result.components[name][i] for name in names]
        advantage = _finite(advantages[i]) if advantages is not None and i < len(advantages) else None
        rows.append([
            step, sample.prompt_text[:MAX_TEXT], sample.completion[:MAX_TEXT], gold, _finite(result.rewards[i]),
            *(float(s.value) if s.applies else None for s in scores), advantage,
        ])
    return columns, rows


def trainer_advantages(trainer: Any, samples: Sequence[Sample]) -> list[float] | None:
    """TRL's advantages of ``samples``, from the trainer's completion log, or None when its rows are not
    these (TRL keeps the last gathered generation batch there; this process's rows come first)."""
    logs = getattr(trainer, "_logs", None)
    if not isinstance(logs, Mapping) or "advantages" not in logs or "completion" not in logs:
        return None
    completions, advantages = list(logs["completion"]), list(logs["advantages"])
    n = len(samples)
    if len(completions) < n or len(advantages) < n:
        return None
    if [completion_to_text(c) for c in completions[:n]] != [s.completion for s in samples]:
        return None
    return [float(a) for a in advantages[:n]]


# ----------------------------------------------------------------------------- the callback
def _trainer_callback_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


class RolloutLogger(_trainer_callback_base()):
    """Opens the offline W&B run and logs rollout histograms and a sample table every ``every`` steps.

    Args:
        reward_func: the run's total `HymarRewardFunction` (its `last_batch` is read).
        log_dir: where the W&B run folder goes (see `start_run`).
        run_name: the W&B run's default name.
        every: optimizer steps between logs; 0 logs no media (the run is still opened offline).
        rows: rows per table.
        trainer: the trainer, for TRL's advantages (optional).
    """

    def __init__(self, reward_func: Any, log_dir: str | Path, run_name: str, *, every: int = 10, rows: int = 8, trainer: Any = None):
        self.reward_func = reward_func
        self.log_dir = Path(log_dir)
        self.run_name = run_name
        self.every = every
        self.rows = rows
        self.trainer = trainer
        self.run: Any = None  # the run hymar opened (and finishes)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        try:
            self.run = start_run(self.log_dir, self.run_name)
        except Exception as err:  # noqa: BLE001 - W&B failing to start must not stop the training
            logger.warning("hymar: could not open the W&B run in %s: %s: %s", self.log_dir, type(err).__name__, err)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero or self.every <= 0 or state.global_step % self.every:
            return
        try:
            self.log_rollouts(state.global_step)
        except Exception as err:  # noqa: BLE001 - logging must never cost the run
            logger.warning("hymar: W&B rollout logging failed at step %d: %s: %s", state.global_step, type(err).__name__, err)

    def log_rollouts(self, step: int) -> dict[str, Any] | None:
        """Log the last scored batch's histograms and table; returns what was logged (None: no batch)."""
        import wandb

        batch = self.reward_func.last_batch
        if batch is None or wandb.run is None:
            return None
        samples, result = batch
        payload: dict[str, Any] = {
            f"rollouts/{name}": wandb.Histogram(values) for name, values in rollout_values(result).items() if values
        }
        advantages = trainer_advantages(self.trainer, samples) if self.trainer is not None else None
        columns, rows = rollout_table(samples, result, step=step, advantages=advantages, limit=self.rows)
        payload["rollouts/samples"] = wandb.Table(columns=columns, data=rows)
        wandb.log({**payload, "train/global_step": step})  # WandbCallback's x axis
        return payload

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # after WandbCallback's on_train_end (it comes later in the list) and the Trainer's last log
        if self.run is not None:
            run, self.run = self.run, None
            try:
                run.finish()
            except Exception as err:  # noqa: BLE001 - the model is trained; a W&B fault must not lose it
                logger.warning("hymar: finishing the W&B run failed: %s: %s", type(err).__name__, err)


def install(trainer: Any, reward_func: Any, out_dir: str | Path, log_dir: str | Path, *, every: int, rows: int) -> RolloutLogger:
    """Add a `RolloutLogger` to ``trainer`` ahead of transformers' ``WandbCallback`` (so hymar's
    offline run is open before that callback would open its own)."""
    from transformers.integrations import WandbCallback

    callback = RolloutLogger(reward_func, Path(log_dir), Path(out_dir).resolve().name, every=every, rows=rows, trainer=trainer)
    callbacks = trainer.callback_handler.callbacks
    index = next((i for i, c in enumerate(callbacks) if isinstance(c, WandbCallback)), len(callbacks))
    callbacks.insert(index, callback)
    return callback
