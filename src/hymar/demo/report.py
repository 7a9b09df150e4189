"""`hymar demo`'s results.json and report.md: aggregation over seeds, reward-hacking signs, markdown.

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
reference. Spread = sample standard deviation over seeds (0 with one seed).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.atomic import atomic_write_text
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
            f"and its total score separates verifier-right from wrong answers with AUROC {_num(rm.get('auroc'), 2)}: "
            "it learned surface cues (format, padding, topic) rather than visual correctness, so where it is the "
            "reward it rewards answers that look right."
        )
    if rm.get("ece_before") is not None:
        reasons.append(
            f"Calibration: ECE {rm['ece_before']:.3f} before, {_num(rm.get('ece_after'))} after per-domain calibration; "
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
            f"training and {_pct(last)}% over the last (it {trend}); only groups mixing right and wrong rollouts "
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


# ----------------------------------------------------------------------------- markdown
def _pct(mean: float | None, std: float | None = None) -> str:
    if mean is None:
        return "-"
    return f"{100 * mean:.1f}" if not std else f"{100 * mean:.1f} ± {100 * std:.1f}"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_report(results: Mapping[str, Any]) -> str:
    """report.md text from a results dict (`build_results`)."""
    base, runs = results["base"], results["runs"]
    settings = results.get("settings") or {}
    keys = list(base.get("accuracy") or {})
    if OVERALL in keys:  # overall first, then the domains
        keys = [OVERALL] + [k for k in keys if k != OVERALL]
    seeds = max((r.get("seeds", 1) for r in runs.values()), default=1)
    lines = [
        "# hymar demo: the HARMO study in miniature",
        "",
        (
            f"SFT base vs GRPO from it with each reward preset (up to {seeds} seed(s) per preset; mean over seeds). "
            "The presets' model component is the trained vector reward model, so `model-only` is the monolithic "
            "learned-RM baseline. Accuracy in % on the test split; `overall` = the verifiable domains "
            "(counting, arithmetic, chart, choice). The open-ended `describe` domain has no accuracy: see its "
            "RM score and embedding similarity to the reference."
        ),
        "",
        "## Accuracy per domain (%)",
        "",
    ]
    intervals = results.get("intervals") or {}
    rows = [["SFT base"] + [_with_interval(base["accuracy"].get(k), (intervals.get("base") or {}).get(k)) for k in keys]]
    for preset, run in runs.items():
        rows.append([f"`{preset}` ({run.get('seeds', 1)} seed(s))"] + [_with_interval(run["accuracy"].get(k), (intervals.get(preset) or {}).get(k)) for k in keys])
    lines += _table(["policy"] + keys, rows)
    lines += ["", "Brackets: 95% bootstrap interval over test rows and seeds (`hymar.demo.intervals`)."]
    if intervals:
        lines += ["", "## Gain over the SFT base (points, 95% interval)", ""]
        gain_rows = []
        for preset in runs:
            entry = intervals.get(preset) or {}
            gain_rows.append([f"`{preset}`"] + [_gain(entry.get(k)) for k in keys])
        lines += _table(["policy"] + keys, gain_rows)
    lines += _gate_lines(results.get("gate") or {})
    lines += _health_lines(results.get("health") or {})

    lines += ["", "## Length, format, model reward, open-ended answers", ""]
    header = ["policy", "mean length (words)", "strict format (%)", "RM score (all rows)", "describe: RM score", "describe: similarity"]
    rows = [["SFT base", _num(base.get("mean_length"), 1), _pct(base.get("format_strict")), _num(base.get("model_reward")),
             _num(base["describe"].get("model_reward")), _num(base["describe"].get("similarity"))]]
    for preset, run in runs.items():
        length = _num(run.get("mean_length"), 1)
        if run.get("mean_length_std"):
            length += f" ± {run['mean_length_std']:.1f}"
        rows.append([f"`{preset}`", length, _pct(run.get("format_strict")), _num(run.get("model_reward")),
                     _num(run["describe"].get("model_reward")), _num(run["describe"].get("similarity"))])
    lines += _table(header, rows)

    target = results.get("target") or {}
    lines += ["", "## Target: full method vs base and vs model-only", ""]
    if target.get("evaluated"):
        lines.append(
            f"`{FULL_METHOD}` overall accuracy minus the SFT base: {_signed_pts(target.get('gain_over_base'))} "
            f"(target >= +{100 * TARGET_GAIN:.0f} points); minus `{BASELINE}`: {_signed_pts(target.get('gain_over_model_only'))} "
            f"(target > 0); {target.get('seeds')} seed(s). **Target {'met' if target.get('met') else 'not met'}.**"
        )
        lines.append("")
        lines.append(
            f"Gain interval of `{FULL_METHOD}`: {_interval_pts(target.get('gain_interval'))} "
            f"({'excludes' if target.get('gain_interval_excludes_zero') else 'does not exclude'} 0); "
            f"`{RULE_ONLY}` beats the base: {_yes_no(target.get('rule_only_beats_base'))}."
        )
    else:
        lines.append(str(target.get("reason", "not evaluated")))

    reasons = diagnose(results)
    if reasons:
        lines += ["", "Why the target is missed (read off this run):", ""]
        lines += [f"- {r}" for r in reasons]

    lines += ["", "## Reward model quality", ""]
    lines += _rm_lines(results.get("rm") or {})

    lines += ["", "## Signs of reward hacking", ""]
    signs = results.get("hacking") or []
    if signs:
        lines += [f"- `{s['preset']}`: **{s['sign']}**: {s['detail']}" for s in signs]
    else:
        lines.append("None flagged.")
    lines += [
        "",
        (
            f"Checks, against the SFT base: length collapse = mean length below {LENGTH_COLLAPSE_RATIO:.0%} of the base's; "
            f"format gaming = strict format up > {100 * FORMAT_RISE:.0f} points while overall accuracy down > "
            f"{100 * ACCURACY_DROP:.0f} points; model reward up > {MODEL_REWARD_RISE} while accuracy down > "
            f"{100 * ACCURACY_DROP:.0f} points."
        ),
    ]

    lines += ["", "## Timing", ""]
    lines += _timing_lines(results)

    lines += _example_lines(results.get("examples") or [])

    plots = results.get("plots") or []
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{Path(p).stem}]({p})" for p in plots]

    if settings:
        lines += ["", "## Settings", "", "```json", json.dumps(settings, indent=2, sort_keys=True), "```"]
    return "\n".join(lines) + "\n"


def _with_interval(mean: float | None, interval: Mapping[str, Any] | None) -> str:
    if mean is None:
        return "-"
    if not interval or interval.get("low") is None:
        return f"{100 * mean:.1f}"
    return f"{100 * mean:.1f} [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"


def _gain(entry: Mapping[str, Any] | None) -> str:
    if not entry or entry.get("gain") is None:
        return "-"
    return f"{100 * entry['gain']:+.1f} [{100 * entry['gain_low']:+.1f}, {100 * entry['gain_high']:+.1f}]"


def _interval_pts(interval: Sequence[float | None] | None) -> str:
    if not interval or interval[0] is None:
        return "n/a"
    return f"[{100 * interval[0]:+.1f}, {100 * interval[1]:+.1f}] points"


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "no")


def _gate_lines(gate: Mapping[str, Any]) -> list[str]:
    if not gate.get("domains"):
        return []
    th = gate.get("thresholds") or {}
    lines = [
        "",
        f"## Perceivability gate: **{'holds' if gate.get('passes') else 'fails'}**",
        "",
        (
            f"The SFT base on {gate.get('rows')} validation rows (carved from train, never trained on): greedy accuracy "
            f"with the real image vs a blank one (gate: >= {100 * th.get('min_gap', 0):.0f} points on every domain); "
            f"sampled accuracy over {gate.get('samples')} rollouts at the GRPO temperature on {gate.get('sample_rows')} rows "
            f"(gate: >= {100 * th.get('min_sampled_gap', 0):.0f} points above blank); pass@{gate.get('samples')} with "
            "both images and for a uniform guess over the domain's answers (reported, not gated)."
        ),
        "",
    ]
    k = gate.get("samples")
    header = ["domain", "real %", "blank %", "sampled real %", "sampled blank %", f"pass@{k} real %", f"pass@{k} blank %", f"pass@{k} guess %", "passes"]
    rows = [
        [d, _pct(v.get("real")), _pct(v.get("blank")), _pct(v.get("sampled_real")), _pct(v.get("sampled_blank")),
         _pct(v.get("pass_real")), _pct(v.get("pass_blank")), _pct(v.get("pass_guess")), "yes" if v.get("passes") else "**no**"]
        for d, v in gate["domains"].items()
    ]
    return lines + _table(header, rows)


def _health_lines(health: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not health:
        return []
    labels = [k for k in ("reward", "accuracy", "zero_std_groups", "length_tokens", "adherence", "kl") if any(k in h for h in health.values())]
    lines = ["", "## Training health (first quarter -> last quarter of the logged GRPO steps, mean over seeds)", ""]
    names = {"reward": "train reward", "accuracy": "rollouts right", "zero_std_groups": "zero-variance groups",
             "length_tokens": "length (tokens)", "adherence": "adherence", "kl": "KL to base"}
    rows = []
    for preset, h in health.items():
        rows.append([f"`{preset}`"] + [_first_last(h.get(k), k) for k in labels])
    return lines + _table(["preset"] + [names[k] for k in labels], rows)


def _first_last(entry: Mapping[str, Any] | None, label: str) -> str:
    if not entry:
        return "-"
    digits = 1 if label == "length_tokens" else (4 if label == "kl" else 2)
    return f"{_num(entry.get('first'), digits)} -> {_num(entry.get('last'), digits)}"


def _example_lines(examples: Sequence[Mapping[str, Any]]) -> list[str]:
    if not examples:
        return []
    lines = ["", "## Examples (first test row of each domain; each policy's first seed)", ""]
    for ex in examples:
        lines += [f"### `{ex['id']}` ({ex['domain']})", "", f"![{ex['id']}]({ex['image']})", "",
                  f"Prompt: {_cell(ex.get('prompt'))}", "", f"Gold: {_cell(ex.get('gold'))}", ""]
        rows = [[name, _cell(a.get("completion")), {True: "right", False: "wrong"}.get(a.get("correct"), "-")] for name, a in ex["answers"].items()]
        lines += _table(["policy", "answer", "verdict"], rows) + [""]
    return lines


def _cell(text: Any) -> str:
    value = str(text or "").replace("\n", " ").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return value if len(value) <= 160 else value[:160] + "..."


def _signed_pts(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f} points"


def _rm_lines(rm: Mapping[str, Any]) -> list[str]:
    if not rm or rm.get("pairwise_accuracy") is None:
        return ["No reward-model report."]
    lines = [
        (
            f"{rm.get('kind') or 'vector'} reward model, aspects {', '.join(rm.get('aspects') or [])}; "
            f"{rm.get('train_pairs')} training pairs, {rm.get('held_out_pairs')} held-out pairs."
        ),
        "",
        (
            f"- held-out pairwise accuracy (pair's own aspect head): {_pct(rm.get('pairwise_accuracy'))}%; "
            f"with the weighted total score: {_pct(rm.get('pairwise_accuracy_total'))}%"
        ),
    ]
    if rm.get("by_aspect"):
        lines.append("- per aspect: " + ", ".join(f"{k} {_pct(v)}%" for k, v in rm["by_aspect"].items()))
    if rm.get("by_domain"):
        lines.append("- per domain: " + ", ".join(f"{k} {_pct(v)}%" for k, v in rm["by_domain"].items()))
    if rm.get("ece_before") is not None:
        lines.append(
            f"- calibration of the total score against the verifier ({rm.get('calibration_method')}): "
            f"ECE {_num(rm.get('ece_before'))} before, {_num(rm.get('ece_after'))} after per-domain calibration; "
            f"AUROC {_num(rm.get('auroc'))}"
        )
    return lines


def _timing_lines(results: Mapping[str, Any]) -> list[str]:
    timings = results.get("timings") or {}
    stages = timings.get("stages") or {}
    rows = [[name, _num(t.get("seconds"), 1), "yes" if t.get("cached") else ""] for name, t in stages.items()]
    lines = _table(["stage", "seconds", "cached"], rows) if rows else []
    if timings.get("total_seconds") is not None:
        lines += ["", f"Total wall time of this invocation: {timings['total_seconds']:.1f} s (cached stages cost ~0)."]
    if rows:
        total = sum(float(t.get("seconds") or 0.0) for t in stages.values())
        lines += ["", f"Sum of the stage times above (cached stages as recorded when they ran): {total:.1f} s."]
    shares = [(p, r["grpo"]) for p, r in results["runs"].items() if (r.get("grpo") or {}).get("step_seconds") is not None]
    if shares:
        lines += ["", "GRPO step time and the share of it spent computing rewards (steps after the first, mean over seeds):", ""]
        lines += _table(
            ["preset", "step (s)", "reward share (%)"],
            [[f"`{p}`", _num(g.get("step_seconds"), 2), _pct(g.get("reward_share"))] for p, g in shares],
        )
    return lines


def write_report(results: Mapping[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``report.md`` into ``out_dir``.

    Returns:
        (results path, report path).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / RESULTS_FILE
    report_path = out / REPORT_FILE
    atomic_write_text(results_path, json.dumps(results, indent=2, default=str) + "\n")
    atomic_write_text(report_path, render_report(results))
    return results_path, report_path
