"""hymar's verl functions driven by the real verl package's reward path (CPU, no Ray cluster).

verl is configured the way users configure it: ``custom_reward_function.path`` = hymar's module file,
``.name`` = the function, ``reward_kwargs``; verl's own loader (`get_custom_reward_fn`) imports it and
verl's reward managers decode a `DataProto` batch and call it:

- the reward loop of verl >= 0.7 (`load_reward_manager` -> the registered ``naive`` manager's
  ``run_single``), per sample;
- the legacy ``BatchRewardManager`` (``compute_score_batch``, groups by ``uid``) and
  ``NaiveRewardManager``;
- the same with ``hymar.integrations.remote`` against a real ``hymar serve`` on loopback.

Skipped where verl is not installed (the CI installs it; see the Makefile's ADAPTER_PKGS).
"""

from __future__ import annotations

import numpy as np
import pytest

verl = pytest.importorskip("verl")
torch = pytest.importorskip("torch")
from omegaconf import OmegaConf  # noqa: E402  (verl's config library, installed with it)

import hymar.integrations.remote as hymar_remote  # noqa: E402
import hymar.integrations.verl as hymar_verl  # noqa: E402
from hymar.integrations.server.testing import running_server  # noqa: E402
from hymar.rewards.hybrid import HybridReward  # noqa: E402

PROMPT = "What is 2 + 3? Answer in <answer></answer> tags."
#: (prompt, response, gold, uid): two groups of two rollouts
ROWS = [
    (PROMPT, "<think>2 + 3 = 5</think><answer>5</answer>", "5", "g1"),
    (PROMPT, "<think>2 + 3 = 6</think><answer>6</answer>", "5", "g1"),
    ("Which is bigger, 7 or 9?", "<answer>\\boxed{9}</answer>", "9", "g2"),
    ("Which is bigger, 7 or 9?", "I think it is 7.", "9", "g2"),
]
WANT = [1.0, 0.0, 1.0, 0.0]


@pytest.fixture(scope="module")
def tokenizer():
    from hymar.models.tokenizer import train_tokenizer

    return train_tokenizer([p + r for p, r, _, _ in ROWS] * 4, vocab_size=320)


