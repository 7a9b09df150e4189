"""`VisionRewardModel`: a vision-language backbone with a linear reward head, for VLMs that have no
sequence-classification class in transformers (Qwen2-VL, Qwen2.5-VL, ...).

Architecture: the VLM's base model (``AutoModel``, i.e. ``Qwen2_5_VLModel`` without the LM head) ->
hidden state of the last non-padding token -> ``Linear(hidden, n_aspects)``. This is the pooling
of transformers' ``*ForSequenceClassification`` heads and of InstructGPT-style reward models
(Ouyang et al. 2022), applied to a multimodal backbone.

Folder layout written by `VisionRewardModel.save_pretrained` (the reward-model format of
``hymar.rewards.model.learned``)::

    config.json, model.safetensors       the backbone (``PreTrainedModel.save_pretrained``)
    reward_head.safetensors              head weight [n_aspects, hidden] and bias [n_aspects]

This module imports torch at import time: import it only where a model is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

HEAD_FILE = "reward_head.safetensors"


def _hidden_size(config: Any) -> int:
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    hidden = getattr(text_config, "hidden_size", None) or getattr(config, "hidden_size", None)
    if not hidden:
        raise ValueError(f"cannot find hidden_size in the config of {type(config).__name__}")
    return int(hidden)


def load_base_model(path: str | Path, **load_kwargs: Any) -> Any:
    """The base (headless) model of a VLM checkpoint.

    ``AutoModel`` loads the base model both from a base-model folder and from a
    ``*ForConditionalGeneration`` checkpoint (it drops the LM head); where it cannot, fall back to
    ``AutoModelForImageTextToText(...).model``.
    """
    from transformers import AutoModel, AutoModelForImageTextToText

    try:
        return AutoModel.from_pretrained(path, **load_kwargs)
    except (ValueError, KeyError) as first:
        try:
            return AutoModelForImageTextToText.from_pretrained(path, **load_kwargs).model
        except Exception:  # noqa: BLE001 - report the first, more relevant error
            raise first from None


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """Index of the last non-padding position of each row (works for left and right padding)."""
    seq_len = attention_mask.shape[1]
    # argmax returns the first maximum: on the flipped mask that is the last 1 of the row
    return (seq_len - 1) - torch.argmax(attention_mask.flip(dims=[1]).to(torch.int64), dim=1)


class VisionRewardModel(nn.Module):
    """A VLM base model plus a linear head on the last non-padding token.

    Args:
        backbone: a transformers base model whose forward takes ``input_ids``, ``attention_mask``,
            ``pixel_values``, ``image_grid_thw`` and returns ``last_hidden_state``.
        n_aspects: number of reward outputs (1 = scalar reward model).

    Example::

        rm = VisionRewardModel.from_backbone("Qwen/Qwen2.5-VL-3B-Instruct", n_aspects=3)
        rewards = rm(**processor(text=texts, images=images, padding=True, return_tensors="pt"))
        rm.save_pretrained("out/rm")
    """

    def __init__(self, backbone: nn.Module, n_aspects: int = 1) -> None:
        super().__init__()
        if n_aspects < 1:
            raise ValueError(f"n_aspects must be >= 1, got {n_aspects}")
        self.backbone = backbone
        self.n_aspects = n_aspects
        # float32 head: the reward is a small difference of large activations, keep its precision
        self.head = nn.Linear(_hidden_size(backbone.config), n_aspects)

    @property
    def config(self) -> Any:
        return self.backbone.config

    @classmethod
    def from_backbone(cls, path: str | Path, n_aspects: int = 1, **load_kwargs: Any) -> VisionRewardModel:
        """A new reward model on a pretrained VLM checkpoint, head freshly initialised."""
        return cls(load_base_model(path, **load_kwargs), n_aspects)

    @classmethod
    def from_pretrained(cls, path: str | Path, **load_kwargs: Any) -> VisionRewardModel:
        """Load a folder written by `save_pretrained`.

        Raises:
            FileNotFoundError: the folder has no ``reward_head.safetensors``.
        """
        from safetensors.torch import load_file

        head_path = Path(path) / HEAD_FILE
        if not head_path.is_file():
            raise FileNotFoundError(f"{head_path} not found: not a VisionRewardModel folder")
        head = load_file(str(head_path))
        model = cls(load_base_model(path, **load_kwargs), n_aspects=int(head["weight"].shape[0]))
        model.head.load_state_dict(head)
        return model

    def save_pretrained(self, path: str | Path) -> None:
        """Write the backbone (``save_pretrained``) and the head (``reward_head.safetensors``)."""
        from safetensors.torch import save_file

        Path(path).mkdir(parents=True, exist_ok=True)
        self.backbone.save_pretrained(path)
        state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in self.head.state_dict().items()}
        save_file(state, str(Path(path) / HEAD_FILE), metadata={"n_aspects": str(self.n_aspects)})

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        pixel_values: torch.Tensor | None = None,
        image_grid_thw: torch.Tensor | None = None,
        **backbone_kwargs: Any,
    ) -> torch.Tensor:
        """Rewards of shape [batch, n_aspects].

        Args:
            input_ids, attention_mask: [batch, seq] as produced by the processor (any padding side).
            pixel_values, image_grid_thw: the processor's image tensors (None for text-only rows).
            backbone_kwargs: further processor outputs the backbone accepts (e.g. Qwen2.5-VL's
                ``mm_token_type_ids``, which it needs for its 3D rotary positions).
        """
        if pixel_values is not None:
            backbone_kwargs["pixel_values"] = pixel_values
            backbone_kwargs["image_grid_thw"] = image_grid_thw
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **backbone_kwargs)
        hidden = out.last_hidden_state
        rows = torch.arange(hidden.shape[0], device=hidden.device)
        pooled = hidden[rows, last_token_index(attention_mask).to(hidden.device)]
        return self.head(pooled.to(self.head.weight.dtype))
