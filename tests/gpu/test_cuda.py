"""GPU paths of `hymar train` and `hymar eval` on the tiny VLM: skipped without CUDA (CI has none).

Run on a GPU machine with ``pytest -m gpu tests/gpu``. They check what the CPU suite cannot: the policy
and its rollouts live on the GPU, bf16 is switched on where the card supports it, the weights move and
stay finite, and evaluation generates on the GPU.
"""

from __future__ import annotations

import json
import math
import os

import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="module")
def suite():
    from hymar.data.synthetic import build_task_suite

    return build_task_suite(32, 16, seed=0, domains=["counting", "arithmetic"])


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory, suite):
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("gpu_vlm"), task_corpus(suite["train"]), SIZES["test"], seed=0)


def test_grpo_trains_on_the_gpu(tmp_path, suite, tiny_vlm):
    from hymar.models.loading import load_policy
    from hymar.train.grpo import METRICS_FILE, GRPOSettings, run_grpo
    settings = GRPOSettings(num_generations=4, prompts_per_step=2, max_completion_length=16, max_steps=3,
                            progress=False, report_to=(), save_steps=2)
    out = run_grpo(tiny_vlm, suite["train"], tmp_path / "run", reward="rule-only", settings=settings)
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["device"].startswith("cuda") and metrics["steps"] == 3
    assert (out / "checkpoint-2").is_dir()
    model, _ = load_policy(out, device="cuda")
    assert next(model.parameters()).is_cuda
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert metrics["first_logged_reward"] is not None and math.isfinite(metrics["first_logged_reward"])
    state = json.loads((out / "trainer_state.json").read_text())
    losses = [entry["loss"] for entry in state["log_history"] if "loss" in entry]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)


def test_eval_generates_on_the_gpu(suite, tiny_vlm):
    from hymar.eval.evaluate import evaluate

    result = evaluate(tiny_vlm, suite["test"], batch_size=8, max_new_tokens=8, device="cuda", progress=False)
    assert result.overall.verifiable == len(suite["test"])
    assert 0.0 <= result.accuracy["overall"] <= 1.0
