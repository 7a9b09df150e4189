"""Model inputs for reward-model training and scoring, built exactly as the scorer builds them.

``hymar.rewards.model.learned.LearnedRewardModel`` renders (prompt, completion) with
``build_messages`` + the processor's chat template and calls ``processor(text=..., images=...,
padding=True)``. Training on the same rendering matters: a reward model trained on one text layout
and scored on another sees inputs it never learned. So this module reuses those two functions.

No torch import here: the processor returns the tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hymar.rewards.model.inputs import build_messages, load_image, render
from hymar.rewards.types import Sample
from hymar.train.rm.pairs import PreferencePair


@dataclass(frozen=True)
class Rendered:
    """One scored text: the rendered conversation and its decoded images."""

    text: str
    images: tuple[Any, ...]


def render_sample(sample: Sample, processor: Any) -> Rendered:
    """The conversation text and RGB images of ``sample`` as the multimodal scorer renders them.

    Raises:
        ImageError: an image cannot be loaded or the prompt's image parts do not match the images.
    """
    messages = build_messages(sample, multimodal=True)
    images = tuple(load_image(im) for im in sample.images)
    return Rendered(render(messages, processor), images)


def render_pair(pair: PreferencePair, processor: Any) -> tuple[Rendered, Rendered]:
    """(chosen, rejected) rendered; the image is decoded once and shared."""
    chosen = render_sample(pair.sample(pair.chosen), processor)
    rejected_text = render(build_messages(pair.sample(pair.rejected), multimodal=True), processor)
    return chosen, Rendered(rejected_text, chosen.images)


def encode(processor: Any, items: Sequence[Rendered], device: Any = "cpu") -> dict[str, Any]:
    """Processor outputs for ``items`` as tensors on ``device`` (padding to the longest row).

    Returns:
        The processor's dict (input_ids, attention_mask, pixel_values, image_grid_thw and any extra
        keys the backbone takes, such as Qwen2.5-VL's mm_token_type_ids).
    """
    images = [im for item in items for im in item.images]
    enc = processor(text=[item.text for item in items], images=images or None, padding=True, return_tensors="pt")
    return {key: value.to(device) if hasattr(value, "to") else value for key, value in enc.items()}


def lengths(enc: dict[str, Any]) -> list[int]:
    """Tokens per row (image tokens included)."""
    return [int(n) for n in enc["attention_mask"].sum(dim=1).tolist()]
