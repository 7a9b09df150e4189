"""One-to-one matching of predicted and gold boxes, and the three grounding metrics.

Matching: the Hungarian algorithm (`scipy.optimize.linear_sum_assignment`) on the IoU matrix,
maximising the summed IoU, so every gold box is matched at most once (VLM-R1 #44/#261 matched only
one box). With ``match_labels`` a pair whose labels are both given and differ (after lower-casing,
dropping articles and surrounding punctuation) has IoU 0 and cannot count.

Metrics over n_pred predicted and n_gold gold boxes, with the matched pairs' IoUs:

- ``mean_iou``: sum of matched IoUs / max(n_pred, n_gold): an unmatched gold box and an extra
  predicted box each count as IoU 0;
- ``iou_threshold``: hits / max(n_pred, n_gold), hits = matched pairs with IoU >= threshold (one box
  each: 1 or 0, the usual "IoU@0.5");
- ``f1``: F1 at the threshold, precision hits / n_pred and recall hits / n_gold:
  2 * hits / (n_pred + n_gold).

No predicted box scores 0 (a gold box is missed); no gold box with no prediction scores 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hymar.rewards.grounding.boxes import Box, iou

METRICS = ("mean_iou", "iou_threshold", "f1")
_ARTICLES = frozenset({"the", "a", "an"})


@dataclass(frozen=True)
class Matching:
    """The matched (pred index, gold index, IoU) triples and the box counts."""

    pairs: tuple[tuple[int, int, float], ...]
    n_pred: int
    n_gold: int


def match_boxes(pred: Sequence[Box], gold: Sequence[Box], match_labels: bool = True) -> Matching:
    """Hungarian matching maximising total IoU (see the module docstring)."""
    if not pred or not gold:
        return Matching((), len(pred), len(gold))
    if len(pred) == 1 or len(gold) == 1:
        # one side has a single box: the best pair is the optimal assignment (no solver needed)
        p, g, v = max(((i, j, _pair_iou(a, b, match_labels)) for i, a in enumerate(pred) for j, b in enumerate(gold)),
                      key=lambda t: t[2])  # fmt: skip
        return Matching(((p, g, v),) if v > 0.0 else (), len(pred), len(gold))
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    scores = np.array([[_pair_iou(p, g, match_labels) for g in gold] for p in pred])
    rows, cols = linear_sum_assignment(scores, maximize=True)
    pairs = tuple((int(r), int(c), float(scores[r, c])) for r, c in zip(rows, cols) if scores[r, c] > 0.0)
    return Matching(pairs, len(pred), len(gold))


def metric_value(matching: Matching, metric: str, threshold: float) -> float:
    """The metric of a matching (see the module docstring)."""
    n_pred, n_gold = matching.n_pred, matching.n_gold
    if n_gold == 0:
        return 1.0 if n_pred == 0 else 0.0
    hits = sum(1 for _, _, v in matching.pairs if v >= threshold)
    if metric == "mean_iou":
        return sum(v for _, _, v in matching.pairs) / max(n_pred, n_gold)
    if metric == "iou_threshold":
        return hits / max(n_pred, n_gold)
    if metric == "f1":
        return 2.0 * hits / (n_pred + n_gold)
    raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


def same_label(a: str | None, b: str | None) -> bool:
    """Labels agree when either is missing or both normalise to the same words."""
    if a is None or b is None:
        return True
    return _words(a) == _words(b)


def _words(label: str) -> tuple[str, ...]:
    return tuple(w for w in (t.strip(".,;:!?\"'()") for t in label.lower().split()) if w and w not in _ARTICLES)


def _pair_iou(p: Box, g: Box, match_labels: bool) -> float:
    if match_labels and not same_label(p.label, g.label):
        return 0.0
    return iou(p, g)
