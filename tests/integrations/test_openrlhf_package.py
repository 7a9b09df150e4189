"""hymar's OpenRLHF reward function file, loaded and called by OpenRLHF's own single-turn executor.

``--remote_rm_url path/to/file.py`` makes OpenRLHF's `SingleTurnAgentExecutor` import the file and
call ``reward_func(queries, prompts, labels)`` after each generation. The test runs the executor's real
``execute`` with a stand-in for the vLLM engine (vLLM needs CUDA), so the decoding of the query, the
reward call and the reading of ``rewards``/``scores``/``extra_logs`` are OpenRLHF's. Where OpenRLHF is
not installed, the file is loaded and called exactly as that executor does (``importlib`` from its path).
"""

from __future__ import annotations

import asyncio
import importlib.util
from types import SimpleNamespace

import pytest

import hymar.integrations.openrlhf as hymar_openrlhf

ROWS = [  # (prompt, response, label)
    ("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n", "<think>2 + 3 = 5</think><answer>5</answer>", "5"),
    ("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n", "<answer>6</answer>", "5"),
]


def load_like_openrlhf(path):
    """What OpenRLHF does with a --remote_rm_url ending in .py (openrlhf/utils/agent.py)."""
    spec = importlib.util.spec_from_file_location("reward_func", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def test_the_file_form_as_openrlhf_imports_it(monkeypatch):
    monkeypatch.setenv("HYMAR_PRESET", "rule-only")
    reward_func = load_like_openrlhf(hymar_openrlhf.__file__)
    queries = [p + r + "<|im_end|>" for p, r, _ in ROWS]
    out = reward_func(queries, [p for p, _, _ in ROWS], [label for _, _, label in ROWS])
    assert out["rewards"] == [1.0, 0.0] and out["scores"] == [1.0, 0.0]
    assert out["extra_logs"]["hymar_accuracy"] == [1.0, 0.0] and out["extra_logs"]["hymar_prompt_matched"] == [1.0, 1.0]


def test_openrlhf_single_turn_executor_calls_the_file(monkeypatch):
    agent = pytest.importorskip("openrlhf.utils.agent")
    from hymar.models.tokenizer import train_tokenizer

    monkeypatch.setenv("HYMAR_PRESET", "rule-only")
    tokenizer = train_tokenizer([p + r for p, r, _ in ROWS] * 4, vocab_size=320)
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=hymar_openrlhf.__file__)
    assert executor.reward_func is not None  # loaded from the file, not sent over HTTP

    class Engine:  # stands in for vLLM: "generates" the scripted response's tokens
        def __init__(self, response):
            self.ids = tokenizer(response + "<|im_end|>", add_special_tokens=False)["input_ids"]

        async def generate(self, prompt_ids, params, multi_modal_data=None):
            return SimpleNamespace(outputs=[SimpleNamespace(token_ids=self.ids, finish_reason="stop", logprobs=None)])

    params = SimpleNamespace(max_tokens=64, logprobs=None)
    got = []
    for prompt, response, label in ROWS:
        output = asyncio.run(executor.execute(prompt, label, params, 512, tokenizer, Engine(response)))
        logs = output["extra_logs"]
        got.append((output["reward"], output["scores"], logs["hymar_accuracy"], logs["hymar_prompt_matched"]))
    assert got == [([1.0], [1.0], [1.0], [1.0]), ([0.0], [0.0], [0.0], [1.0])]  # the prompt found in each query
