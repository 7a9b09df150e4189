"""Reward-model quality: held-out pairwise accuracy and calibration error (numpy only, no torch).

Pairwise accuracy: the share of held-out pairs where the model prefers the chosen response; a tie
counts one half (chance = 0.5). A pair is judged on the head of its aspect in a vector model and on
the weighted total otherwise (the same rule as the training loss, `hymar.train.rm.loop.head_targets`);
``overall_total`` judges every pair on the weighted total, the number the hybrid combiner uses.

Calibration: for verifiable held-out samples, the reward model's total score against the verifier's
label (1 right, 0 wrong). "Before" maps the raw score to a probability with the logistic function
(the Bradley-Terry scale the model was trained on); "after" applies a per-domain
`hymar.rewards.calibration.DomainCalibration` fitted on a separate calibration split. Both are
measured with the expected calibration error (Guo et al. 2017) on the same evaluation split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from hymar.rewards.calibration import DomainCalibration, expected_calibration_error
from hymar.train.rm.pairs import PreferencePair


def _sigmoid(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * x))  # = 1 / (1 + e^-x) without overflow


def _total(row: Sequence[float], weights: Sequence[float]) -> float:
    return float(sum(w * r for w, r in zip(weights, row)))


def _win(margin: float) -> float:
    return 1.0 if margin > 0 else 0.5 if margin == 0 else 0.0


def _grouped(keys: Sequence[str], wins: Sequence[float]) -> dict[str, dict[str, float | int]]:
    groups: dict[str, list[float]] = {}
    for key, win in zip(keys, wins):
        groups.setdefault(key, []).append(win)
    return {k: {"accuracy": round(sum(v) / len(v), 4), "pairs": len(v)} for k, v in sorted(groups.items())}


def pairwise_accuracy(
    pairs: Sequence[PreferencePair],
    chosen: Sequence[Sequence[float]],
    rejected: Sequence[Sequence[float]],
    aspects: Sequence[str],
    weights: Sequence[float],
) -> dict[str, Any]:
    """Held-out pairwise accuracy, overall and per aspect, source and domain.

    Args:
        pairs: the held-out pairs.
        chosen, rejected: model outputs per pair ([n_aspects] each).
        aspects, weights: the model's aspect names and total weights.

    Returns:
        {"overall", "overall_total", "pairs", "unscored", "by_aspect", "by_source", "by_domain",
        "by_aspect_domain"}; the "by_*" entries map a name to {"accuracy", "pairs"}
        ("by_aspect_domain": aspect -> domain -> {"accuracy", "pairs"}). Pairs with a NaN output are left out and
        counted in "unscored". Accuracies are None when no pair was scored.
    """
    from hymar.train.rm.loop import head_targets

    if not len(pairs) == len(chosen) == len(rejected):
        raise ValueError(f"{len(pairs)} pairs but {len(chosen)} chosen / {len(rejected)} rejected outputs")
    targets = head_targets(pairs, aspects)
    wins, wins_total, kept = [], [], []
    for pair, c, r, k in zip(pairs, chosen, rejected, targets):
        if any(math.isnan(v) for v in (*c, *r)):
            continue
        total_margin = _total(c, weights) - _total(r, weights)
        wins.append(_win(c[k] - r[k] if k >= 0 else total_margin))
        wins_total.append(_win(total_margin))
        kept.append(pair)

    def mean(xs: Sequence[float]) -> float | None:
        return round(sum(xs) / len(xs), 4) if xs else None

    return {
        "overall": mean(wins),
        "overall_total": mean(wins_total),
        "pairs": len(kept),
        "unscored": len(pairs) - len(kept),
        "by_aspect": _grouped([p.aspect for p in kept], wins),
        "by_source": _grouped([p.source for p in kept], wins),
        "by_domain": _grouped([p.domain for p in kept], wins),
        "by_aspect_domain": {
            aspect: _grouped([p.domain for p in kept if p.aspect == aspect], [w for p, w in zip(kept, wins) if p.aspect == aspect])
            for aspect in sorted({p.aspect for p in kept})
        },
    }


def auroc(scores: Sequence[float], labels: Sequence[float]) -> float | None:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (Mann-Whitney: the share of
    (right, wrong) sample pairs where the right one scores higher, ties one half); None without both classes.

    Calibration error alone can look good for a score that cannot tell right from wrong (predicting
    the base rate everywhere is perfectly calibrated), so the report gives both.
    """
    pos = [s for s, y in zip(scores, labels) if y >= 0.5]
    neg = [s for s, y in zip(scores, labels) if y < 0.5]
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def calibration_report(
    fit_scores: Sequence[float],
    fit_labels: Sequence[float],
    fit_domains: Sequence[str],
    eval_scores: Sequence[float],
    eval_labels: Sequence[float],
    eval_domains: Sequence[str],
    *,
    method: str = "temperature",
    n_bins: int = 10,
    min_samples: int = 10,
) -> tuple[DomainCalibration, dict[str, Any]]:
    """Fit per-domain calibration on the fit split; ECE before and after on the eval split.

    Args:
        fit_scores, fit_labels, fit_domains: raw total scores, verifier labels (1/0) and domain keys
            of the calibration split.
        eval_scores, eval_labels, eval_domains: the same for the measurement split.
        method: "affine", "temperature" or "isotonic" (see `DomainCalibration`).
        n_bins: ECE bins.
        min_samples: a domain needs this many fit samples for a calibrator of its own.

    Returns:
        (the fitted calibration, {"method", "fit_samples", "eval_samples", "ece_before",
        "ece_after", "auroc", "by_domain": {domain: {"samples", "ece_before", "ece_after", "auroc",
        "own_calibrator"}}}).

    Raises:
        ValueError: an empty split or NaN scores (as `DomainCalibration.fit`).
    """
    calibration = DomainCalibration.fit(fit_scores, fit_labels, fit_domains, method=method, min_samples=min_samples)
    before = [_sigmoid(s) for s in eval_scores]
    after = calibration.transform_batch(list(eval_scores), list(eval_domains))
    by_domain: dict[str, dict[str, Any]] = {}
    for domain in sorted(set(eval_domains)):
        rows = [i for i, d in enumerate(eval_domains) if d == domain]
        labels = [eval_labels[i] for i in rows]
        by_domain[domain] = {
            "samples": len(rows),
            "ece_before": round(expected_calibration_error([before[i] for i in rows], labels, n_bins), 4),
            "ece_after": round(expected_calibration_error([after[i] for i in rows], labels, n_bins), 4),
            "auroc": auroc([eval_scores[i] for i in rows], labels),
            "own_calibrator": domain in calibration.domains,
        }
    report = {
        "method": method,
        "fit_samples": len(fit_scores),
        "eval_samples": len(eval_scores),
        "ece_before": round(expected_calibration_error(before, eval_labels, n_bins), 4),
        "ece_after": round(expected_calibration_error(after, eval_labels, n_bins), 4),
        "auroc": auroc(list(eval_scores), list(eval_labels)),
        "by_domain": by_domain,
    }
    return calibration, report


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_table(report: Mapping[str, Any]) -> str:
    """A small plain-text table of a train-rm report (pairwise accuracy, then calibration)."""
    acc = report["pairwise_accuracy"]
    lines = [f"{'held-out pairs':<24}{'pairs':>7}{'accuracy':>10}"]
    for name, entry in acc["by_aspect"].items():
        lines.append(f"  aspect {name:<15}{entry['pairs']:>7}{entry['accuracy']:>10.3f}")
        domains = acc["by_aspect_domain"].get(name, {})
        if len(domains) > 1:
            lines.append("    " + ", ".join(f"{d} {sub['accuracy']:.2f}" for d, sub in domains.items()))
    for name, entry in acc["by_source"].items():
        lines.append(f"  source {name:<15}{entry['pairs']:>7}{entry['accuracy']:>10.3f}")
    lines.append(f"  {'overall':<22}{acc['pairs']:>7}{_fmt(acc['overall']):>10}")
    lines.append(f"  {'overall (total score)':<22}{acc['pairs']:>7}{_fmt(acc['overall_total']):>10}")
    cal = report.get("calibration")
    if cal:
        lines.append(
            f"calibration ({cal['method']}, fit {cal['fit_samples']}, eval {cal['eval_samples']}): "
            f"ECE before {cal['ece_before']:.3f}, after {cal['ece_after']:.3f}, AUROC {_fmt(cal['auroc'])}"
        )
        for name, entry in cal["by_domain"].items():
            lines.append(
                f"  {name:<22}{entry['samples']:>7}  ECE {entry['ece_before']:.3f} -> {entry['ece_after']:.3f}, AUROC {_fmt(entry['auroc'])}"
            )
    return "\n".join(lines)
