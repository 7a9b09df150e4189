"""Fixtures for the evaluation tests: hand-written task rows and tiny policies built with hymar's builders."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def user(text: str, image: bool = True) -> list[dict]:
    parts = [{"type": "image", "text": None}] if image else []
    return [{"role": "user", "content": [*parts, {"type": "text", "text": text}]}]


CHOICE_PROMPT = "What shape is the red object?\nA. triangle\nB. square\nC. circle\nAnswer with the option's letter."


@pytest.fixture(scope="session")
def suite():
    """A few rows of every synthetic domain (test split)."""
    from hymar.data.synthetic import build_task_suite

    return build_task_suite(40, 10, seed=0)


@pytest.fixture(scope="session")
def tiny_vlm_dir(tmp_path_factory, suite):
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("eval_vlm"), task_corpus(suite), SIZES["test"], seed=0)


@pytest.fixture(scope="session")
def tiny_text_dir(tmp_path_factory, suite):
    """A 2-layer Qwen2ForCausalLM with a hymar tokenizer: a text-only policy folder."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from hymar.data.synthetic import task_corpus
    from hymar.models.tokenizer import train_tokenizer

    folder = tmp_path_factory.mktemp("eval_text")
    tokenizer = train_tokenizer(task_corpus(suite), vocab_size=400)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
