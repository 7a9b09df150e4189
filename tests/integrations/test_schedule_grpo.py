"""End to end: a scheduled weight follows TRL's own trainer_state through GRPOTrainer and is logged
every step (issue 12)."""

from __future__ import annotations

import pytest

from hymar.integrations.trl import make_reward_funcs
from hymar.rewards.hybrid import HybridReward


def test_scheduled_weight_is_read_from_trainer_state_and_logged(tmp_path, tiny_policy_dir):
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    reward = HybridReward.from_config(
        {"components": {"accuracy": {"weight": 1.0, "schedule": {"kind": "linear", "start": 1.0, "end": 0.0}}}}
    )
    funcs, weights = make_reward_funcs(reward, group_size=4)
    rows = [{"prompt": f"What is {i} + 1?", "answer": str(i + 1), "task": "math"} for i in range(8)]
    args = GRPOConfig(
        output_dir=str(tmp_path / "out"), use_cpu=True, bf16=False, gradient_checkpointing=False, report_to=[],
        num_generations=4, max_completion_length=8, per_device_train_batch_size=8, shuffle_dataset=False,
        logging_steps=1, max_steps=4, save_strategy="no", reward_weights=weights, seed=0,
    )  # fmt: skip
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_policy_dir),
        reward_funcs=funcs,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=AutoTokenizer.from_pretrained(tiny_policy_dir),
    )
    trainer.train()
    logged = [(e["weights/progress"], e["weights/accuracy"]) for e in trainer.state.log_history if "weights/accuracy" in e]
    # one entry per step; rewards of step k are computed at global_step k-1 of max_steps 4
    assert logged == [pytest.approx((k / 4, 1.0 - k / 4)) for k in range(4)]
