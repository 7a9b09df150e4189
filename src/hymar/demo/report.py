"""`hymar demo`'s report.md: the results dict (`hymar.demo.results.build_results`) as markdown, and
the writer of results.json and report.md."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.atomic import atomic_write_text
from hymar.demo.results import (
    ACCURACY_DROP,
    FORMAT_RISE,
    LENGTH_COLLAPSE_RATIO,
    MODEL_REWARD_RISE,
    OVERALL,
    REPORT_FILE,
    RESULTS_FILE,
    TARGET_GAIN,
    diagnose,
    fmt_num,
    fmt_pct,
)
from hymar.demo.settings import BASELINE, FULL_METHOD, RULE_ONLY


# ----------------------------------------------------------------------------- markdown
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
    rows = [["SFT base", fmt_num(base.get("mean_length"), 1), fmt_pct(base.get("format_strict")), fmt_num(base.get("model_reward")),
             fmt_num(base["describe"].get("model_reward")), fmt_num(base["describe"].get("similarity"))]]
    for preset, run in runs.items():
        length = fmt_num(run.get("mean_length"), 1)
        if run.get("mean_length_std"):
            length += f" ± {run['mean_length_std']:.1f}"
        rows.append([f"`{preset}`", length, fmt_pct(run.get("format_strict")), fmt_num(run.get("model_reward")),
                     fmt_num(run["describe"].get("model_reward")), fmt_num(run["describe"].get("similarity"))])
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
        [d, fmt_pct(v.get("real")), fmt_pct(v.get("blank")), fmt_pct(v.get("sampled_real")), fmt_pct(v.get("sampled_blank")),
         fmt_pct(v.get("pass_real")), fmt_pct(v.get("pass_blank")), fmt_pct(v.get("pass_guess")), "yes" if v.get("passes") else "**no**"]
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
    return f"{fmt_num(entry.get('first'), digits)} -> {fmt_num(entry.get('last'), digits)}"


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
            f"- held-out pairwise accuracy (pair's own aspect head): {fmt_pct(rm.get('pairwise_accuracy'))}%; "
            f"with the weighted total score: {fmt_pct(rm.get('pairwise_accuracy_total'))}%"
        ),
    ]
    if rm.get("by_aspect"):
        lines.append("- per aspect: " + ", ".join(f"{k} {fmt_pct(v)}%" for k, v in rm["by_aspect"].items()))
    if rm.get("by_domain"):
        lines.append("- per domain: " + ", ".join(f"{k} {fmt_pct(v)}%" for k, v in rm["by_domain"].items()))
    if rm.get("ece_before") is not None:
        lines.append(
            f"- calibration of the total score against the verifier ({rm.get('calibration_method')}): "
            f"ECE {fmt_num(rm.get('ece_before'))} before, {fmt_num(rm.get('ece_after'))} after per-domain calibration; "
            f"AUROC {fmt_num(rm.get('auroc'))}"
        )
    return lines


def _timing_lines(results: Mapping[str, Any]) -> list[str]:
    timings = results.get("timings") or {}
    stages = timings.get("stages") or {}
    rows = [[name, fmt_num(t.get("seconds"), 1), "yes" if t.get("cached") else ""] for name, t in stages.items()]
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
            [[f"`{p}`", fmt_num(g.get("step_seconds"), 2), fmt_pct(g.get("reward_share"))] for p, g in shares],
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
