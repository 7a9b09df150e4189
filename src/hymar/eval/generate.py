"""Batched generation on a task dataset, for any policy `hymar.models.loading.load_policy` loads.

A VLM gets its chat template applied by its processor and the row's image (the ``image`` column) in
the prompt's ``{"type": "image"}`` placeholder; a text policy gets the prompt's text parts only. Rows
are generated in order, ``batch_size`` at a time, with left padding; only the new tokens are decoded
(special tokens skipped). Greedy decoding by default, so an evaluation is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hymar.data.prompts import text_only_prompt, vision_messages


@dataclass(frozen=True)
class GenerationSettings:
    """How completions are sampled.

    Args:
        max_new_tokens: tokens generated per prompt.
        batch_size: prompts per ``generate`` call.
        temperature: 0 = greedy; > 0 samples with this temperature.
        top_p: nucleus sampling mass (sampling only).
        seed: torch seed set before sampling (sampling only).
        num_return_sequences: completions per prompt (> 1 needs sampling).
    """

    max_new_tokens: int = 128
    batch_size: int = 16
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    num_return_sequences: int = 1

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise ValueError(f"max_new_tokens and batch_size must be >= 1, got {self.max_new_tokens}, {self.batch_size}")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"temperature must be >= 0 and top_p in (0, 1], got {self.temperature}, {self.top_p}")
        if self.num_return_sequences < 1 or (self.num_return_sequences > 1 and self.temperature == 0):
            raise ValueError(f"num_return_sequences must be >= 1, and > 1 only when sampling, got {self.num_return_sequences}")


def _batch_inputs(rows: Sequence[Mapping[str, Any]], processing_class: Any, multimodal: bool) -> Any:
    if multimodal:
        images = [row.get("image") for row in rows]
        messages = [vision_messages(row["prompt"], image is not None) for row, image in zip(rows, images)]
        texts = [processing_class.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in messages]
        present = [image.convert("RGB") for image in images if image is not None]
        return processing_class(text=texts, images=present or None, padding=True, return_tensors="pt")
    texts = []
    for row in rows:
        prompt = text_only_prompt(row["prompt"])
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        texts.append(processing_class.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))
    # the chat template already wrote any special tokens it wants
    return processing_class(texts, padding=True, add_special_tokens=False, return_tensors="pt")


def generate_completions(
    model: Any,
    processing_class: Any,
    rows: Sequence[Mapping[str, Any]],
    settings: GenerationSettings = GenerationSettings(),
    *,
    progress: bool = True,
) -> list[str]:
    """Generate ``settings.num_return_sequences`` completions per row (one by default).

    Args:
        model: the policy (a VLM or a causal LM) in eval mode or not (set here).
        processing_class: its processor (VLM, has ``image_processor``) or tokenizer; left padding.
        rows: mappings with ``prompt`` and, for a VLM, optionally ``image`` (PIL).
        settings: sampling settings.
        progress: show a tqdm bar over batches.

    Returns:
        The decoded new text, row by row (a row's completions consecutive), in order.
    """
    import torch
    from tqdm.auto import tqdm

    multimodal = hasattr(processing_class, "image_processor")
    tokenizer = getattr(processing_class, "tokenizer", processing_class)
    tokenizer.padding_side = "left"  # generation continues the prompt: pad on the left
    greedy = settings.temperature == 0
    gen_kwargs: dict[str, Any] = {
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": not greedy,
        "num_return_sequences": settings.num_return_sequences,
    }
    if greedy:
        # the checkpoint's generation config may carry sampling defaults that would warn under greedy
        gen_kwargs.update(temperature=None, top_p=None, top_k=None)
    else:
        gen_kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
        torch.manual_seed(settings.seed)
    if tokenizer.pad_token_id is not None:
        gen_kwargs["pad_token_id"] = tokenizer.pad_token_id
    device = next(model.parameters()).device
    model.eval()
    completions: list[str] = []
    starts = range(0, len(rows), settings.batch_size)
    for start in tqdm(starts, desc="generate", unit="batch", disable=not progress):
        batch = rows[start : start + settings.batch_size]
        inputs = _batch_inputs(batch, processing_class, multimodal).to(device)
        with torch.inference_mode():
            output = model.generate(**inputs, **gen_kwargs)
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        completions.extend(tokenizer.batch_decode(new_tokens, skip_special_tokens=True))
    return completions
