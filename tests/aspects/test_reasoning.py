"""ReasoningAspect: reasoning when asked ("think step by step"), none when not ("without explanation")."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import ReasoningAspect
from hymar.rewards.aspects.reasoning import reasoning_text
from hymar.rewards.types import Sample

STEP = "Think step by step."
BARE = "Answer without explanation."
TEN = " ".join(["step"] * 10)

CASES = [
    (STEP, f"<think>{TEN} {TEN}</think><answer>4</answer>", 1.0, "20 reasoning words >= 15"),
    (STEP, f"<think>{TEN}</think><answer>4</answer>", pytest.approx(10 / 15), "partial reasoning"),
    (STEP, "<answer>4</answer>", 0.0, "no reasoning"),
    (STEP, rf"{TEN} {TEN} so \boxed{{4}}", 1.0, "untagged reasoning before a box"),
    (BARE, "<think>" + TEN * 5 + "</think><answer>4</answer>", 1.0, "hidden reasoning allowed"),
    (BARE, "4", 1.0, "bare answer"),
    (BARE, " ".join(["word"] * 30), 0.5, "30 words vs 20 allowed"),
]


@pytest.mark.parametrize(("prompt", "completion", "value", "reason"), CASES, ids=[c[3] for c in CASES])
def test_reasoning(prompt, completion, value, reason):
    score = ReasoningAspect().score_one(Sample(prompt=prompt, completion=completion))
    assert score.valid and score.value == value, score.info


def test_not_applicable():
    assert ReasoningAspect().score_one(Sample(prompt="Describe.", completion="x")).value is None


def test_reasoning_text_opened_in_prompt():
    assert reasoning_text("r1 r2</think><answer>4</answer>") == "r1 r2"


def test_bad_config():
    with pytest.raises(ValueError, match="min_reasoning_words"):
        ReasoningAspect(min_reasoning_words=0)