def data_proto(tokenizer, rows=ROWS):
    """A verl rollout batch: right-padded prompts and responses, mask, and the non-tensor fields."""
    from verl import DataProto

    pad = tokenizer.pad_token_id
    prompts = [tokenizer(p)["input_ids"] for p, _, _, _ in rows]
    responses = [tokenizer(r)["input_ids"] for _, r, _, _ in rows]
    plen, rlen = max(map(len, prompts)), max(map(len, responses)) + 2  # padding after every response
    prompt_ids = torch.tensor([[pad] * (plen - len(p)) + p for p in prompts])  # verl left-pads prompts
    response_ids = torch.tensor([r + [pad] * (rlen - len(r)) for r in responses])
    mask = torch.tensor([[0] * (plen - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (rlen - len(r)) for p, r in zip(prompts, responses)])
    return DataProto.from_dict(
        tensors={"prompts": prompt_ids, "responses": response_ids, "input_ids": torch.cat([prompt_ids, response_ids], 1), "attention_mask": mask},
        non_tensors={
            "data_source": np.array(["hymar-test"] * len(rows), dtype=object),
            "reward_model": np.array([{"ground_truth": g, "style": "rule"} for _, _, g, _ in rows], dtype=object),
            "extra_info": np.array([{"prompt": p, "uid": u, "index": i} for i, (p, _, _, u) in enumerate(rows)], dtype=object),
        },
    )


def verl_config(path, name, manager="naive", **reward_kwargs):
    return OmegaConf.create({
        "reward": {
            "custom_reward_function": {"path": path, "name": name, "reward_kwargs": reward_kwargs},
            "reward_manager": {"name": manager, "source": "register"},
        }
    })


def last_token_rewards(reward_tensor, data):
    """verl puts the scalar reward on each response's last valid token."""
    plen = data.batch["prompts"].shape[1]
    lengths = data.batch["attention_mask"][:, plen:].sum(-1)
    assert int((reward_tensor != 0).sum()) <= len(data)
    return [float(reward_tensor[i, lengths[i] - 1]) for i in range(len(data))]


def test_reward_loop_naive_manager_loads_and_calls_compute_score(tokenizer):
    from verl.trainer.ppo.reward import load_reward_manager

    config = verl_config(hymar_verl.__file__, "compute_score", hymar_preset="rule-only")
    manager = load_reward_manager(config, tokenizer)
    assert type(manager).__name__ == "NaiveRewardManager"
    data = data_proto(tokenizer)
    results = [manager.loop.run_until_complete(manager.run_single(data[i : i + 1])) for i in range(len(data))]
    assert [r["reward_score"] for r in results] == WANT
    for r in results:  # every component in reward_extra_info, the same keys for every sample
        assert set(r["reward_extra_info"]) == {"score", "scorable", "acc", "accuracy"}
    rm_scores = manager.assemble_rm_scores(data, [r["reward_score"] for r in results])
    assert last_token_rewards(rm_scores, data) == WANT


def test_legacy_batch_manager_with_compute_score_batch(tokenizer):
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import BatchRewardManager

    fn = get_custom_reward_fn(verl_config(hymar_verl.__file__, "compute_score_batch", manager="batch", hymar_preset="rule-only"))
    data = data_proto(tokenizer)
    out = BatchRewardManager(tokenizer=tokenizer, num_examine=0, compute_score=fn)(data, return_dict=True)
    assert last_token_rewards(out["reward_tensor"], data) == WANT
    assert out["reward_extra_info"]["accuracy"] == WANT and out["reward_extra_info"]["scorable"] == [1.0] * 4


def test_legacy_naive_manager(tokenizer):
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import NaiveRewardManager

    fn = get_custom_reward_fn(verl_config(hymar_verl.__file__, "compute_score", hymar_preset="rule-only"))
    data = data_proto(tokenizer)
    out = NaiveRewardManager(tokenizer=tokenizer, num_examine=0, compute_score=fn)(data, return_dict=True)
    assert last_token_rewards(out["reward_tensor"], data) == WANT


def test_the_same_through_hymar_serve(tokenizer):
    from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager
    from verl.workers.reward_manager import BatchRewardManager

    data = data_proto(tokenizer)
    with running_server(HybridReward.from_preset("rule-only")) as url:
        fn = get_custom_reward_fn(verl_config(hymar_remote.__file__, "compute_score_batch", manager="batch", hymar_url=url))
        out = BatchRewardManager(tokenizer=tokenizer, num_examine=0, compute_score=fn)(data, return_dict=True)
        assert last_token_rewards(out["reward_tensor"], data) == WANT
        manager = load_reward_manager(verl_config(hymar_remote.__file__, "compute_score", hymar_url=url), tokenizer)
        results = [manager.loop.run_until_complete(manager.run_single(data[i : i + 1])) for i in range(len(data))]
        assert [r["reward_score"] for r in results] == WANT


def test_batch_groups_come_from_verl_uids(tokenizer, tmp_path):
    """Group-relative terms see verl's groups: with mean_center, each uid group's rewards sum to 0."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import BatchRewardManager

    config = tmp_path / "reward.yaml"
    config.write_text("components:\n  accuracy: {weight: 1.0}\nnormalization: mean_center\n")
    fn = get_custom_reward_fn(verl_config(hymar_verl.__file__, "compute_score_batch", manager="batch", hymar_preset=str(config)))
    data = data_proto(tokenizer)
    out = BatchRewardManager(tokenizer=tokenizer, num_examine=0, compute_score=fn)(data, return_dict=True)
    assert last_token_rewards(out["reward_tensor"], data) == [0.5, -0.5, 0.5, -0.5]
