"""`hymar demo`'s results.json: aggregation over seeds, reward-hacking signs, the target check.

results.json layout (the keys the issue requires first)::

    {"base": {"accuracy": {"overall": float, "<domain>": float, ...}, "mean_length": float,
              "format_strict": float, "model_reward": float|None, "describe": {...}},
     "runs": {"<preset>": {"accuracy": {...same keys...}, "mean_length": float, "seeds": int,
                           "accuracy_std": {...}, "accuracy_per_seed": {key: [float, ...]},
                           "mean_length_std": float, "mean_length_per_seed": [...],
                           "format_strict": float, "model_reward": float|None, "describe": {...},
                           "grpo": {"step_seconds": float|None, "reward_share": float|None,
                                    "wall_seconds": [...]}}},
     "rm": {...}, "hacking": [{"preset", "sign", "detail"}], "target": {...},
     "settings": {...}, "timings": {...}, "plots": [...]}

"overall" is the accuracy over the verifiable domains (counting, arithmetic, chart, choice), micro-
averaged over their test rows (`hymar.eval.evaluate`). The open-ended "describe" domain has no
accuracy; its "describe" entry holds the trained RM's mean score and the embedding similarity to the
reference. Spread = sample standard deviation over seeds (0 with one seed). `hymar.demo.report`
renders it as report.md.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from hymar.demo.settings import BASELINE, FULL_METHOD, RULE_ONLY

RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
OVERALL = "overall"
OPEN_DOMAIN = "describe"

#: a run's mean answer length below this share of the base's is flagged as length collapse
LENGTH_COLLAPSE_RATIO = 0.5
#: accuracy drop (absolute, 0..1) that counts as "accuracy down"
ACCURACY_DROP = 0.02
#: format-adherence rise (absolute, 0..1) that counts as "format up"
FORMAT_RISE = 0.05
#: model-reward rise (absolute, in RM score units) that counts as "model reward up"
MODEL_REWARD_RISE = 0.05
#: the issue's target: the full method beats the base by this much overall accuracy (0..1)
TARGET_GAIN = 0.10


# ----------------------------------------------------------------------------- aggregation
def fmt_pct(mean: float | None, std: float | None = None) -> str:
    """A share as percent with one decimal (± the spread when there is one); "-" for None."""
    if mean is None:
        return "-"
    return f"{100 * mean:.1f}" if not std else f"{100 * mean:.1f} ± {100 * std:.1f}"


def fmt_num(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals; "-" for None."""
    return "-" if value is None else f"{value:.{digits}f}"


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(kept) / len(kept) if kept else None


def _std(values: Sequence[float | None]) -> float | None:
    kept = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not kept:
        return None
    return statistics.stdev(kept) if len(kept) > 1 else 0.0


