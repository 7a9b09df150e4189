"""Fixtures shared by several test folders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def build_tiny_text_policy() -> Callable[[Path, Iterable[str], int], Path]:
    """A builder of tiny text policies: a `train_tokenizer` tokenizer and a 2-layer, hidden-32
    Qwen2ForCausalLM (seed 0), saved as an ordinary Hugging Face folder."""

    def build(folder: Path, corpus: Iterable[str], vocab_size: int) -> Path:
        import torch
        from transformers import Qwen2Config, Qwen2ForCausalLM

        from hymar.models.tokenizer import train_tokenizer

        tokenizer = train_tokenizer(corpus, vocab_size=vocab_size)
        config = Qwen2Config(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=256,
            tie_word_embeddings=True,
            bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        torch.manual_seed(0)
        Qwen2ForCausalLM(config).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return folder

    return build
