"""A small scored rollout file with images, groups, a wrong answer, an invalid component and an error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: accuracy, format and a length term: several components, no model to load
REWARD_CONFIG = {
    "components": {
        "accuracy": {"weight": 1.0},
        "format": {"weight": 0.5},
    }
}

PROMPT = "How many red circles are in the image? Put the final answer in <answer></answer> tags."


def _image(path: Path, circles: int) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 96), "white")
    draw = ImageDraw.Draw(image)
    for i in range(circles):
        x = 10 + 28 * i
        draw.ellipse((x, 36, x + 22, 58), fill="red")
    image.save(path)
    return path


def rollout_lines(folder: Path) -> list[dict]:
    _image(folder / "three.png", 3)
    _image(folder / "two.png", 2)
    return [
        {"id": "c3-right", "group": "three", "prompt": PROMPT, "images": ["three.png"], "answer": "3",
         "completion": "<think>one, two, three</think><answer>3</answer>"},
        {"id": "c3-wrong", "group": "three", "prompt": PROMPT, "images": ["three.png"], "answer": "3",
         "completion": "<think>two <b>only</b></think><answer>2</answer>"},
        {"id": "c3-boxed", "group": "three", "prompt": PROMPT, "images": ["three.png"], "answer": "3",
         "completion": "I count them: \\boxed{3}"},
        {"id": "c2-right", "group": "two", "prompt": PROMPT, "images": ["two.png"], "answer": "2",
         "completion": "<think>two</think><answer>2</answer>"},
        {"id": "c2-nogold", "group": "two", "prompt": PROMPT, "images": ["two.png"],
         "completion": "<think>hmm</think><answer>2</answer>"},
        {"id": "c2-deep", "group": "two", "prompt": PROMPT, "images": ["two.png"], "answer": "2",
         "completion": "<think>x</think><answer>" + "{" * 300 + "</answer>"},
        {"id": "bad-image", "group": "two", "prompt": PROMPT, "images": ["missing.png"], "answer": "2",
         "completion": "<answer>2</answer>"},
    ]


@pytest.fixture
def scored_file(tmp_path: Path) -> Path:
    """rollouts.jsonl scored by `score_jsonl` into scored.jsonl (the last line is an error record)."""
    from hymar.rewards.hybrid import resolve_reward
    from hymar.scoring import score_jsonl

    source = tmp_path / "rollouts.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rollout_lines(tmp_path)), encoding="utf-8")
    scored = tmp_path / "scored.jsonl"
    score_jsonl(source, scored, resolve_reward(REWARD_CONFIG), progress=False)
    return scored
