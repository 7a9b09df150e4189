"""Fixtures for the trainer adapters: stub components, a call-counting reward and a tiny local policy."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Hashable, Sequence

import pytest

from hymar.rewards.base import PerSampleComponent, RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import RewardResult, Sample, Score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S)


class StubAccuracy(PerSampleComponent):
    """Exact match of the <answer> span (or the whole completion) with the gold answer."""

    name = "accuracy"

    def score_one(self, sample: Sample) -> Score:
        if sample.answer is None:
            return Score.not_applicable("no gold answer")
        m = _ANSWER.search(sample.completion)
        got = (m.group(1) if m else sample.completion).strip()
        return Score(1.0 if got == sample.answer.strip() else 0.0)


class StubFormat(PerSampleComponent):
    """1.0 when the completion has an <answer>...</answer> span."""

    name = "format"

    def score_one(self, sample: Sample) -> Score:
        return Score(1.0 if _ANSWER.search(sample.completion) else 0.0)


class GroupSize(RewardComponent):
    """Value = number of samples in the sample's group: makes the groups the adapter passed visible."""

    name = "group_size"

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return [Score(float(sum(1 for h in groups if h == g))) for g in groups]


def stub_hybrid(accuracy_weight: float = 1.0) -> HybridReward:
    """A real HybridReward over stub components: accuracy (w), format (0.5), group_size (0, logged only)."""
    config = load_config(
        {
            "components": {
                "accuracy": {"weight": accuracy_weight},
                "format": {"weight": 0.5},
                "group_size": {"weight": 0.0},
            }
        }
    )
    return HybridReward(config, {"accuracy": StubAccuracy(), "format": StubFormat(), "group_size": GroupSize()})


class CountingReward:
    """Wraps a reward and counts scoring calls (picklable: the lock is rebuilt on unpickling)."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0
        self.groups: list[list[Hashable]] = []
        self.threads: list[int] = []  # thread ident of each scoring call
        self._lock = threading.Lock()

    @property
    def component_names(self) -> list[str]:
        return self.inner.component_names

    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> RewardResult:
        with self._lock:
            self.calls += 1
            self.groups.append(list(groups) if groups is not None else [])
            self.threads.append(threading.get_ident())
        return self.inner(samples, groups)

    def __getstate__(self):
        return {"inner": self.inner, "calls": self.calls, "groups": self.groups, "threads": self.threads}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()


@pytest.fixture
def counting_reward() -> CountingReward:
    return CountingReward(stub_hybrid())


@pytest.fixture
def rule_only_reward() -> HybridReward:
    """The real "rule-only" preset (the rule verifier's accuracy, weight 1.0)."""
    return HybridReward.from_preset("rule-only")


# ----------------------------------------------------------------------------- tiny local policy
def arithmetic_corpus(n: int = 400) -> list[str]:
    """Synthetic Q/A lines in the chat format the policy will see."""
    lines = []
    for i in range(n):
        a, b = i % 17, (i * 7) % 13
        q = f"What is {a} + {b}?"
        lines.append(f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n<answer>{a + b}</answer><|im_end|>\n")
    return lines


@pytest.fixture(scope="session")
def tiny_policy_dir(tmp_path_factory, build_tiny_text_policy) -> str:
    """A byte-level BPE tokenizer and a 2-layer Qwen2ForCausalLM (hidden 32), saved locally."""
    return str(build_tiny_text_policy(tmp_path_factory.mktemp("tiny_policy"), arithmetic_corpus(), 320))
