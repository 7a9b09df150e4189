"""Multi-process `hymar train` (torchrun, 2 CPU processes, gloo) and the per-rank report behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Score
from hymar.train.ranks import (
    RolloutLedger,
    check_whole_groups,
    ranks_agree,
    weights_digest,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class TextHash(PerSampleComponent):
    """A reward that differs between rollouts (a hash of the completion), so GRPO moves the weights."""

    name = "texthash"

    def score_one(self, sample):
        return Score(value=(sum(map(ord, sample.completion)) % 11) / 10.0)


# ----------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    "prompts, whole, sizes, reason",
    [
        (["a", "a", "b", "b"], True, [2, 2], "two whole groups of 2"),
        (["a", "b", "b", "c"], False, [1, 2, 1], "a group split at both ends of the rank's slice"),
        (["a", "a", "a", "a"], True, [4], "one prompt drawn twice in a row: two whole groups"),
        (["a", "a", "a", "b"], False, [3, 1], "three rollouts of a prompt cannot be whole groups of 2"),
    ],
)
def test_ledger_records_prompts_and_group_wholeness(prompts, whole, sizes, reason):
    ledger = RolloutLedger(lambda prompts, completions, **kw: [0.0] * len(completions), group_size=2)
    assert ledger(prompts=prompts, completions=["x"] * len(prompts)) == [0.0] * len(prompts)
    assert ledger.whole_groups is whole, reason
    assert ledger.call_group_sizes == [sizes] and ledger.rollouts == len(prompts)
    assert len(ledger.prompt_ids) == len(sizes) and len(set(ledger.prompt_ids)) == len(set(prompts))


def test_weights_digest_sees_a_tiny_change():
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    twin = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    twin.load_state_dict(model.state_dict())
    assert weights_digest(model) == weights_digest(twin)
    with torch.no_grad():
        twin[1].bias[0] += 1e-7
    assert weights_digest(model) != weights_digest(twin)
    assert ranks_agree([{"weights_sha256": "a"}, {"weights_sha256": "a"}])
    assert not ranks_agree([{"weights_sha256": "a"}, {"weights_sha256": "b"}])


class FakeAccelerator:
    """What `final_weights_digest` reads of an ``Accelerator``: the strategy and the main-process flag."""

    def __init__(self, distributed_type, *, main=True, zero_stage=0, state=None, fail=False):
        self.distributed_type = distributed_type
        self.is_main_process = main
        self.state = type("State", (), {"deepspeed_plugin": type("Plugin", (), {"zero_stage": zero_stage})()})()
        self._state, self._fail, self.gathered = state, fail, 0

    def get_state_dict(self, model):
        self.gathered += 1
        if self._fail:
            raise RuntimeError("gather failed")
        return self._state

    def unwrap_model(self, model):
        return model


@pytest.mark.parametrize(
    "kind, zero_stage, sharded, reason",
    [
        ("DistributedType.MULTI_GPU", 0, False, "DDP: every rank holds a replica"),
        ("DistributedType.DEEPSPEED", 2, False, "ZeRO-2 shards optimizer state, not weights"),
        ("DistributedType.DEEPSPEED", 3, True, "ZeRO-3 partitions the weights"),
        ("DistributedType.FSDP", 0, True, "FSDP (1 or 2) shards the weights"),
    ],
)
def test_sharded_runs_digest_the_gathered_state_on_the_main_process(kind, zero_stage, sharded, reason):
    import torch

    from hymar.train.ranks import final_weights_digest, tensors_digest

    model = torch.nn.Linear(3, 2)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    main, other = (FakeAccelerator(kind, main=m, zero_stage=zero_stage, state=state) for m in (True, False))
    digest, note = final_weights_digest(model, main)
    assert digest == (tensors_digest(state.items()) if sharded else weights_digest(model)), reason
    assert (note is not None) is sharded
    other_digest, _ = final_weights_digest(model, other)
    # a sharded run's other ranks still join the gather (a collective) but report no digest
    assert (other_digest is None) is sharded and other.gathered == int(sharded)


def test_a_failing_digest_is_reported_not_raised():
    import torch

    from hymar.train.ranks import final_weights_digest

    digest, note = final_weights_digest(torch.nn.Linear(2, 2), FakeAccelerator("DistributedType.FSDP", fail=True))
    assert digest is None and "gather failed" in note
    # reports without a digest do not count as disagreement
    assert ranks_agree([{"weights_sha256": "a"}, {"weights_sha256": None}])


@pytest.mark.parametrize(
    "per_device, steps_per_generation, generations, ok, reason",
    [
        (8, 1, 4, True, "hymar's layout: prompts_per_step * num_generations"),
        (2, 2, 4, True, "4 rows per generation on each rank: one whole group"),
        (2, 1, 4, False, "a trl_args override: each rank would hold half a group"),
        (6, 1, 4, False, "one whole group and half of the next"),
    ],
)
def test_check_whole_groups(per_device, steps_per_generation, generations, ok, reason):
    if ok:
        check_whole_groups(per_device, steps_per_generation, generations)
    else:
        with pytest.raises(ValueError, match="split across ranks"):
            check_whole_groups(per_device, steps_per_generation, generations)


# ----------------------------------------------------------------------------- two processes
#: the two launch lines the docs show for 2 CPU processes (`accelerate launch --cpu` would start only one)
LAUNCHERS = {
    "torchrun": ["torchrun", "--nproc_per_node", "2"],
    "accelerate": ["accelerate", "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                   "--mixed_precision", "no", "--dynamo_backend", "no"],
}


@pytest.mark.slow
@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_two_cpu_processes_train_in_lockstep(tmp_path, launcher):
    """2 ranks, no --policy (rank 0 builds the tiny VLM, rank 1 waits and loads it), 2 steps."""
    out = tmp_path / "run"
    config = tmp_path / "reward.yaml"
    config.write_text('components:\n  texthash: {type: "test_multiprocess:TextHash", weight: 1.0}\n')
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    program, *launch_args = LAUNCHERS[launcher]
    cmd = [str(Path(sys.executable).with_name(program)), *launch_args, "-m", "hymar", "train", str(out), "--config", str(config),
           "--train-rows", "8", "--num-generations", "2", "--prompts-per-step", "2", "--max-completion-length", "4",
           "--max-steps", "2", "--save-steps", "0", "--learning-rate", "1e-2", "--report-to", "none",
           "--no-progress", "--cpu"]
    done = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("building the untrained tiny VLM") == 1  # only rank 0 built it
    assert done.stdout.count("2 processes, ranks agree: True") == 1  # one summary, from rank 0

    metrics = json.loads((out / "grpo_metrics.json").read_text())
    ranks = metrics["ranks"]
    assert metrics["num_processes"] == 2 and [r["rank"] for r in ranks] == [0, 1]
    assert metrics["ranks_agree"] and ranks[0]["weights_sha256"] == ranks[1]["weights_sha256"]
    assert ranks[0]["weights_sha256"] != metrics["initial_weights_sha256"]  # the weights moved
    for r in ranks:
        # 2 steps x 2 prompts x 2 rollouts, each reward call on whole groups of 2
        assert r["reward_calls"] == 2 and r["rollouts_scored"] == 8
        assert r["whole_groups"] and r["group_sizes"] == [2]
    assert not set(ranks[0]["prompt_ids"]) & set(ranks[1]["prompt_ids"])  # each rank its own prompts
    assert len(set(ranks[0]["prompt_ids"]) | set(ranks[1]["prompt_ids"])) == 8  # 8 rows, one epoch


def test_end_process_group_meets_and_tears_down(tmp_path):
    """After training every rank meets at a barrier and destroys the group, so no rank exits with live
    gloo threads (a SIGABRT after a successful run). Run in a child: the group is process-wide state."""
    code = (
        "import torch.distributed as dist\n"
        "from hymar.train.ranks import end_process_group\n"
        "end_process_group()  # no group: nothing to do\n"
        f"dist.init_process_group('gloo', init_method='file://{tmp_path / 'store'}', rank=0, world_size=1)\n"
        "assert dist.is_initialized()\n"
        "end_process_group()\n"
        "print('initialized after:', dist.is_initialized())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "initialized after: False" in done.stdout
