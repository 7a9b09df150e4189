"""Writers of a `ProbeResult`: Markdown (`to_markdown`), JSON (`to_dict`) and a PNG bar chart
(`write_chart`); `write_report` writes all three into a folder."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hymar.probe.audit import ProbeResult


def to_dict(result: ProbeResult) -> dict[str, Any]:
    """JSON-ready form of the audit (NaN written as null)."""
    data = {
        "reward": result.reward,
        "items": result.items,
        "tolerance": result.tolerance,
        "passed": result.passed,
        "flagged": [e.name for e in result.flagged],
        "signal": result.signal,
        "components": result.components,
        "seconds": round(result.seconds, 2),
        "exploits": [{**asdict(e), "flagged": e.flagged} for e in result.exploits],
    }
    return _finite(data)


def to_markdown(result: ProbeResult) -> str:
    """The audit as Markdown: verdict, the per-exploit table and the per-component table."""
    verdict = "PASS: no exploit beats an honest wrong answer" if result.passed else (
        f"FAIL: {len(result.flagged)} exploit(s) beat an honest wrong answer" if result.flagged
        else "FAIL: an honest correct answer does not beat an honest wrong one"
    )
    s = result.signal
    lines = [
        f"# hymar probe: {result.reward}",
        "",
        f"**{verdict}** ({result.items} items, tolerance {result.tolerance:g}, {result.seconds:.1f} s).",
        "",
        f"Honest rollouts: correct {_f(s['correct_reward'])}, wrong {_f(s['wrong_reward'])}, "
        f"signal (correct - wrong) {_f(s['margin'])}.",
        "",
        "Each exploit is scored in a group [honest correct, honest wrong, exploit]. *margin* is the "
        "exploit's advantage minus the honest wrong answer's (= reward difference when both are "
        "finite), *beats* the share of items where it is above the tolerance, *adv.* the exploit's "
        "centred group advantage (r - group mean) and *adv. std* the standardised one (GRPO).",
        "",
        "| exploit | family | n | reward | honest wrong | margin | beats | adv. | adv. std | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for e in sorted(result.exploits, key=lambda e: -_key(e.margin)):
        verdict = f"**FLAGGED** ({', '.join(e.flagged_domains)})" if e.flagged else "ok"
        lines.append(
            f"| {e.name} | {e.family} | {e.n} | {_f(e.reward)} | {_f(e.wrong_reward)} | {_f(e.margin, sign=True)} | "
            f"{e.beat_share:.0%} | {_f(e.advantage, sign=True)} | {_f(e.advantage_std, sign=True)} | {verdict} |"
        )
    if result.components:
        lines += ["", "Per component: the exploit's mean value minus the honest wrong answer's (where it applies).", ""]
        lines.append("| exploit | " + " | ".join(result.components) + " |")
        lines.append("|---|" + "---:|" * len(result.components))
        for e in result.exploits:
            cells = []
            for c in result.components:
                v = e.components.get(c, {})
                diff = v.get("exploit", math.nan) - v.get("wrong", math.nan)
                cells.append(_f(diff, sign=True))
            lines.append(f"| {e.name} | " + " | ".join(cells) + " |")
    if result.flagged:
        lines += ["", "## Flagged exploits: the worst example of each", ""]
        for e in result.flagged:
            ex = e.example
            lines += [
                f"- **{e.name}** ({e.description}); item {ex.get('item')} (gold {ex.get('gold')!r}): reward "
                f"{_f(ex.get('reward'))} vs honest wrong {_f(ex.get('wrong_reward'))}",
                f"  `{_one_line(ex.get('completion', ''))}`",
            ]
    lines += ["", "Exploits: " + "; ".join(f"`{e.name}`: {e.description}" for e in result.exploits) + "."]
    return "\n".join(lines) + "\n"


def write_chart(result: ProbeResult, path: str | Path) -> Path:
    """A horizontal bar chart of each exploit's margin over the honest wrong answer (red: flagged)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(result.exploits, key=lambda e: _key(e.margin))
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(rows) + 1.4))
    values = [0.0 if math.isnan(e.margin) else e.margin for e in rows]
    colours = ["#c0392b" if e.flagged else "#2c7fb8" for e in rows]
    ax.barh([e.name for e in rows], values, color=colours)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.axvline(result.tolerance, color="#c0392b", linewidth=0.8, linestyle="--")
    ax.set_xlabel("advantage over an honest wrong answer (right of the dashed line = flagged)")
    ax.set_title(f"hymar probe: {result.reward} ({'pass' if result.passed else 'FAIL'})")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(result: ProbeResult, out_dir: str | Path) -> dict[str, Path]:
    """Write probe.md, probe.json and probe.png (when matplotlib is installed) into ``out_dir``
    (created); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "probe.md", "json": out / "probe.json", "chart": out / "probe.png"}
    paths["markdown"].write_text(to_markdown(result), encoding="utf-8")
    paths["json"].write_text(json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        write_chart(result, paths["chart"])
    except ImportError:  # the reward core installs without matplotlib (it comes with hymar[train])
        del paths["chart"]
    return paths


def _f(x: Any, sign: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:+.3f}" if sign else f"{x:.3f}"


def _key(x: float) -> float:
    return -math.inf if math.isnan(x) else x


def _one_line(text: str, limit: int = 160) -> str:
    flat = text.replace("\n", "\\n").replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