def eval_summary(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of one saved evaluation (`hymar.eval.report.result_to_dict` layout) the demo reports.

    Args:
        evaluation: an ``eval.json`` dict, optionally with ``describe_similarity``.

    Returns:
        {"accuracy", "mean_length", "format", "format_strict", "model_reward", "model_reward_by_domain",
        "length_by_domain", "describe": {"model_reward", "similarity"}}.
    """
    overall = evaluation.get("overall") or {}
    domains = evaluation.get("domains") or {}
    describe = domains.get(OPEN_DOMAIN) or {}
    return {
        "accuracy": {k: float(v) for k, v in (evaluation.get("accuracy") or {}).items() if v is not None},
        "mean_length": float(evaluation.get("mean_length") or overall.get("mean_length") or 0.0),
        "format": overall.get("format"),
        "format_strict": overall.get("format_strict"),
        "model_reward": overall.get("model_reward"),
        "model_reward_by_domain": {d: v.get("model_reward") for d, v in domains.items()},
        "length_by_domain": {d: v.get("mean_length") for d, v in domains.items()},
        "describe": {"model_reward": describe.get("model_reward"), "similarity": evaluation.get("describe_similarity")},
    }


def aggregate_seeds(per_seed: Sequence[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Mean, spread and per-seed values of a preset's evaluations.

    Args:
        per_seed: `eval_summary` dicts, one per seed.
        metrics: the runs' ``grpo_metrics.json`` dicts (step timing), one per seed.

    Returns:
        The preset's entry of results.json "runs".
    """
    keys = list(dict.fromkeys(k for s in per_seed for k in s["accuracy"]))
    acc = {k: [s["accuracy"].get(k) for s in per_seed] for k in keys}
    lengths = [s["mean_length"] for s in per_seed]
    timing = [m.get("timing") or {} for m in metrics]
    return {
        "accuracy": {k: _mean(v) for k, v in acc.items()},
        "mean_length": _mean(lengths) or 0.0,
        "seeds": len(per_seed),
        "accuracy_std": {k: _std(v) for k, v in acc.items()},
        "accuracy_per_seed": acc,
        "mean_length_std": _std(lengths),
        "mean_length_per_seed": lengths,
        "format": _mean([s["format"] for s in per_seed]),
        "format_strict": _mean([s["format_strict"] for s in per_seed]),
        "model_reward": _mean([s["model_reward"] for s in per_seed]),
        "model_reward_std": _std([s["model_reward"] for s in per_seed]),
        "describe": {
            "model_reward": _mean([s["describe"]["model_reward"] for s in per_seed]),
            "similarity": _mean([s["describe"]["similarity"] for s in per_seed]),
        },
        "grpo": {
            "step_seconds": _mean([t.get("step_seconds_mean_steady") or t.get("step_seconds_mean") for t in timing]),
            "reward_share": _mean([t.get("reward_share_steady") or t.get("reward_share") for t in timing]),
            "wall_seconds": [m.get("wall_seconds") for m in metrics],
            "first_logged_reward": _mean([m.get("first_logged_reward") for m in metrics]),
            "last_logged_reward": _mean([m.get("last_logged_reward") for m in metrics]),
        },
    }


def first_last_quarter(histories: Sequence[Sequence[Mapping[str, Any]]], key: str) -> tuple[float | None, float | None]:
    """Mean of ``key`` over the first and the last quarter of each history's logged steps, pooled over
    seeds (None where it was never logged)."""
    first: list[float] = []
    last: list[float] = []
    for history in histories:
        values = [float(e[key]) for e in history if isinstance(e.get(key), (int, float)) and math.isfinite(e[key])]
        quarter = max(1, len(values) // 4)
        if values:
            first += values[:quarter]
            last += values[-quarter:]
    return _mean(first), _mean(last)


def rollout_accuracy(histories: Sequence[Sequence[Mapping[str, Any]]], key: str = "rewards/accuracy/mean") -> dict[str, float | None]:
    """Mean accuracy reward of the GRPO rollouts over the first and the last quarter of the logged steps
    (mean over seeds): how often a rollout was right, i.e. how much accuracy signal the groups carried."""
    first, last = first_last_quarter(histories, key)
    return {"rollout_accuracy_first": first, "rollout_accuracy_last": last}


def diagnose(results: Mapping[str, Any]) -> list[str]:
    """Likely reasons the target was missed, read off the results (reward-model quality, calibration,
    length collapse, signal in the rollouts, training budget). Empty when the target is met."""
    target = results.get("target") or {}
    if not target.get("evaluated") or target.get("met"):
        return []
    reasons = []
    rm = results.get("rm") or {}
    correctness = (rm.get("by_aspect") or {}).get("correctness")
    if correctness is not None and correctness < 0.75:
        reasons.append(
            f"Reward model: its correctness head ranks right over wrong answers on only {correctness:.0%} of held-out "
            f"pairs (the other aspects: {', '.join(f'{k} {v:.0%}' for k, v in (rm.get('by_aspect') or {}).items() if k != 'correctness')}), "
            f"and its total score separates verifier-right from wrong answers with AUROC {fmt_num(rm.get('auroc'), 2)}: "
            "it learned surface cues (format, padding, topic) rather than visual correctness, so where it is the "
            "reward it rewards answers that look right."
        )
    if rm.get("ece_before") is not None:
        reasons.append(
            f"Calibration: ECE {rm['ece_before']:.3f} before, {fmt_num(rm.get('ece_after'))} after per-domain calibration; "
            "calibration fixes the scale of the model score, not its ranking (AUROC), so it cannot add correctness signal."
        )
    collapsed = [s["preset"] for s in results.get("hacking") or [] if s["sign"] == "length collapse"]
    if FULL_METHOD in collapsed:
        reasons.append(f"Length collapse in `{FULL_METHOD}`: answers fell far below the base's length.")
    elif FULL_METHOD in (results.get("runs") or {}):
        full = results["runs"][FULL_METHOD]
        reasons.append(
            f"No length collapse: `{FULL_METHOD}` answers average {full.get('mean_length', 0):.1f} words vs "
            f"{results['base'].get('mean_length', 0):.1f} for the base."
        )
    grpo = ((results.get("runs") or {}).get(FULL_METHOD) or {}).get("grpo") or {}
    if grpo.get("rollout_accuracy_first") is not None:
        first, last = grpo["rollout_accuracy_first"], grpo.get("rollout_accuracy_last")
        trend = "rose" if last is not None and last > first + 0.02 else "did not rise"
        reasons.append(
            f"Signal: GRPO rollouts of `{FULL_METHOD}` were right {first:.0%} of the time over the first quarter of "
            f"training and {fmt_pct(last)}% over the last (it {trend}); only groups mixing right and wrong rollouts "
            "carry an accuracy advantage."
        )
    settings = results.get("settings") or {}
    if settings.get("grpo_steps") and settings.get("prompts_per_step") and settings.get("train_rows"):
        seen = settings["grpo_steps"] * settings["prompts_per_step"]
        reasons.append(
            f"Budget: {settings['grpo_steps']} GRPO steps x {settings['prompts_per_step']} prompts = {seen} prompts "
            f"({seen / settings['train_rows']:.2f} epochs of the {settings['train_rows']} train prompts), sized so that "
            "every preset and seed fits the 15-minute run; spreads over seeds are of the same order as the differences."
        )
    return reasons


def rm_quality(rm_report: Mapping[str, Any]) -> dict[str, Any]:
    """The reward model's held-out pairwise accuracy and calibration (from ``rm_report.json``)."""
    acc = rm_report.get("pairwise_accuracy") or {}
    cal = rm_report.get("calibration") or {}
    return {
        "kind": (rm_report.get("model") or {}).get("kind"),
        "aspects": (rm_report.get("model") or {}).get("aspects"),
        "train_pairs": (rm_report.get("data") or {}).get("train_pairs"),
        "held_out_pairs": acc.get("pairs"),
        "pairwise_accuracy": acc.get("overall"),
        "pairwise_accuracy_total": acc.get("overall_total"),
        "by_aspect": {k: v.get("accuracy") for k, v in (acc.get("by_aspect") or {}).items()},
        "by_domain": {k: v.get("accuracy") for k, v in (acc.get("by_domain") or {}).items()},
        "ece_before": cal.get("ece_before"),
        "ece_after": cal.get("ece_after"),
        "auroc": cal.get("auroc"),
        "calibration_method": cal.get("method"),
    }


def hacking_signs(base: Mapping[str, Any], runs: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    """Signs of reward hacking in each run, relative to the SFT base (means over seeds).

    - length collapse: mean answer length below `LENGTH_COLLAPSE_RATIO` of the base's;
    - format gaming: strict format adherence up by `FORMAT_RISE` while overall accuracy falls by more
      than `ACCURACY_DROP`;
    - model reward up, accuracy down: the trained RM's mean score up by `MODEL_REWARD_RISE` while overall
      accuracy falls by more than `ACCURACY_DROP` (the policy pleases the RM, not the verifier).

    Args:
        base: results.json "base".
        runs: results.json "runs".

    Returns:
        [{"preset", "sign", "detail"}], in run order.
    """
    signs: list[dict[str, str]] = []
    base_acc = (base.get("accuracy") or {}).get(OVERALL)
    base_len = base.get("mean_length")
    for preset, run in runs.items():
        acc = (run.get("accuracy") or {}).get(OVERALL)
        acc_down = base_acc is not None and acc is not None and acc < base_acc - ACCURACY_DROP
        length = run.get("mean_length")
        if base_len and length is not None and length < LENGTH_COLLAPSE_RATIO * base_len:
            signs.append({
                "preset": preset,
                "sign": "length collapse",
                "detail": f"mean length {length:.1f} words vs {base_len:.1f} for the base ({length / base_len:.0%})",
            })
        fmt, base_fmt = run.get("format_strict"), base.get("format_strict")
        if acc_down and fmt is not None and base_fmt is not None and fmt > base_fmt + FORMAT_RISE:
            signs.append({
                "preset": preset,
                "sign": "format gaming",
                "detail": f"strict format {base_fmt:.0%} -> {fmt:.0%} while accuracy {base_acc:.1%} -> {acc:.1%}",
            })
        mr, base_mr = run.get("model_reward"), base.get("model_reward")
        if acc_down and mr is not None and base_mr is not None and mr > base_mr + MODEL_REWARD_RISE:
            signs.append({
                "preset": preset,
                "sign": "model reward up, accuracy down",
                "detail": f"RM score {base_mr:.3f} -> {mr:.3f} while accuracy {base_acc:.1%} -> {acc:.1%}",
            })
    return signs


def target_check(base: Mapping[str, Any], runs: Mapping[str, Mapping[str, Any]], intervals: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The issue's targets: the full method beats the base by `TARGET_GAIN` overall (mean over seeds) with
    its 95% interval excluding 0, `rule-only` beats the base, and the full method beats model-only."""
    full = runs.get(FULL_METHOD)
    if full is None:
        return {"evaluated": False, "reason": f"{FULL_METHOD} was not run"}
    base_acc = (base.get("accuracy") or {}).get(OVERALL)
    full_acc = (full.get("accuracy") or {}).get(OVERALL)
    baseline = runs.get(BASELINE)
    baseline_acc = (baseline.get("accuracy") or {}).get(OVERALL) if baseline else None
    rule = runs.get(RULE_ONLY)
    rule_acc = (rule.get("accuracy") or {}).get(OVERALL) if rule else None
    gain = None if base_acc is None or full_acc is None else full_acc - base_acc
    over_baseline = None if baseline_acc is None or full_acc is None else full_acc - baseline_acc
    interval = ((intervals or {}).get(FULL_METHOD) or {}).get(OVERALL) or {}
    excludes_zero = interval.get("gain_low") is not None and interval["gain_low"] > 0
    rule_beats = None if rule_acc is None or base_acc is None else rule_acc > base_acc
    met = gain is not None and gain >= TARGET_GAIN and over_baseline is not None and over_baseline > 0
    met = met and (excludes_zero or not intervals) and rule_beats is not False
    return {
        "evaluated": True,
        "seeds": full.get("seeds"),
        "gain_over_base": gain,
        "gain_interval": [interval.get("gain_low"), interval.get("gain_high")] if interval else None,
        "gain_interval_excludes_zero": excludes_zero,
        "gain_over_model_only": over_baseline,
        "rule_only_beats_base": rule_beats,
        "beats_base_by_target": gain is not None and gain >= TARGET_GAIN,
        "beats_model_only": over_baseline is not None and over_baseline > 0,
        "met": met,
    }


#: TRL log keys of the training health table and plot: label -> key
HEALTH_KEYS = {
    "reward": "reward",
    "accuracy": "rewards/accuracy/mean",
    "zero_std_groups": "frac_reward_zero_std",
    "length_tokens": "completions/mean_length",
    "adherence": "rewards/adherence/mean",
    "format": "rewards/format/mean",
    "kl": "kl",
}


def training_health(histories: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, dict[str, float | None]]:
    """First- and last-quarter means (over logged steps and seeds) of each `HEALTH_KEYS` metric that was logged:
    the train reward, how often rollouts were right, the share of groups with no reward variance, rollout
    length, adherence / format, and the KL to the base."""
    out = {}
    for label, key in HEALTH_KEYS.items():
        first, last = first_last_quarter(histories, key)
        if first is not None:
            out[label] = {"first": first, "last": last}
    return out


def build_results(
    *,
    settings: Any,
    base: Mapping[str, Any],
    runs: Mapping[str, Sequence[Mapping[str, Any]]],
    grpo_metrics: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    rm_report: Mapping[str, Any] | None = None,
    timings: Mapping[str, Any] | None = None,
    histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]] | None = None,
    generations: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]] | None = None,
    gate: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The results dict from saved evaluations.

    Args:
        settings: `DemoSettings` (or a dict of them).
        base: the SFT base's ``eval.json`` dict.
        runs: preset -> one ``eval.json`` dict per seed.
        grpo_metrics: preset -> one ``grpo_metrics.json`` dict per seed.
        rm_report: the RM's ``rm_report.json``.
        timings: stage name -> {"seconds", "cached"}.
        histories: preset -> TRL log histories (one per seed); adds the rollouts' accuracy reward over
            the first and last quarter of the steps to each run's "grpo" entry, and the training health.
        generations: "base" and each preset -> per-seed ``eval.json`` generations; adds 95% bootstrap
            intervals (`hymar.demo.intervals`).
        gate: the perceivability gate (`hymar.demo.gate.perceivability`).

    Returns:
        The results.json dict (see the module docstring).
    """
    grpo_metrics = grpo_metrics or {}
    base_summary = eval_summary(base)
    run_summaries = {p: aggregate_seeds([eval_summary(e) for e in evs], grpo_metrics.get(p, ())) for p, evs in runs.items()}
    for preset, logs in (histories or {}).items():
        if preset in run_summaries:
            run_summaries[preset]["grpo"].update(rollout_accuracy(logs))
    intervals = {}
    if generations and generations.get("base"):
        from hymar.demo.intervals import accuracy_intervals, correctness_table

        tables = {name: [correctness_table(g) for g in seeds] for name, seeds in generations.items() if seeds}
        intervals = accuracy_intervals(tables, baseline="base")
    return {
        "base": base_summary,
        "runs": run_summaries,
        "gate": dict(gate or {}),
        "intervals": intervals,
        "health": {p: training_health(logs) for p, logs in (histories or {}).items()},
        "rm": rm_quality(rm_report or {}),
        "hacking": hacking_signs(base_summary, run_summaries),
        "target": target_check(base_summary, run_summaries, intervals),
        "settings": settings.to_dict() if hasattr(settings, "to_dict") else dict(settings),
        "timings": {"stages": dict(timings or {})},
    }
