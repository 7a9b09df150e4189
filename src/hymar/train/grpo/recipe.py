"""GRPO with a hymar reward: a thin recipe over TRL's ``GRPOTrainer`` (``hymar train``).

The reward is a hymar preset, config file, config mapping or `HybridReward`; it reaches TRL through
`hymar.integrations.trl.make_reward_funcs`: one total function "hymar" (weight 1) that scores each batch
once, plus a zero-weight view per component, so TRL logs ``rewards/<component>/mean|std`` for every
component (and ``.../confidence|invalid_rate`` through ``log_metric``). Logs go to TensorBoard by
default (offline event files in ``OUT/logs``; "wandb" in ``report_to``: an offline W&B run in
``OUT/logs/wandb`` with the same names plus rollout histograms and tables, `hymar.train.wandb_logging`),
checkpoints to ``OUT/checkpoint-N``, the final policy and its processing class to ``OUT``, with
`METRICS_FILE` (step times, reward-time share, first and last logged reward, per-rank report) and TRL's
`STATE_FILE`.

Multi-process and resume (docs/training.md): the run is rank-aware (`hymar.train.ranks`: one writer per
file, a per-rank weights digest gathered into `METRICS_FILE`, whole reward groups per rank asserted at
setup); checkpoints are marked complete after the Trainer wrote them and ``resume`` picks the newest
complete one (`hymar.train.checkpoints`); the prompt order survives a resume in a later epoch
(`hymar.train.resumable`). Run outputs are written atomically; `METRICS_FILE` is written last and removed
before the final model is saved, so a run folder is complete exactly when it holds `METRICS_FILE`.

Advantage and loss (checked against TRL 1.16's ``GRPOConfig`` / ``_generate_and_score_completions``):

============ ======================= ===================================================================
advantage    GRPOConfig              advantage of rollout i in a group of G
============ ======================= ===================================================================
"harmo"      scale_rewards="none"    r_i - mean(r)  (HARMO / Dr.GRPO: no std division)
"grpo"       scale_rewards="group"   (r_i - mean(r)) / (std(r) + 1e-4)  (DeepSeekMath GRPO)
"batch"      scale_rewards="batch"   (r_i - mean(r)) / (std over the whole batch + 1e-4)
============ ======================= ===================================================================

``loss_type`` is passed through to TRL unchanged ("grpo": per-sequence length normalisation, "dr_grpo":
a constant, ``max_completion_length``, "dapo": active tokens of the global batch, "bnpo": active tokens of
the local batch, and TRL's newer "cispo", "sapo", "luspo", "vespo"). The default pairs the HARMO
advantage with "dr_grpo", which is Dr.GRPO exactly: no std division and no per-sequence length
normalisation.

Where this departs from the paper (HARMO, arXiv 2510.05283; details we could not read are marked):

- The paper's GRPO settings (group size, KL, clip range, learning rate) are unknown to us; the defaults
  here suit the embedded tiny policy on 2 CPU cores (``num_generations=8``, ``beta=0`` as in TRL, a
  learning rate of 1e-4, high for RL because the tiny policy is trained from scratch; 5e-4 collapsed
  the SFT'd tiny policy within three steps in our check). For Qwen2.5-VL-3B use a learning
  rate around 1e-6 and a small ``beta`` (e.g. 0.04) on a GPU.
- The paper trains with its own framework; TRL's generation loop, clipping (epsilon 0.2) and loss
  aggregation are used here unchanged.
- The length penalty and format/adherence terms are reward components, not trainer features, so any
  trainer (TRL, verl) gets the same reward; the trainer sees one scalar per rollout.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hymar.rewards.presets import DEFAULT_PRESET
from hymar.rewards.types import RewardSpec
from hymar.train.settings import ADVANTAGES, GRPOSettings

METRICS_FILE = "grpo_metrics.json"
STATE_FILE = "trainer_state.json"
LOG_DIR = "logs"

#: at most this many dataset rows (one per task tag) are scored once before training, so the reward's
#: models load before the first step (see `hymar.train.grpo.timing.warm_reward`)
WARMUP_ROWS = 8


def grpo_config_kwargs(settings: GRPOSettings, out_dir: str | Path, *, cpu: bool, bf16: bool = False) -> dict[str, Any]:
    """The ``trl.GRPOConfig`` arguments for ``settings`` (the advantage mapping lives here).

    Args:
        settings: the run's settings.
        out_dir: the run folder (TRL's ``output_dir``; checkpoints go below it).
        cpu: train on CPU.
        bf16: mixed precision (GPUs that support it).

    Returns:
        Keyword arguments for ``GRPOConfig``.
    """
    s = settings
    kwargs: dict[str, Any] = dict(
        output_dir=str(out_dir),
        scale_rewards=ADVANTAGES[s.advantage],
        loss_type=s.loss_type,
        num_generations=s.num_generations,
        per_device_train_batch_size=s.prompts_per_step * s.num_generations,
        max_completion_length=s.max_completion_length,
        learning_rate=s.learning_rate,
        lr_scheduler_type="constant",
        max_steps=s.max_steps if s.max_steps > 0 else -1,
        num_train_epochs=s.epochs,
        temperature=s.temperature,
        beta=s.beta,
        seed=s.seed,
        data_seed=s.seed,
        shuffle_dataset=s.shuffle,
        logging_steps=s.logging_steps,
        save_strategy="steps" if s.save_steps > 0 else "no",
        report_to=list(s.report_to) or "none",
        use_cpu=cpu,
        bf16=bf16,
        disable_tqdm=not s.progress,
        dataloader_num_workers=0,
        **_checkpointing_kwargs(s.gradient_checkpointing),
    )
    if s.save_steps > 0:
        kwargs["save_steps"] = s.save_steps
        kwargs["save_total_limit"] = s.save_total_limit
    kwargs.update(s.trl_args)
    return kwargs


def _checkpointing_kwargs(enabled: bool) -> dict[str, bool]:
    # transformers 5 renamed gradient_checkpointing to activation_checkpointing; GRPOConfig turns the old
    # name on by default, and only the new name, set explicitly, wins over it
    from trl import GRPOConfig

    names = {f.name for f in dataclasses.fields(GRPOConfig)}
    key = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    return {key: enabled}


def _reward_label(reward: RewardSpec) -> str:
    return str(reward) if isinstance(reward, (str, Path)) else type(reward).__name__


class GRPORecipe:
    """A GRPO run in three steps: `setup` (policy, data, reward functions, trainer), `train`, `save`.

    Args:
        policy_path: any policy folder or Hub id `hymar.models.loading.load_policy` accepts (the SFT'd
            tiny VLM, Qwen2.5-VL-3B-Instruct, a text model).
        train_dataset: a task dataset (``prompt`` + answer/reference/task/image columns, the layout of
            ``hymar.data.synthetic.build_task_suite`` and ``hymar.data.adapter.load_mapped_dataset``).
        out_dir: run folder.
        reward: `HybridReward`, preset name, config path or mapping (see `make_reward_funcs`).
        settings: trainer settings.
        callbacks: extra ``TrainerCallback`` objects.
    """

    def __init__(
        self,
        policy_path: str | Path,
        train_dataset: Any,
        out_dir: str | Path,
        *,
        reward: RewardSpec = DEFAULT_PRESET,
        settings: GRPOSettings = GRPOSettings(),
        callbacks: Sequence[Any] = (),
    ):
        self.policy_path = policy_path
        self.train_dataset = train_dataset
        self.out = Path(out_dir)
        self.reward = reward
        self.settings = settings
        self.callbacks = list(callbacks)
        self.trainer: Any = None
        self.timer: Any = None
        self.component_names: list[str] = []
        self.wall_seconds: float | None = None
        self.device = "cpu"
        self.warmup_seconds: float | None = None
        self.ledger: Any = None
        self.initial_digest: str | None = None

    def setup(self) -> None:
        """Load the policy, map the data, build the (timed) reward functions and the trainer."""
        import torch
        from trl import GRPOConfig

        from hymar.integrations.trl import make_reward_funcs
        from hymar.models.loading import load_policy
        from hymar.train.checkpoints import CheckpointMarker
        from hymar.train.grpo.data import to_grpo_dataset
        from hymar.train.grpo.timing import RewardClock, StepTimer, timed, warm_reward
        from hymar.train.ranks import RolloutLedger, check_whole_groups, weights_digest
        from hymar.train.dynamic_sampling import DynamicSamplingGRPOTrainer
        from hymar.train.resumable import ResumableGRPOTrainer
        from hymar.train.wandb_logging import install as install_wandb
        from hymar.train.wandb_logging import wants_wandb

        s = self.settings
        cpu = (not torch.cuda.is_available()) if s.use_cpu is None else s.use_cpu
        funcs, weights = make_reward_funcs(self.reward, group_size=s.num_generations)
        self.component_names = list(funcs[0].component_names)
        bf16 = (not cpu) and torch.cuda.is_bf16_supported()
        config = GRPOConfig(**grpo_config_kwargs(s, self.out, cpu=cpu, bf16=bf16), reward_weights=weights)
        check_whole_groups(config.per_device_train_batch_size, config.steps_per_generation, config.num_generations)
        # the config knows this process's device (cuda:LOCAL_RANK under a multi-GPU launch): loading onto a
        # bare "cuda" would put every rank's copy on GPU 0 first
        self.device = "cpu" if cpu else str(config.device)
        model, processing_class = load_policy(self.policy_path, device=self.device, dtype=s.dtype)
        multimodal = hasattr(processing_class, "image_processor")
        data = to_grpo_dataset(self.train_dataset, keep_images=multimodal)
        if config.process_index == 0:  # only the main process reports it; hashing a large model costs seconds
            self.initial_digest = weights_digest(model)
        warm_rows = [self.train_dataset[i] for i in _one_row_per_task(self.train_dataset)]
        self.warmup_seconds = warm_reward(funcs[0].reward, warm_rows)
        total = funcs[0]
        self.ledger = RolloutLedger(total, s.num_generations)  # what this rank scored (the total only)
        funcs = [self.ledger, *funcs[1:]]
        clock = RewardClock()
        self.timer = StepTimer(clock)
        sampling: dict[str, Any] = {}
        trainer_class: Any = ResumableGRPOTrainer
        if s.dynamic_sampling:
            trainer_class = DynamicSamplingGRPOTrainer
            sampling = {"outcome": s.dynamic_sampling_outcome, "max_rounds": s.dynamic_sampling_rounds}
        self.trainer = trainer_class(
            **sampling,
            model=model,
            reward_funcs=timed(funcs, clock),
            args=config,
            train_dataset=data,
            processing_class=processing_class,
            callbacks=[self.timer, CheckpointMarker(), *self.callbacks],
        )
        _point_tensorboard(self.trainer, self.out / LOG_DIR)
        if wants_wandb(s.report_to):
            install_wandb(self.trainer, total, self.out, self.out / LOG_DIR, every=s.rollout_log_steps, rows=s.rollout_table_rows)

    def train(self, resume: bool | str | Path | None = None) -> None:
        """Run GRPO (after `setup`).

        Args:
            resume: None: start fresh; True: continue from the newest complete checkpoint in the run
                folder; a path: from that checkpoint (see `hymar.train.checkpoints.resume_checkpoint`).
                Model, optimizer, scheduler, RNG states, logged history and data position are restored.

        Raises:
            ValueError: ``resume`` asks for a checkpoint that does not exist or is incomplete.
        """
        from hymar.train.checkpoints import resume_checkpoint

        if self.trainer is None:
            raise RuntimeError("call setup() before train()")
        checkpoint = resume_checkpoint(self.out, resume)
        start = time.perf_counter()
        self.trainer.train(resume_from_checkpoint=None if checkpoint is None else str(checkpoint))
        self.wall_seconds = time.perf_counter() - start

    def save(self) -> Path:
        """Save the policy, its processing class, TRL's state and `METRICS_FILE` to the run folder.

        Every rank must call it (the per-rank reports are gathered); only the main process writes.
        `METRICS_FILE` is removed first and written last, so it marks a complete final save.

        Returns:
            The run folder, loadable with `hymar.models.loading.load_policy`.
        """
        from hymar.atomic import atomic_write_json, atomic_write_text
        from hymar.train.ranks import gather_reports, rank_report, warn_if_disagree

        if self.trainer is None:
            raise RuntimeError("call setup() and train() before save()")
        from contextlib import nullcontext

        from hymar.models.saving import saving

        accelerator = self.trainer.accelerator
        main = self.trainer.is_world_process_zero()
        if main:
            (self.out / METRICS_FILE).unlink(missing_ok=True)
        # the Trainer writes the model files in place: while the main process's "saving" marker stands,
        # `load_policy` refuses the folder, so a save cut short is never loaded as a policy
        with saving(self.out, by="hymar train") if main else nullcontext():
            accelerator.wait_for_everyone()
            self.trainer.save_model(str(self.out))  # model, generation config and processing class (main writes)
            accelerator.wait_for_everyone()
        # after the save: the report is a check, and nothing in it may cost the run its model
        report = rank_report(self.trainer.model_wrapped, self.ledger, accelerator.process_index, accelerator)
        reports = gather_reports(accelerator, report)
        if not main:
            return self.out
        state = self.trainer.state
        # TrainerState.save_to_json's content, written atomically
        atomic_write_text(self.out / STATE_FILE, json.dumps(dataclasses.asdict(state), indent=2, sort_keys=True) + "\n")
        rewards = [entry["reward"] for entry in state.log_history if "reward" in entry]
        metrics = {
            "policy": str(self.policy_path),
            "reward": _reward_label(self.reward),
            "components": self.component_names,
            "settings": asdict(self.settings),
            "steps": state.global_step,
            "wall_seconds": None if self.wall_seconds is None else round(self.wall_seconds, 2),
            "first_logged_reward": rewards[0] if rewards else None,
            "last_logged_reward": rewards[-1] if rewards else None,
            "timing": self.timer.summary() if self.timer is not None else None,
            "reward_warmup_seconds": None if self.warmup_seconds is None else round(self.warmup_seconds, 2),
            "device": self.device,
            "resumed_from_step": getattr(self.trainer, "_initial_global_step", 0) or None,
            "initial_weights_sha256": self.initial_digest,
            "num_processes": accelerator.num_processes,
            "ranks_agree": warn_if_disagree(reports),
            "ranks": reports,
        }
        atomic_write_json(self.out / METRICS_FILE, _json_safe(metrics))
        return self.out


def _json_safe(value: Any) -> Any:
    """``value`` with NaN/infinite floats as None (strict JSON; a reward mean can be NaN)."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _one_row_per_task(dataset: Any, scan: int = 64) -> list[int]:
    """Indices of the first row of each task tag among the first ``scan`` rows (at most `WARMUP_ROWS`):
    an open-ended row is what makes a routed model component load its model."""
    n = min(scan, len(dataset))
    if "task" not in dataset.column_names:
        return list(range(min(WARMUP_ROWS, n)))
    seen: dict[Any, int] = {}
    for i, task in enumerate(dataset.select_columns(["task"])[:n]["task"]):
        seen.setdefault(task, i)
    return sorted(seen.values())[:WARMUP_ROWS]


def _point_tensorboard(trainer: Any, log_dir: Path) -> None:
    """Send TensorBoard event files to ``log_dir``.

    transformers 5 dropped ``TrainingArguments.logging_dir``; its ``TensorBoardCallback`` writes to
    ``$TENSORBOARD_LOGGING_DIR`` or ``output_dir/runs/<date>_<host>``. Setting the callback's own
    ``logging_dir`` (read in ``on_train_begin``) avoids changing the process environment.
    """
    from transformers.integrations import TensorBoardCallback

    for callback in trainer.callback_handler.callbacks:
        if isinstance(callback, TensorBoardCallback) and callback.logging_dir is None:
            callback.logging_dir = str(log_dir)


def run_grpo(
    policy_path: str | Path,
    train_dataset: Any,
    out_dir: str | Path,
    *,
    reward: RewardSpec = DEFAULT_PRESET,
    settings: GRPOSettings | None = None,
    callbacks: Sequence[Any] = (),
    resume: bool | str | Path | None = None,
    **overrides: Any,
) -> Path:
    """Align the policy at ``policy_path`` with GRPO on ``train_dataset`` driven by a hymar reward.

    Args:
        policy_path: policy folder or Hub id (see `GRPORecipe`).
        train_dataset: a task dataset (see `GRPORecipe`).
        out_dir: run folder: final policy, ``checkpoint-N/``, ``logs/`` (TensorBoard), `METRICS_FILE`.
        reward: `HybridReward`, preset name, config path or mapping.
        settings: trainer settings (default `GRPOSettings()`).
        callbacks: extra ``TrainerCallback`` objects.
        resume: continue a run: True for the newest complete checkpoint in ``out_dir``, or a checkpoint
            path (see `GRPORecipe.train`).
        **overrides: `GRPOSettings` fields replacing those of ``settings`` (e.g. ``max_steps=20``).

    Returns:
        ``Path(out_dir)``, loadable with `hymar.models.loading.load_policy`.

    Example::

        run_grpo("runs/sft", build_task_suite(400, 0)["train"], "runs/grpo", reward="hybrid-aspects-length",
                 max_steps=50, num_generations=8)
    """
    settings = dataclasses.replace(settings or GRPOSettings(), **overrides)
    recipe = GRPORecipe(policy_path, train_dataset, out_dir, reward=reward, settings=settings, callbacks=callbacks)
    if resume is not None and resume is not False:
        from hymar.train.checkpoints import resume_checkpoint

        resume_checkpoint(out_dir, resume)  # nothing to resume from: fail before loading anything
    from hymar.train.ranks import end_process_group

    recipe.setup()
    recipe.train(resume=resume)
    folder = recipe.save()
    end_process_group()
    return folder
