"""The image-only Qwen2(.5)-VL processor and the fixed-size image processor of the embedded policy.

transformers 5 makes a video processor a mandatory part of the Qwen2-VL / Qwen2.5-VL processors, and
video processors need torchvision, which a CPU-only install may lack. hymar's policies and reward models
see images, never videos, so `QwenVLImageProcessor` drops the video part: transformers derives a
processor's sub-processors from its ``__init__`` signature, so leaving ``video_processor`` out of it is
enough. `load_processor` loads a multimodal model folder's processor (policy or reward model) with
that image-only processor as the fallback.

This module imports transformers at import time: import it only where a model is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoImageProcessor, AutoProcessor, AutoTokenizer, Qwen2_5_VLProcessor

from hymar.models.errors import ModelLoadError


class QwenVLImageProcessor(Qwen2_5_VLProcessor):
    """A Qwen2(.5)-VL processor for images only (no video processor, so no torchvision).

    Args:
        image_processor: e.g. ``Qwen2VLImageProcessorPil``.
        tokenizer: the model's tokenizer (with ``<|image_pad|>`` and friends).
        chat_template: the chat template (defaults to the tokenizer's).
    """

    def __init__(self, image_processor: Any = None, tokenizer: Any = None, chat_template: str | None = None, **kwargs: Any):
        if chat_template is None and tokenizer is not None:
            chat_template = getattr(tokenizer, "chat_template", None)
        super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)


def fixed_size_image_processor(image_size: int, *, patch_size: int = 14, merge_size: int = 2) -> Any:
    """A Qwen2-VL image processor (PIL backend) that resizes every square image to ``image_size``.

    Qwen2-VL's ``smart_resize`` rounds each side to a multiple of ``factor = patch_size * merge_size``
    and then keeps the pixel count within [min_pixels, max_pixels] (flooring/ceiling the sides when it
    must rescale). Pinning both bounds to ``image_size**2`` looks right but mis-sizes about one square
    size in ten through floating-point error in that floor (a 300 x 300 image became 28 x 28); the
    bounds ``(image_size -+ factor/2)**2`` pin every square image, of any size, to ``image_size``
    (checked for sides 10..1200). That is ``(image_size / factor)**2`` image tokens (56 -> 4,
    112 -> 16 with patch 14, merge 2). Non-square images keep roughly that many pixels and their shape,
    each side a multiple of ``factor``.

    Args:
        image_size: side in pixels, a multiple of ``patch_size * merge_size``.
        patch_size: the vision encoder's patch side.
        merge_size: patches merged per side into one language-model token.

    Returns:
        A ``Qwen2VLImageProcessorPil`` (no torchvision needed).
    """
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    factor = patch_size * merge_size
    if image_size <= 0 or image_size % factor:
        raise ValueError(f"image_size must be a positive multiple of patch_size * merge_size = {factor}, got {image_size}")
    return Qwen2VLImageProcessorPil(
        min_pixels=(image_size - factor // 2) ** 2,
        max_pixels=(image_size + factor // 2) ** 2,
        patch_size=patch_size,
        merge_size=merge_size,
    )


_QWEN_VL_TYPES = frozenset({"qwen2_vl", "qwen2_5_vl"})


def load_processor(path: str | Path, **kwargs: Any) -> Any:
    """The processor of a multimodal model folder.

    Tries ``AutoProcessor`` first; when that fails or yields no image processor (e.g. a Qwen-VL
    processor without torchvision, or a folder saved with `QwenVLImageProcessor`), builds a
    `QwenVLImageProcessor` from the folder's tokenizer and image processor.

    Raises:
        ModelLoadError: no processor with an image processor can be built (the message names the path).
    """
    first_error: Exception | None = None
    try:
        processor = AutoProcessor.from_pretrained(path, **kwargs)
        if getattr(processor, "image_processor", None) is not None:
            return processor
    except Exception as err:  # noqa: BLE001 - fall back below, report if that fails too
        first_error = err
    try:
        model_type = AutoConfig.from_pretrained(path, **kwargs).model_type
        if model_type not in _QWEN_VL_TYPES:
            raise ValueError(f"no image-only fallback for model type {model_type!r}")
        tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
        image_processor = AutoImageProcessor.from_pretrained(path, **kwargs)
        return QwenVLImageProcessor(image_processor=image_processor, tokenizer=tokenizer)
    except Exception as err:  # noqa: BLE001 - one clear error naming the folder
        detail = f"{err}" + (f"; AutoProcessor: {first_error}" if first_error else "")
        raise ModelLoadError(f"could not load a multimodal processor from {path}: {detail}") from err
