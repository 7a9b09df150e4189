"""Fixtures for the policy tests: a tiny VLM and a tiny text model built with hymar's own builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

COUNT_PROMPT = "How many circles are in the image?"


def small_corpus() -> list[str]:
    """Prompt and demonstration texts of the kind the task suite produces."""
    lines = []
    for i in range(60):
        k = i % 7
        lines.append(f"{COUNT_PROMPT} Put the final answer in <answer></answer> tags.")
        lines.append(f"<think>I count {k} red circles.</think><answer>{k}</answer>")
        lines.append(f"What is {i % 11} + {k}? <think>{i % 11} + {k} = {i % 11 + k}.</think><answer>{i % 11 + k}</answer>")
    return lines


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return small_corpus()


@pytest.fixture(scope="session")
def tiny_vlm_dir(tmp_path_factory) -> Path:
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_vlm"), small_corpus(), SIZES["test"], seed=0)


@pytest.fixture(scope="session")
def tiny_text_dir(tmp_path_factory, build_tiny_text_policy) -> Path:
    """A 2-layer Qwen2ForCausalLM with a tokenizer from `train_tokenizer`: a text-only policy folder."""
    return build_tiny_text_policy(tmp_path_factory.mktemp("tiny_text"), small_corpus(), 400)


@pytest.fixture(scope="session")
def circle_image():
    """A 56x56 white image with two red circles."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (56, 56), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 4, 20, 20], fill="red")
    draw.ellipse([30, 30, 46, 46], fill="red")
    return image
