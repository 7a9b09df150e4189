"""Shared pieces of the fault-injection suite: hostile and normal records, stub components."""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from pathlib import Path

from hymar.rewards.base import RewardComponent
from hymar.rewards.types import Sample, Score

# Normal rollouts: (id, prompt, completion, answer), each with a known rule-only reward.
NORMAL = [
    {"id": "n-right", "prompt": "What is 2+2?", "completion": "<answer>4</answer>", "answer": "4"},
    {"id": "n-wrong", "prompt": "What is 2+2?", "completion": "<answer>5</answer>", "answer": "4"},
    {"id": "n-frac", "prompt": "Half of 1?", "completion": "The answer is \\boxed{\\frac{1}{2}}", "answer": "0.5"},
    {"id": "n-sym", "prompt": "sqrt 8?", "completion": "\\boxed{2\\sqrt{2}}", "answer": "\\sqrt{8}"},
    {"id": "n-choice", "prompt": "Pick one. A: 3 B: 4", "completion": "<answer>B</answer>", "answer": "B", "task": "choice"},
]


def deep_json(depth: int) -> str:
    """A JSON line nested ``depth`` lists deep inside its metadata (RecursionError in the parser)."""
    return '{"id": "deep", "prompt": "q", "completion": "c", "metadata": {"x": ' + "[" * depth + "]" * depth + "}}"


def hostile_lines() -> list[str]:
    """Raw JSONL lines that broke `hymar score` or the verifier's guard on main (issue 9)."""
    return [
        '{"id": "bigint", "prompt": "q", "completion": "<answer>1</answer>", "answer": ' + "9" * 5000 + "}",
        deep_json(100_000),
        json.dumps({"id": "longpath", "prompt": "q", "completion": "c", "images": ["a" * 5000 + ".png"]}),
        json.dumps({"id": "nul", "prompt": "2+2?", "completion": "<answer>4\x00</answer>", "answer": "4"}),
        json.dumps({"id": "huge", "prompt": "q", "completion": "<answer>" + "7" * 300_000 + "</answer>", "answer": "7"}),
        json.dumps({"id": "kw", "prompt": "q", "completion": "w1", "constraints": {"required_keywords": [f"w{i}" for i in range(30_000)]}}),
        json.dumps({"id": "tower", "prompt": "q", "completion": "\\boxed{9^{9^{9^{9}}}}", "answer": "3"}),
        "this is not json",
        json.dumps([1, 2, 3]),
        json.dumps({"id": "nan", "prompt": "q", "completion": "<answer>1</answer>", "answer": "1"})[:-1] + ', "x": NaN}',
    ]


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    """Parse output lines strictly: NaN/Infinity are not JSON and fail the test."""

    def refuse(name: str):
        raise AssertionError(f"non-JSON constant {name} in output")

    return [json.loads(line, parse_constant=refuse) for line in path.read_text(encoding="utf-8").splitlines()]


class RaisesOn(RewardComponent):
    """Raises (a component-level fault) for any batch holding a completion with ``marker``; else 1.0."""

    name = "fragile"

    def __init__(self, marker: str = "BOOM"):
        self.marker = marker

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        if any(self.marker in s.completion for s in samples):
            raise RuntimeError("fragile component failed on this batch")
        return [Score(1.0) for _ in samples]
