"""TRL: your own GRPOTrainer script with a hymar reward (the five lines of docs/integrations.md).

Everything but the reward is plain TRL and transformers: build a policy (here hymar's tiny VLM, so the
script runs on CPU in seconds), a dataset with a ``prompt`` column, and hand TRL hymar's reward
functions. Two GRPO steps, then the per-component reward metrics TRL logged are printed and checked.

    python examples/trl_grpo.py
"""

import math
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the tiny policy is built locally; nothing is downloaded

import torch
from trl import GRPOConfig, GRPOTrainer

from hymar.data.synthetic import build_task_suite, task_corpus
from hymar.integrations.trl import make_reward_funcs
from hymar.models.loading import load_policy
from hymar.models.tiny import SIZES, build_tiny_vlm
from hymar.train.grpo.data import to_grpo_dataset

torch.manual_seed(0)
work = Path(tempfile.mkdtemp(prefix="hymar-trl-"))

# Data: the synthetic counting tasks (prompt as chat messages with an image, gold answer, task tag).
# Any dataset with a `prompt` column works; answer/reference/task/image columns reach the reward.
suite = build_task_suite(8, 0, seed=0, domains=["counting"])
dataset = to_grpo_dataset(suite["train"])  # drops the SFT target column; keeps image, answer, task

# Policy: an untrained Qwen2.5-VL-architecture model of ~1M parameters. load_policy (what `hymar train`
# uses) gives the model and a left-padding processor with an image processor, also without torchvision;
# it loads e.g. Qwen/Qwen2.5-VL-3B-Instruct the same way.
policy = build_tiny_vlm(work / "policy", task_corpus(suite), SIZES["test"], seed=0)
model, processor = load_policy(policy)

# The hymar part. funcs[0] is the total ("hymar", weight 1); the rest are zero-weight views, one per
# component, so TRL logs rewards/<component>/mean|std without changing the trained reward.
funcs, weights = make_reward_funcs("rule-only", group_size=4)  # group_size = num_generations
args = GRPOConfig(
    output_dir=str(work / "run"), reward_weights=weights, num_generations=4, per_device_train_batch_size=8,
    max_completion_length=8, max_steps=2, logging_steps=1, learning_rate=1e-4, use_cpu=True, bf16=False,
    report_to=[], save_strategy="no", disable_tqdm=True, seed=0,
)
trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, train_dataset=dataset, processing_class=processor)
trainer.train()

# What TRL logged per step: the total, and per component its mean/std (TRL) and confidence/invalid rate
# (hymar, through TRL's log_metric hook).
logged = [entry for entry in trainer.state.log_history if "rewards/hymar/mean" in entry]
for entry in logged:
    print({k: round(v, 3) for k, v in entry.items() if k.startswith("rewards/")})
assert len(logged) == 2, trainer.state.log_history
for entry in logged:
    for name in ["hymar", *funcs[0].component_names]:
        assert f"rewards/{name}/mean" in entry and f"rewards/{name}/std" in entry, name
    assert 0.0 <= entry["rewards/accuracy/invalid_rate"] <= 1.0
    assert math.isclose(entry["reward"], entry["rewards/hymar/mean"], abs_tol=1e-6)  # views add nothing
