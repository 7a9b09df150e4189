"""Preference pairs for reward-model training: the row type and two of the three feedback sources.

A `PreferencePair` is one row {prompt (chat messages), image, chosen, rejected, aspect, domain}.
Sources:

- `perturbation_pairs`: synthetic, from a task dataset (the synthetic suite or a mapped user
  dataset). chosen = the row's demonstration (or its reference / gold answer written in the answer
  format), rejected = a controlled perturbation of it (``hymar.data.synthetic.perturb``); the pair's
  aspect is the one the perturbation targets (correctness, adherence, conciseness, relevance).
- `human_pairs`: preference data in the common {prompt, images, chosen, rejected} layout, read with
  ``hymar.data.adapter.load_preference_dataset``; aspect "overall" (a human judged the whole answer).
- policy samples labelled by the verifier: ``hymar.train.rm.policy`` (needs a model, so kept apart).

No torch here; building pairs from the suite costs milliseconds per row.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hymar.data.synthetic.perturb import (
    ASPECTS,
    COMPLETION_PERTURBATIONS,
    REFERENCE_PERTURBATIONS,
    completion_kinds,
    perturb_completion,
)
from hymar.rewards.types import Sample, prompt_to_text

#: the aspect of a pair judged as a whole (human preferences): trains the weighted total of a vector model
OVERALL = "overall"
SOURCES = ("perturbation", "policy", "human")

#: perturbation kind -> the aspect it targets (completion kinds, plus reference kinds for open tasks)
KIND_ASPECT: dict[str, str] = {**REFERENCE_PERTURBATIONS, **COMPLETION_PERTURBATIONS}


@dataclass(frozen=True)
class PreferencePair:
    """One preference: ``chosen`` is better than ``rejected`` for ``prompt`` (+ ``image``) on ``aspect``.

    Args:
        prompt: chat messages (content as a string or a list of text/image parts) or a plain string.
        image: the prompt's image (PIL image, path, bytes or ``{"bytes"|"path"}`` dict) or None.
        chosen, rejected: the two responses.
        aspect: the aspect the preference is about (`ASPECTS`) or `OVERALL`.
        domain: the task domain ("counting", "describe", "human", ...), for per-domain reports.
        source: "perturbation", "policy" or "human".
        id: an identifier for reports (the task row's id plus a suffix).
        task: the hymar task tag of the prompt, when known.
        answer: the gold answer, when known (verifiable tasks).
        chosen_scores, rejected_scores: optional attribute scores in [0, 1] per aspect name (e.g. the
            verifier's correctness), regressed on by the vector model's heads.
    """

    prompt: Any
    image: Any
    chosen: str
    rejected: str
    aspect: str
    domain: str
    source: str = "perturbation"
    id: str = ""
    task: str | None = None
    answer: str | None = None
    chosen_scores: Mapping[str, float] | None = None
    rejected_scores: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        if self.chosen == self.rejected:
            raise ValueError(f"pair {self.id!r}: chosen and rejected are the same text")
        for scores in (self.chosen_scores, self.rejected_scores):
            for name, value in (scores or {}).items():
                if not 0.0 <= float(value) <= 1.0:
                    raise ValueError(f"pair {self.id!r}: attribute score {name}={value} is outside [0, 1]")

    @property
    def images(self) -> tuple[Any, ...]:
        return () if self.image is None else (self.image,)

    def sample(self, completion: str) -> Sample:
        """The prompt with ``completion`` as a `Sample` (what a reward component scores)."""
        return Sample(prompt=self.prompt, completion=completion, images=self.images, answer=self.answer, task=self.task)


def target_completion(row: Mapping[str, Any]) -> str | None:
    """The correct response of a task row: its demonstration, else its reference or gold answer
    wrapped in ``<answer>`` tags (the suite's answer format). None when the row has none of them."""
    if row.get("demonstration"):
        return str(row["demonstration"])
    for key in ("reference", "answer"):
        if row.get(key):
            return f"<answer>{row[key]}</answer>"
    return None


def perturbation_pairs(
    rows: Iterable[Mapping[str, Any]],
    *,
    aspects: Sequence[str] = ASPECTS,
    per_row: int = 2,
    seed: int = 0,
) -> list[PreferencePair]:
    """Pairs (correct response, controlled perturbation) from task rows.

    Per row, up to ``per_row`` distinct aspects are drawn uniformly from those that have an
    applicable perturbation, then one perturbation kind of each: drawing the aspect first keeps the
    aspects balanced although adherence has two kinds and the others one.

    Args:
        rows: task rows (columns of ``hymar.data.synthetic.schema``: prompt, image, answer, reference,
            demonstration, task, domain, id).
        aspects: the aspects to build pairs for (a subset of `ASPECTS`).
        per_row: pairs per row (each on a different aspect).
        seed: the pairs are a function of (rows, aspects, per_row, seed).

    Returns:
        The pairs, rows in order; rows without a target completion are skipped.

    Raises:
        ValueError: an unknown aspect or ``per_row < 1``.
    """
    unknown = [a for a in aspects if a not in ASPECTS]
    if unknown:
        raise ValueError(f"no perturbations for aspects {unknown}; known: {list(ASPECTS)}")
    if per_row < 1:
        raise ValueError(f"per_row must be >= 1, got {per_row}")
    rng = random.Random(seed)
    pairs = []
    for index, row in enumerate(rows):
        chosen = target_completion(row)
        if chosen is None:
            continue
        prompt_text = prompt_to_text(row["prompt"])
        answer, task = row.get("answer"), row.get("task")
        by_aspect: dict[str, list[str]] = {}
        for kind in completion_kinds(chosen, answer=answer, task=task, prompt=prompt_text):
            if KIND_ASPECT[kind] in aspects:
                by_aspect.setdefault(KIND_ASPECT[kind], []).append(kind)
        drawn = rng.sample(sorted(by_aspect), min(per_row, len(by_aspect)))
        for aspect in drawn:
            kind = rng.choice(by_aspect[aspect])
            rejected = perturb_completion(chosen, rng, answer=answer, task=task, prompt=prompt_text, kind=kind).text
            if rejected == chosen:  # cannot happen for the suite's texts; guards user data
                continue
            pairs.append(
                PreferencePair(
                    prompt=row["prompt"],
                    image=row.get("image"),
                    chosen=chosen,
                    rejected=rejected,
                    aspect=aspect,
                    domain=str(row.get("domain") or task or "default"),
                    source="perturbation",
                    id=f"{row.get('id', index)}:{kind}",
                    task=task,
                    answer=answer,
                )
            )
    return pairs


def human_pairs(
    source: str | os.PathLike[str] | Any,
    *,
    split: str = "train",
    column_map: Mapping[str, str] | None = None,
    image_root: str | os.PathLike[str] | None = None,
    domain: str = "human",
) -> list[PreferencePair]:
    """Human preference pairs from a JSONL file, a local folder, a Hub name or a Dataset.

    Args:
        source, split, column_map, image_root: as in ``hymar.data.adapter.load_preference_dataset``
            (layout {prompt, images, chosen, rejected}; ``images`` holds at most one image per row).
        domain: the domain tag the pairs get in reports.

    Returns:
        One `PreferencePair` per row, aspect `OVERALL`, source "human"; rows whose chosen and
        rejected texts are equal carry no preference and are skipped.

    Raises:
        ValueError, FileNotFoundError: as ``load_preference_dataset`` (bad rows name the row and column).
    """
    from hymar.data.adapter import load_preference_dataset

    data = load_preference_dataset(source, split=split, column_map=column_map, image_root=image_root)
    return [
        PreferencePair(
            prompt=row["prompt"],
            image=row["image"],
            chosen=row["chosen"],
            rejected=row["rejected"],
            aspect=OVERALL,
            domain=domain,
            source="human",
            id=str(row["id"]),
        )
        for row in data
        if row["chosen"] != row["rejected"]
    ]


def split_pairs(pairs: Sequence[PreferencePair], held_out: float, seed: int = 0) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """(train, held-out) by a seeded shuffle; the held-out part gets ``round(held_out * n)`` pairs,
    at least one when ``0 < held_out`` and there are two or more pairs.

    Raises:
        ValueError: ``held_out`` outside [0, 1).
    """
    if not 0.0 <= held_out < 1.0:
        raise ValueError(f"held_out must be in [0, 1), got {held_out}")
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_out = round(held_out * len(pairs))
    if held_out > 0 and n_out == 0 and len(pairs) >= 2:
        n_out = 1
    out = set(order[:n_out])
    return [p for i, p in enumerate(pairs) if i not in out], [p for i, p in enumerate(pairs) if i in out]
