"""Load any Hugging Face policy, multimodal or text-only, with one call.

- Multimodal (the config's model type is an image-text-to-text architecture, or it has a
  ``vision_config``): ``AutoModelForImageTextToText`` + the model's processor. The processor comes from
  ``AutoProcessor``, falling back to the image-only Qwen2(.5)-VL processor when ``AutoProcessor`` cannot
  build one (no torchvision, or a folder saved with `QwenVLImageProcessor` such as the embedded tiny
  policy); see ``hymar.models.processor.load_processor``.
- Text-only: ``AutoModelForCausalLM`` + ``AutoTokenizer``.

The embedded tiny model goes through exactly this path; nothing here knows about it. Every failure is
a `ModelLoadError` whose message names the path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hymar.models.errors import ModelLoadError

__all__ = ["ModelLoadError", "is_multimodal", "load_policy"]


def _location(path: str | Path) -> str:
    """A local folder as an expanded path string, anything else as a Hub id.

    A path that is absolute or starts with "." or "~" must exist: reporting "no such folder" beats the
    Hub's repo-id validation error for what was meant as a file path.
    """
    local = Path(path).expanduser()
    if local.exists():
        if not local.is_dir():
            raise ModelLoadError(f"policy path {path} is a file, not a model folder")
        return str(local)
    if local.is_absolute() or str(path).startswith((".", "~")):
        raise ModelLoadError(f"policy path {path} does not exist")
    return str(path)


def _load_config(where: str, path: str | Path) -> Any:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(where)
    except Exception as err:  # noqa: BLE001 - one clear error naming the path
        raise ModelLoadError(f"could not read a model config from {path}: {err}") from err


def _config_is_multimodal(config: Any) -> bool:
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES,
    )

    return config.model_type in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES or getattr(config, "vision_config", None) is not None


def is_multimodal(path: str | Path) -> bool:
    """Whether the model at ``path`` takes images (an image-text-to-text architecture).

    Args:
        path: a local model folder or a Hub id.

    Returns:
        True for VLMs (Qwen2.5-VL, LLaVA, ...), False for text-only causal LMs.

    Raises:
        ModelLoadError: no readable config at ``path``.
    """
    return _config_is_multimodal(_load_config(_location(path), path))


def _resolve_dtype(dtype: Any, device: str) -> Any:
    """None -> float32 on CPU (bf16 matmuls are slow or missing on many CPUs), the checkpoint's dtype elsewhere."""
    import torch

    if dtype is not None:
        return getattr(torch, dtype) if isinstance(dtype, str) and dtype != "auto" else dtype
    return torch.float32 if str(device).startswith("cpu") else "auto"


def load_policy(path: str | Path, *, device: str = "cpu", dtype: Any = None) -> tuple[Any, Any]:
    """Load a policy and its processing class from a local folder or Hub id.

    The processing class is left-padding (generation pads on the left) and always has a pad token
    (the eos token when the checkpoint names none); the model's generation config gets the same pad id.

    Args:
        path: model folder (e.g. from `hymar.models.tiny.build_tiny_vlm`, an SFT output) or Hub id
            (e.g. "Qwen/Qwen2.5-VL-3B-Instruct"; needs the hub or a local cache).
        device: torch device to move the model to.
        dtype: torch dtype, its name ("bfloat16"), "auto" (the checkpoint's), or None (float32 on CPU,
            "auto" elsewhere).

    Returns:
        ``(model, processing_class)``: a VLM with its processor (``ProcessorMixin``), or a causal LM
        with its tokenizer.

    Raises:
        ModelLoadError: anything fails; the message names ``path``.
    """
    _refuse_incomplete(path)
    where = _location(path)
    config = _load_config(where, path)
    multimodal = _config_is_multimodal(config)
    try:
        from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

        auto = AutoModelForImageTextToText if multimodal else AutoModelForCausalLM
        model = auto.from_pretrained(where, dtype=_resolve_dtype(dtype, device))
    except Exception as err:  # noqa: BLE001 - one clear error naming the path
        kind = "multimodal" if multimodal else "text"
        raise ModelLoadError(f"could not load the {kind} policy model from {path}: {err}") from err
    processing_class = _load_processing_class(where, multimodal, path)
    _prepare_for_generation(model, processing_class)
    return model.to(device), processing_class


def _refuse_incomplete(path: str | Path) -> None:
    """A folder whose save was interrupted (it still holds hymar's "saving" marker) is not a model."""
    from hymar.models.saving import IncompleteModelError, check_complete

    try:
        check_complete(path)
    except IncompleteModelError as err:
        raise ModelLoadError(str(err)) from err


def _load_processing_class(where: str, multimodal: bool, path: str | Path) -> Any:
    if multimodal:
        from hymar.models.processor import load_processor

        return load_processor(where)  # raises ModelLoadError naming the folder
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(where)
    except Exception as err:  # noqa: BLE001 - one clear error naming the path
        raise ModelLoadError(f"could not load the tokenizer of the policy at {path}: {err}") from err


def _prepare_for_generation(model: Any, processing_class: Any) -> None:
    """Left padding and a pad token: batched generation needs both, and some checkpoints lack a pad token."""
    tokenizer = getattr(processing_class, "tokenizer", processing_class)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    generation_config = getattr(model, "generation_config", None)
    if generation_config is not None and generation_config.pad_token_id is None:
        generation_config.pad_token_id = tokenizer.pad_token_id
