"""Tiny local models for the model-reward tests: built once per session, no hub.

- a byte-level BPE tokenizer trained with `hymar.models.tokenizer.train_tokenizer` (Qwen's special
  tokens, Qwen2-VL-style chat template);
- scalar (1 label) and vector (3 labels) Qwen2 sequence-classification reward models;
- a Qwen2.5-VL `VisionRewardModel` (2 aspects) with the image-only processor (56x56 -> 4 image tokens);
- 56x56 PNG images on disk (black, white, noise) and a corrupt "PNG".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_WORDS = "red blue green circle square triangle count how many the answer is what colour shape image".split()


def _corpus() -> list[str]:
    lines = []
    for i in range(300):
        a, b = _WORDS[i % len(_WORDS)], _WORDS[(i * 7) % len(_WORDS)]
        lines.append(f"Question {i}: {a} {b}? The answer is {i % 17}. user assistant system {b} {a}.")
    return lines


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from hymar.models.tokenizer import train_tokenizer

    return train_tokenizer(_corpus(), vocab_size=400)


def _text_config_kwargs(tokenizer) -> dict:
    return dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.pad_token_id,
    )


def _build_text_rm(folder: Path, tokenizer, num_labels: int, seed: int) -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, Qwen2Config

    torch.manual_seed(seed)
    config = Qwen2Config(num_labels=num_labels, **_text_config_kwargs(tokenizer))
    model = AutoModelForSequenceClassification.from_config(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def scalar_rm_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    return _build_text_rm(tmp_path_factory.mktemp("scalar_rm"), tiny_tokenizer, 1, seed=0)


@pytest.fixture(scope="session")
def vector_rm_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    from hymar.rewards.model.spec import RewardModelSpec

    folder = _build_text_rm(tmp_path_factory.mktemp("vector_rm"), tiny_tokenizer, 3, seed=1)
    weights = {"correctness": 2.0, "adherence": 1.0, "fluency": 0.5}
    RewardModelSpec(aspects=tuple(weights), aspect_weights=weights).save(folder)
    return folder


def build_tiny_vlm_config(tokenizer):
    """The library's own tiny Qwen2.5-VL config at its "test" size."""
    from hymar.models.tiny import SIZES, tiny_vlm_config

    return tiny_vlm_config(SIZES["test"], tokenizer)


@pytest.fixture(scope="session")
def tiny_vlm_processor(tiny_tokenizer):
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    from hymar.models.processor import QwenVLImageProcessor

    # min = max pixels 56*56, patch 14, merge 2: every image is 16 patches = 4 image tokens
    image_processor = Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=56 * 56, patch_size=14, merge_size=2)
    return QwenVLImageProcessor(image_processor=image_processor, tokenizer=tiny_tokenizer)


@pytest.fixture(scope="session")
def vision_rm_dir(tmp_path_factory, tiny_tokenizer, tiny_vlm_processor) -> Path:
    import torch
    from transformers import Qwen2_5_VLModel

    from hymar.rewards.model.spec import RewardModelSpec
    from hymar.rewards.model.vision_rm import VisionRewardModel

    torch.manual_seed(2)
    folder = tmp_path_factory.mktemp("vision_rm")
    model = VisionRewardModel(Qwen2_5_VLModel(build_tiny_vlm_config(tiny_tokenizer)), n_aspects=2)
    model.save_pretrained(folder)
    tiny_vlm_processor.save_pretrained(folder)
    RewardModelSpec(aspects=("correctness", "adherence"), multimodal=True).save(folder)
    return folder


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> dict[str, Path]:
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    arrays = {
        "black": np.zeros((56, 56, 3), np.uint8),
        "white": np.full((56, 56, 3), 255, np.uint8),
        "noise": rng.integers(0, 256, (56, 56, 3), dtype=np.uint8),
    }
    paths = {}
    for name, arr in arrays.items():
        paths[name] = folder / f"{name}.png"
        Image.fromarray(arr).save(paths[name])
    paths["corrupt"] = folder / "corrupt.png"
    paths["corrupt"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 4)
    return paths
