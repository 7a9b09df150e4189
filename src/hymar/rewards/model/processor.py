"""Loading the processor of a multimodal reward model, with an image-only fallback for Qwen-VL.

transformers 5 makes a video processor a mandatory part of the Qwen2-VL / Qwen2.5-VL processors, and
video processors need torchvision, which a CPU-only install may lack. A reward model scores images,
never videos, so `QwenVLImageProcessor` (defined in ``hymar.models.processor``, re-exported here) drops
the video part.

This module imports transformers at import time: import it only where a model is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoImageProcessor, AutoProcessor, AutoTokenizer

from hymar.models.processor import (
    QwenVLImageProcessor,  # re-exported: it moved to hymar.models
)
from hymar.rewards.model.errors import ModelLoadError

__all__ = ["QwenVLImageProcessor", "load_processor"]

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
