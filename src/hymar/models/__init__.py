"""Policies: the embedded tiny Qwen2.5-VL-architecture model, its tokenizer, and loading any HF policy.

- `train_tokenizer` (``hymar.models.tokenizer``): byte-level BPE with Qwen's special tokens and chat format.
- `TinyVLMSpec`, `build_tiny_vlm` (``hymar.models.tiny``): build and save the embedded default policy.
- `load_policy`, `is_multimodal` (``hymar.models.loading``): one call for any local or Hub VLM / text model.
- `QwenVLImageProcessor` (``hymar.models.processor``): the image-only Qwen2(.5)-VL processor.

Exports are lazy (module ``__getattr__``): ``import hymar.models`` imports no torch or transformers.
"""

from __future__ import annotations

from hymar._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "train_tokenizer": "hymar.models.tokenizer",
    "TinyVLMSpec": "hymar.models.tiny",
    "build_tiny_vlm": "hymar.models.tiny",
    "SIZES": "hymar.models.tiny",
    "load_policy": "hymar.models.loading",
    "is_multimodal": "hymar.models.loading",
    "QwenVLImageProcessor": "hymar.models.processor",
    "load_processor": "hymar.models.processor",
    "ModelLoadError": "hymar.models.errors",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
