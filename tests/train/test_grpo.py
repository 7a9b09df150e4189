"""GRPO recipe (`hymar train`): config mapping, data mapping, timing, a full-preset run and a learning run."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Score
from hymar.train.grpo import (
    ADVANTAGES,
    LOG_DIR,
    METRICS_FILE,
    STATE_FILE,
    GRPOSettings,
    grpo_config_kwargs,
    run_grpo,
)
from hymar.train.grpo.data import to_grpo_dataset
from hymar.train.grpo.timing import (
    RewardClock,
    StepTimer,
    TimedRewardFunction,
    warm_reward,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: components of the full method's preset, each of which must get a TensorBoard curve
FULL_PRESET_COMPONENTS = ("hymar", "accuracy", "model", "adherence", "length", "hybrid")


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def suite():
    from hymar.data.synthetic import build_task_suite

    # counting (verifiable) and describe (open-ended: the model component must run) alternate
    return build_task_suite(16, 0, seed=0, domains=["counting", "describe"])


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory, suite):
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("grpo_vlm"), task_corpus(suite), SIZES["test"], seed=0)


def _quick(**overrides) -> GRPOSettings:
    base = {"num_generations": 4, "prompts_per_step": 2, "max_completion_length": 8, "max_steps": 2, "progress": False, "shuffle": False}
    return GRPOSettings(**{**base, **overrides})


# ----------------------------------------------------------------------------- settings -> GRPOConfig
@pytest.mark.parametrize(
    "advantage, scale_rewards, reason",
    [
        ("harmo", "none", "HARMO / Dr.GRPO: group mean subtracted, no std division"),
        ("grpo", "group", "original GRPO: divide by the group std"),
        ("batch", "batch", "divide by the batch std"),
    ],
)
def test_advantage_maps_to_trl_scale_rewards(tmp_path, advantage, scale_rewards, reason):
    from trl import GRPOConfig

    config = GRPOConfig(**grpo_config_kwargs(GRPOSettings(advantage=advantage), tmp_path, cpu=True))
    assert config.scale_rewards == scale_rewards, reason
    assert ADVANTAGES[advantage] == scale_rewards


@pytest.mark.parametrize("loss_type", ["grpo", "dr_grpo", "dapo", "bnpo"])
def test_loss_type_passes_through(tmp_path, loss_type):
    from trl import GRPOConfig

    config = GRPOConfig(**grpo_config_kwargs(GRPOSettings(loss_type=loss_type), tmp_path, cpu=True))
    assert config.loss_type == loss_type


def test_config_kwargs_cpu_batch_checkpoints_logging(tmp_path):
    from trl import GRPOConfig

    s = GRPOSettings(num_generations=4, prompts_per_step=3, save_steps=5, save_total_limit=2, temperature=0.7, beta=0.04)
    config = GRPOConfig(**grpo_config_kwargs(s, tmp_path, cpu=True))
    assert config.per_device_train_batch_size == 12  # TRL counts completions: prompts x generations
    assert config.num_generations == 4 and config.temperature == 0.7 and config.beta == 0.04
    assert config.use_cpu and not config.bf16 and not config.gradient_checkpointing  # CPU-STACK.md traps
    assert config.save_strategy == "steps" and config.save_steps == 5 and config.save_total_limit == 2
    assert config.report_to == ["tensorboard"] and config.logging_steps == 1
    no_save = GRPOConfig(**grpo_config_kwargs(GRPOSettings(report_to="none"), tmp_path, cpu=True))
    assert no_save.save_strategy == "no" and no_save.report_to == []


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"advantage": "ppo"}, "unknown advantage"),
        ({"loss_type": "sum"}, "unknown loss type"),
        ({"num_generations": 1}, "a group needs two rollouts"),
        ({"prompts_per_step": 0}, "no prompts per step"),
        ({"max_completion_length": 0}, "nothing to generate"),
        ({"max_steps": 0, "epochs": 0}, "no training length"),
        ({"learning_rate": 0.0}, "no learning"),
        ({"beta": -0.1}, "negative KL"),
    ],
)
def test_settings_reject_bad_values(kwargs, reason):
    with pytest.raises(ValueError):
        GRPOSettings(**kwargs)


def test_report_to_string_becomes_a_tuple():
    assert GRPOSettings(report_to="tensorboard").report_to == ("tensorboard",)
    assert GRPOSettings(report_to="none").report_to == ()


# ----------------------------------------------------------------------------- data
def test_grpo_dataset_keeps_reward_columns_and_drops_the_sft_target(suite):
    data = to_grpo_dataset(suite["train"])
    assert "demonstration" not in data.column_names
    assert {"prompt", "image", "answer", "reference", "task", "domain"} <= set(data.column_names)


def test_grpo_dataset_for_a_text_policy_has_string_prompts(suite):
    data = to_grpo_dataset(suite["train"], keep_images=False)
    assert "image" not in data.column_names
    first = data[0]["prompt"]
    assert first[0]["role"] == "user" and isinstance(first[0]["content"], str)
    assert first[0]["content"] == suite["train"][0]["prompt"][0]["content"][1]["text"]


def test_grpo_dataset_errors(suite):
    with pytest.raises(ValueError, match="prompt"):
        to_grpo_dataset(suite["train"].remove_columns(["prompt"]))
    with pytest.raises(ValueError, match="empty"):
        to_grpo_dataset(suite["train"].select([]))


# ----------------------------------------------------------------------------- timing
def hymar(prompts, completions, **kwargs):
    """A stand-in TRL reward function (module level, so it pickles)."""
    return [1.0] * len(completions)


def test_timed_reward_function_keeps_name_and_counts_time():
    clock = RewardClock()
    timed = TimedRewardFunction(hymar, clock)
    assert timed.__name__ == "hymar"  # TRL names the logged curve after it
    assert timed(prompts=["p"], completions=["c"]) == [1.0]
    assert clock.calls == 1 and clock.seconds > 0
    clone = pickle.loads(pickle.dumps(timed))
    assert clone.clock.calls == 0  # the clock travels fresh


def test_step_timer_summary():
    timer = StepTimer(RewardClock())
    timer.steps = [
        {"step": 1.0, "seconds": 4.0, "reward_seconds": 2.0},  # first step: one-off model loading
        {"step": 2.0, "seconds": 1.0, "reward_seconds": 0.1},
        {"step": 3.0, "seconds": 1.0, "reward_seconds": 0.1},
    ]
    summary = timer.summary()
    assert summary["steps"] == 3 and summary["reward_share"] == pytest.approx(2.2 / 6, abs=1e-4)
    assert summary["reward_share_steady"] == pytest.approx(0.1) and summary["step_seconds_mean_steady"] == pytest.approx(1.0)
    assert StepTimer(RewardClock()).summary()["reward_share"] is None


class SpyReward:
    """Records the completions it is asked to score."""

    def __init__(self):
        self.component_names = ["spy"]
        self.components: dict = {}
        self.batches: list[list[str]] = []

    def __call__(self, samples, groups=None):
        self.batches.append([s.completion for s in samples])


def test_warm_reward_scores_the_targets_once(suite):
    rows = [suite["train"][i] for i in (0, 1)]
    spy = SpyReward()
    assert warm_reward(spy, rows) >= 0
    assert spy.batches == [[rows[0]["demonstration"], rows[1]["demonstration"]]]
    spy = SpyReward()
    warm_reward(spy, [{"prompt": "2+2?", "answer": "4"}])  # no demonstration: the gold in answer tags
    assert spy.batches == [["<answer>4</answer>"]]


def test_warm_up_rows_cover_every_task(suite):
    from hymar.train.grpo.recipe import _one_row_per_task

    tasks = [suite["train"][i]["task"] for i in _one_row_per_task(suite["train"])]
    assert sorted(tasks) == ["counting", "open"]  # the open row is what loads a routed model component


# ----------------------------------------------------------------------------- runs
def _scalar_tags(log_dir: Path) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = list(log_dir.glob("events.out.tfevents.*"))
    assert files, f"no TensorBoard event file in {log_dir}"
    accumulator = EventAccumulator(str(files[0]))
    accumulator.Reload()
    return set(accumulator.Tags()["scalars"])


def test_full_preset_run_logs_every_component_and_checkpoints(tmp_path, tiny_vlm, suite):
    """Two steps with hybrid-aspects-length: TensorBoard curves per component, checkpoints, metrics, reload."""
    from hymar.models.loading import load_policy

    out = run_grpo(tiny_vlm, suite["train"], tmp_path / "run", reward="hybrid-aspects-length", settings=_quick(save_steps=1))
    state = json.loads((out / STATE_FILE).read_text())
    logged = [e for e in state["log_history"] if "reward" in e]
    assert len(logged) == 2
    for name in FULL_PRESET_COMPONENTS:
        assert all(f"rewards/{name}/mean" in e for e in logged), name
    # the describe rows reach the model component (a finite mean), the counting rows the verifier
    assert any(e["rewards/model/mean"] == e["rewards/model/mean"] for e in logged)
    tags = _scalar_tags(out / LOG_DIR)
    assert {f"train/rewards/{name}/mean" for name in FULL_PRESET_COMPONENTS} <= tags
    assert "train/rewards/accuracy/invalid_rate" in tags  # sent through TRL's log_metric
    assert (out / "checkpoint-1" / "model.safetensors").is_file() and (out / "checkpoint-2" / "model.safetensors").is_file()
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["steps"] == 2 and metrics["timing"]["steps"] == 2 and 0 <= metrics["timing"]["reward_share"] <= 1
    assert metrics["components"] == ["accuracy", "model", "adherence", "length", "hybrid"]
    assert metrics["settings"]["advantage"] == "harmo" and metrics["reward"] == "hybrid-aspects-length"
    assert metrics["reward_warmup_seconds"] > 0
    _, processor = load_policy(out)  # the saved run folder is a policy folder
    assert hasattr(processor, "image_processor")


def test_a_final_save_cut_short_is_refused_as_a_policy(tmp_path, tiny_vlm, suite):
    """The Trainer writes the final model in place; a save killed midway leaves a folder load_policy refuses."""
    from hymar.models.loading import load_policy
    from hymar.models.errors import ModelLoadError
    from hymar.train.grpo import GRPORecipe

    recipe = GRPORecipe(tiny_vlm, suite["train"], tmp_path / "run", reward=letters_reward(), settings=_quick(max_steps=1))
    recipe.setup()
    recipe.train()
    save_model = recipe.trainer.save_model

    def killed_midway(output_dir=None, **kwargs):
        save_model(output_dir, **kwargs)  # the model files are all there ...
        raise KeyboardInterrupt  # ... but the run stops before hymar finishes the save

    recipe.trainer.save_model = killed_midway
    with pytest.raises(KeyboardInterrupt):
        recipe.save()
    assert not (tmp_path / "run" / METRICS_FILE).exists()
    with pytest.raises(ModelLoadError, match="incomplete"):
        load_policy(tmp_path / "run")


class Letters(PerSampleComponent):
    """A trivially learnable reward: the share of non-space characters that are ASCII letters.

    An untrained policy samples its 256 byte tokens (mostly not letters) about as often as its merged,
    letter-rich BPE tokens, so rollouts differ in this share and GRPO can move probability mass.
    """

    name = "letters"

    def score_one(self, sample):
        text = "".join(sample.completion.split())
        return Score(sum(c.isascii() and c.isalpha() for c in text) / len(text) if text else 0.0)


def letters_reward() -> HybridReward:
    return HybridReward(load_config({"components": {"letters": {"weight": 1.0}}}), {"letters": Letters()})


def test_grpo_changes_weights_and_raises_mean_reward(tmp_path, tiny_vlm, suite):
    """Fixed seed, 12 steps on a trivially learnable reward: the last logged rewards beat the first ones.

    ~1 s on an idle 2-core machine (seeds 0-2 all rose from ~0.78 to ~0.96 over 15 steps), so not slow-marked.
    """
    import torch
    from safetensors.torch import load_file

    settings = GRPOSettings(
        num_generations=4, prompts_per_step=4, max_completion_length=12, max_steps=12, learning_rate=2e-2,
        seed=0, progress=False, report_to=(),
    )
    out = run_grpo(tiny_vlm, suite["train"], tmp_path / "learn", reward=letters_reward(), settings=settings)
    rewards = [e["reward"] for e in json.loads((out / STATE_FILE).read_text())["log_history"] if "reward" in e]
    assert len(rewards) == 12
    first, last = sum(rewards[:3]) / 3, sum(rewards[-3:]) / 3
    assert last > first + 0.05, rewards
    before, after = load_file(str(Path(tiny_vlm) / "model.safetensors")), load_file(str(out / "model.safetensors"))
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert len(changed) > len(before) // 2  # the update reaches most tensors, not just one head


# ----------------------------------------------------------------------------- CLI
def test_cli_trains_one_step(tmp_path, tiny_vlm, capsys):
    from hymar.commands.train import main

    out = tmp_path / "cli"
    argv = [str(out), "--policy", str(tiny_vlm), "--preset", "rule-only", "--train-rows", "4", "--max-steps", "1",
            "--num-generations", "2", "--max-completion-length", "4", "--report-to", "none", "--no-progress",
            "--save-steps", "0", "--domains", "counting"]
    assert main(argv) == 0
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["steps"] == 1 and metrics["reward"] == "rule-only" and metrics["settings"]["num_generations"] == 2
    assert not (out / LOG_DIR).exists()  # --report-to none: no TensorBoard files
    assert "1 steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--preset", "no-such-preset"], "unknown preset"),
        (["--advantage", "harmo", "--num-generations", "1"], "num_generations"),
        (["--set", "hybrid.blend_threshold=2", "--preset", "hybrid"], "blend_threshold"),
    ],
)
def test_cli_errors_exit_1_with_a_message(tmp_path, capsys, extra, message):
    from hymar.commands.train import main

    assert main([str(tmp_path / "out"), "--policy", str(tmp_path / "none"), *extra]) == 1
    assert message in capsys.readouterr().err
