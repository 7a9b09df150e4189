"""`LearnedRewardModel`: score samples with a trained scalar or vector reward model.

Reward-model folder format (what ``hymar train-rm`` writes and this component reads):

- Text backbone: a Hugging Face folder loadable with ``AutoModelForSequenceClassification`` and
  ``AutoTokenizer``; ``num_labels`` = 1 for a scalar model, = number of aspects for a vector model.
- Multimodal backbone (no sequence-classification class in transformers, e.g. Qwen2.5-VL): a
  `VisionRewardModel` folder (backbone via ``save_pretrained`` + ``reward_head.safetensors``) plus
  the processor files (``AutoProcessor``; Qwen-VL folders may use the image-only processor of
  ``hymar.models.processor``).
- Optional ``hymar_reward.json``: ``{"aspects": [...], "aspect_weights": {...}, "multimodal": bool}``
  (see ``hymar.rewards.model.spec``). ``multimodal`` defaults to "has reward_head.safetensors".

The scored text is the prompt and completion rendered with the tokenizer's/processor's chat
template (plain concatenation when there is none). Score.value = sum_k w_k r_k over the aspect
outputs r_k (weights default to 1/n); Score.info["aspects"] holds every r_k.

Example::

    rm = LearnedRewardModel("out/rm", batch_size=8, max_length=1024)
    scores = rm(samples)                 # list[Score]
    per_aspect = rm.score_aspects(samples)   # {"correctness": [...], "adherence": [...]}
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hymar.rewards.base import RewardComponent
from hymar.models.errors import ModelLoadError
from hymar.rewards.model.inputs import ImageError, build_messages, load_image, render
from hymar.rewards.model.spec import RewardModelSpec
from hymar.rewards.types import Sample, Score

_MAX_REASON = 200


@dataclass(frozen=True)
class LearnedRMConfig:
    """Options of `LearnedRewardModel`.

    Args:
        path: the reward-model folder (or a hub id when the hub is reachable).
        batch_size: samples per forward pass.
        max_length: token limit. Text inputs are truncated (``info["truncated"]``); multimodal inputs
            over the limit score invalid, since cutting them could cut image tokens.
        device: torch device; None = "cuda" when available, else "cpu".
        dtype: torch dtype name for the weights ("float32", "bfloat16", ...); None = transformers' default.
        aspect_weights: per-aspect weights overriding those of ``hymar_reward.json``.
    """

    path: str
    batch_size: int = 8
    max_length: int = 1024
    device: str | None = None
    dtype: str | None = None
    aspect_weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.max_length < 8:
            raise ValueError(f"max_length must be >= 8, got {self.max_length}")


@dataclass
class _Prepared:
    index: int
    text: str
    images: list[Any]


class LearnedRewardModel(RewardComponent):
    """A trained scalar or vector reward model as a reward component.

    Args:
        path, batch_size, max_length, device, dtype, aspect_weights: see `LearnedRMConfig`.

    Raises:
        ModelLoadError: at construction, when the folder cannot be loaded (the message names it).
    """

    name = "reward_model"
    uses_model = True

    def __init__(
        self,
        path: str | Path,
        *,
        batch_size: int = 8,
        max_length: int = 1024,
        device: str | None = None,
        dtype: str | None = None,
        aspect_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.config = LearnedRMConfig(str(path), batch_size, max_length, device, dtype, aspect_weights)
        self._model: Any = None
        self._processor: Any = None  # tokenizer (text) or processor (multimodal)
        self._load()

    # ---- loading -------------------------------------------------------------------------------

    def _load(self) -> None:
        path = self.config.path
        try:
            import torch  # noqa: F401 - fail with the install hint below, not deep in transformers
            import transformers  # noqa: F401
        except ImportError as err:
            raise ModelLoadError(f"LearnedRewardModel needs torch and transformers (pip install 'hymar[model]'): {err}") from err
        from hymar.rewards.model.embedding import resolve_device
        from hymar.rewards.model.vision_rm import HEAD_FILE

        folder = Path(path)
        hub_id_like = path.count("/") == 1 and not folder.is_absolute() and not path.startswith(".")
        if not folder.exists() and not hub_id_like:
            raise ModelLoadError(f"reward model folder not found: {path}")
        from hymar.models.saving import IncompleteModelError, check_complete

        try:
            check_complete(folder)
        except IncompleteModelError as err:
            raise ModelLoadError(str(err)) from err
        try:
            spec = RewardModelSpec.load(folder) if folder.is_dir() else RewardModelSpec()
            if self.config.aspect_weights is not None:
                spec = RewardModelSpec(spec.aspects, dict(self.config.aspect_weights), spec.multimodal, spec.extra)
        except ValueError as err:
            raise ModelLoadError(f"bad reward model spec in {path}: {err}") from err
        multimodal = spec.multimodal if spec.multimodal is not None else (folder / HEAD_FILE).is_file()
        load_kwargs: dict[str, Any] = {}
        if self.config.dtype is not None:
            load_kwargs["dtype"] = self.config.dtype
        try:
            if multimodal:
                model, processor, n_out = self._load_multimodal(path, load_kwargs)
            else:
                model, processor, n_out = self._load_text(path, load_kwargs)
            self.device = resolve_device(self.config.device)
            model.to(self.device).eval()
        except ModelLoadError:
            raise
        except Exception as err:  # noqa: BLE001 - one clear error naming the folder
            raise ModelLoadError(f"could not load reward model from {path}: {type(err).__name__}: {err}") from err
        try:
            self.aspects, self.weights = spec.resolved(n_out)
        except ValueError as err:
            raise ModelLoadError(f"reward model {path}: {err}") from err
        self.multimodal = multimodal
        self._model, self._processor = model, processor

    @staticmethod
    def _load_text(path: str, load_kwargs: dict[str, Any]) -> tuple[Any, Any, int]:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
        if tokenizer.pad_token is None:
            # reward models score the last real token; any pad id works when the mask is passed
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForSequenceClassification.from_pretrained(path, **load_kwargs)
        if model.config.pad_token_id is None:
            # sequence-classification heads locate the last real token through the pad id
            model.config.pad_token_id = tokenizer.pad_token_id
        return model, tokenizer, int(model.config.num_labels)

    @staticmethod
    def _load_multimodal(path: str, load_kwargs: dict[str, Any]) -> tuple[Any, Any, int]:
        from hymar.models.processor import load_processor
        from hymar.rewards.model.vision_rm import VisionRewardModel

        model = VisionRewardModel.from_pretrained(path, **load_kwargs)
        processor = load_processor(path)
        return model, processor, model.n_aspects

    def _ensure_loaded(self) -> None:
        if self._model is None:
            self._load()

    def __getstate__(self) -> dict[str, Any]:
        # the weights stay out of the pickle: a rollout worker reloads them from the folder
        state = dict(self.__dict__)
        state["_model"] = None
        state["_processor"] = None
        return state

    # ---- scoring -------------------------------------------------------------------------------

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        outputs = self._outputs(samples)
        scores: list[Score] = []
        for out in outputs:
            if isinstance(out, Score):
                scores.append(out)
                continue
            values, truncated = out
            total = sum(w * r for w, r in zip(self.weights, values))
            info: dict[str, Any] = {"aspects": dict(zip(self.aspects, values))}
            if truncated:
                info["truncated"] = True
            scores.append(Score(total, confidence=1.0, info=info))
        return scores

    def score_aspects(self, samples: Sequence[Sample]) -> dict[str, list[float]]:
        """Per aspect name, one raw output per sample (NaN where the sample could not be scored)."""
        table: dict[str, list[float]] = {name: [] for name in self.aspects}
        for out in self._outputs(samples):
            for k, name in enumerate(self.aspects):
                table[name].append(math.nan if isinstance(out, Score) else out[0][k])
        return table

    def _outputs(self, samples: Sequence[Sample]) -> list[Score | tuple[list[float], bool]]:
        """Per sample: (aspect outputs, truncated) or an invalid Score."""
        self._ensure_loaded()
        results: list[Score | tuple[list[float], bool] | None] = [None] * len(samples)
        prepared: list[_Prepared] = []
        for i, sample in enumerate(samples):
            item = self._prepare(i, sample)
            if isinstance(item, Score):
                results[i] = item
            else:
                prepared.append(item)
        size = self.config.batch_size
        for start in range(0, len(prepared), size):
            self._run_batch(prepared[start : start + size], results)
        return [r if r is not None else Score.invalid("reward model: not scored") for r in results]

    def _prepare(self, index: int, sample: Sample) -> _Prepared | Score:
        try:
            messages = build_messages(sample, multimodal=self.multimodal)
            images = [load_image(im) for im in sample.images] if self.multimodal else []
            text = render(messages, self._processor)
        except ImageError as err:
            return Score.invalid(f"reward model: {err}"[:_MAX_REASON])
        except Exception as err:  # noqa: BLE001 - e.g. a chat template rejecting the messages
            return Score.invalid(f"reward model input error: {type(err).__name__}: {err}"[:_MAX_REASON])
        return _Prepared(index, text, images)

    def _run_batch(self, batch: list[_Prepared], results: list[Any]) -> None:
        """Score a batch; on a runtime failure, score its samples one by one to isolate the bad one."""
        try:
            for item, out in zip(batch, self._forward(batch)):
                results[item.index] = out
        except Exception as err:  # noqa: BLE001 - OOM, bad image tensors, ...: never crash training
            if len(batch) > 1:
                for item in batch:
                    self._run_batch([item], results)
                return
            results[batch[0].index] = Score.invalid(f"reward model error: {type(err).__name__}: {err}"[:_MAX_REASON])

    def _forward(self, batch: list[_Prepared]) -> list[Score | tuple[list[float], bool]]:
        import torch

        max_length = self.config.max_length
        texts = [item.text for item in batch]
        with torch.no_grad():
            if not self.multimodal:
                # a rendered chat template already holds its special tokens; plain text gets them here
                add_special = not getattr(self._processor, "chat_template", None)
                full = self._processor(texts, add_special_tokens=add_special)["input_ids"]
                truncated = [len(ids) > max_length for ids in full]
                enc = self._processor.pad({"input_ids": [ids[:max_length] for ids in full]}, return_tensors="pt")
                enc = enc.to(self.device)
                logits = self._model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
                rows = logits.float().cpu().tolist()
                return [(row, cut) for row, cut in zip(rows, truncated)]
            images = [im for item in batch for im in item.images]
            enc = self._processor(text=texts, images=images or None, padding=True, return_tensors="pt")
            lengths = enc["attention_mask"].sum(dim=1).tolist()
            too_long = [n > max_length for n in lengths]
            if any(too_long):
                kept = [item for item, long in zip(batch, too_long) if not long]
                kept_out = iter(self._forward(kept) if kept else [])
                return [
                    Score.invalid(f"reward model: input of {n} tokens exceeds max_length {max_length}")
                    if long
                    else next(kept_out)
                    for n, long in zip(lengths, too_long)
                ]
            enc = {k: v.to(self.device) if hasattr(v, "to") else v for k, v in enc.items()}
            rewards = self._model(**enc)
            return [(row, False) for row in rewards.float().cpu().tolist()]
