"""End to end: TRL's GRPOTrainer trains a tiny local Qwen2 policy on CPU with hymar reward functions."""

from __future__ import annotations

import math

import pytest

from hymar.integrations.trl import make_reward_funcs

from .conftest import CountingReward


def _dataset(conversational: bool):
    from datasets import Dataset

    rows = []
    for i in range(8):
        a, b = i % 5, (i * 3) % 7
        question = f"What is {a} + {b}?"
        prompt = [{"role": "user", "content": question}] if conversational else question
        # every other row has no gold answer: accuracy does not apply there (its view is NaN)
        rows.append({"prompt": prompt, "answer": str(a + b) if i % 2 == 0 else None, "task": "math"})
    return Dataset.from_list(rows)


@pytest.mark.parametrize(
    "asynchronous, conversational",
    [
        (False, True),  # sync reward funcs, chat-format prompts through the chat template
        (True, False),  # async reward funcs on TRL's event-loop thread, plain-text prompts
    ],
)
def test_grpo_trains_and_logs_components(tmp_path, tiny_policy_dir, rule_only_reward, asynchronous, conversational):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    reward = CountingReward(rule_only_reward)
    funcs, weights = make_reward_funcs(reward, asynchronous=asynchronous, group_size=4)
    args = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        report_to=[],
        num_generations=4,
        max_completion_length=16,
        per_device_train_batch_size=8,  # two prompts per step: one with a gold answer, one without
        shuffle_dataset=False,
        logging_steps=1,
        max_steps=2,
        save_strategy="no",
        learning_rate=1e-3,
        reward_weights=weights,
        seed=0,
    )
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=funcs,
        args=args,
        train_dataset=_dataset(conversational),
        processing_class=AutoTokenizer.from_pretrained(tiny_policy_dir),
    )
    trainer.train()

    logs = [entry for entry in trainer.state.log_history if "rewards/hymar/mean" in entry]
    assert trainer.state.global_step == 2 and len(logs) == 2
    # the reward functions really ran, through the trainer's scoring (one scoring per generation batch)
    scored = reward.calls
    assert scored == 2
    for entry in logs:
        assert "rewards/accuracy/mean" in entry and "rewards/accuracy/std" in entry  # view, named by TRL
        # sent through TRL's log_metric hook (confidence only when accuracy applied to some rollout)
        assert 0.0 <= entry["rewards/accuracy/invalid_rate"] <= 1.0
        if math.isfinite(entry["rewards/accuracy/mean"]):
            assert 0.0 < entry["rewards/accuracy/confidence"] <= 1.0
        # zero-weight views (NaN where accuracy does not apply) leave TRL's total equal to ours; a NaN
        # view leaking into TRL's weighted sum would make "reward" NaN. (A random policy earns 0 here.)
        assert math.isclose(entry["reward"], entry["rewards/hymar/mean"], abs_tol=1e-6)
    # each step scores two prompts' groups of 4 rollouts
    for groups in reward.groups:
        assert len(groups) == 8 and len(set(groups[:4])) == len(set(groups[4:])) == 1 and groups[0] != groups[4]
