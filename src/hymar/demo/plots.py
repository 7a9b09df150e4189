"""`hymar demo`'s PNG plots (matplotlib, Agg backend, no display needed).

- ``reward_components.png``: every reward component's batch mean over GRPO steps, one panel per preset
  (TRL's log keys ``rewards/<component>/mean``; mean over seeds at each step);
- ``accuracy.png``: accuracy per domain, grouped bars for the SFT base and each preset (error bars:
  95% bootstrap intervals over test rows and seeds, `hymar.demo.intervals`);
- ``length.png``: mean completion length (tokens) over GRPO steps per preset (TRL's
  ``completions/mean_length``);
- ``health.png``: train reward, rollout accuracy, share of zero-variance groups and KL to the base over
  GRPO steps, one line per preset.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REWARD_PREFIX = "rewards/"
LENGTH_KEYS = ("completions/mean_length", "completion_length")
OVERALL = "overall"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only; never opens a window
    import matplotlib.pyplot as plt

    return plt


def _curve(histories: Sequence[Sequence[Mapping[str, Any]]], key: str) -> tuple[list[int], list[float]]:
    """Steps and the mean over seeds of ``key`` at each logged step."""
    by_step: dict[int, list[float]] = {}
    for history in histories:
        for entry in history:
            value = entry.get(key)
            if isinstance(value, (int, float)) and math.isfinite(value) and "step" in entry:
                by_step.setdefault(int(entry["step"]), []).append(float(value))
    steps = sorted(by_step)
    return steps, [sum(by_step[s]) / len(by_step[s]) for s in steps]


def reward_components(histories: Sequence[Sequence[Mapping[str, Any]]]) -> list[str]:
    """Component names logged as ``rewards/<name>/mean`` in any of ``histories``, in first-seen order."""
    names: dict[str, None] = {}
    for history in histories:
        for entry in history:
            for key in entry:
                if key.startswith(REWARD_PREFIX) and key.endswith("/mean"):
                    names[key[len(REWARD_PREFIX):-len("/mean")]] = None
    return list(names)


def plot_reward_components(histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], path: Path) -> Path:
    """Reward components over training, one panel per preset.

    Args:
        histories: preset -> TRL log histories (one list of log dicts per seed).
        path: the PNG to write.
    """
    plt = _pyplot()
    presets = list(histories)
    cols = min(3, max(1, len(presets)))
    rows = max(1, math.ceil(len(presets) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, preset in zip(axes.flat, presets):
        runs = histories[preset]
        for name in reward_components(runs):
            steps, values = _curve(runs, f"{REWARD_PREFIX}{name}/mean")
            if steps:
                total = name == "hymar"  # the total the trainer optimises
                ax.plot(steps, values, label="total" if total else name, linewidth=2.2 if total else 1.2, color="black" if total else None)
        ax.set_title(preset, fontsize=10)
        ax.set_xlabel("GRPO step")
        ax.set_ylabel("batch mean")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(presets):]:
        ax.axis("off")
    fig.suptitle("Reward components over training (mean over seeds)")
    fig.tight_layout()
    _save_png(fig, path)
    plt.close(fig)
    return path


def plot_accuracy(results: Mapping[str, Any], path: Path) -> Path:
    """Grouped bars: accuracy per domain (and overall) for the base and each preset.

    Args:
        results: the results dict (`hymar.demo.results.build_results`).
        path: the PNG to write.
    """
    plt = _pyplot()
    base_acc = results["base"]["accuracy"]
    keys = [OVERALL] + [k for k in base_acc if k != OVERALL] if OVERALL in base_acc else list(base_acc)
    intervals = results.get("intervals") or {}
    policies = [("SFT base", base_acc, intervals.get("base") or {})] + [
        (p, r["accuracy"], intervals.get(p) or {}) for p, r in results["runs"].items()
    ]
    width = 0.8 / max(1, len(policies))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(keys) * max(1, len(policies)) / 3), 4.0))
    for i, (label, acc, bounds) in enumerate(policies):
        xs = [j + (i - (len(policies) - 1) / 2) * width for j in range(len(keys))]
        heights = [100 * (acc.get(k) or 0.0) for k in keys]
        # asymmetric error bars: the 95% bootstrap interval around the mean
        low = [max(0.0, h - 100 * (bounds.get(k) or {}).get("low", h / 100)) for h, k in zip(heights, keys)]
        high = [max(0.0, 100 * (bounds.get(k) or {}).get("high", h / 100) - h) for h, k in zip(heights, keys)]
        errors = [low, high] if any(low) or any(high) else None
        ax.bar(xs, heights, width, yerr=errors, label=label, capsize=2)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(keys)
    ax.set_ylabel("accuracy (%)")
    ax.set_title("Test accuracy per domain (error bars: 95% bootstrap interval)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    _save_png(fig, path)
    plt.close(fig)
    return path


def plot_length(histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], path: Path) -> Path:
    """Mean completion length over GRPO steps, one line per preset.

    Args:
        histories: preset -> TRL log histories (one per seed).
        path: the PNG to write.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for preset, runs in histories.items():
        for key in LENGTH_KEYS:
            steps, values = _curve(runs, key)
            if steps:
                ax.plot(steps, values, label=preset)
                break
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("mean completion length (tokens)")
    ax.set_title("Answer length over training (mean over seeds)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save_png(fig, path)
    plt.close(fig)
    return path


#: panels of the health plot: TRL log key -> axis label
HEALTH_PANELS = {
    "reward": "train reward (total)",
    "rewards/accuracy/mean": "rollouts right (accuracy)",
    "frac_reward_zero_std": "zero-variance groups",
    "kl": "KL to the base",
}


def plot_health(histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], path: Path) -> Path:
    """Training health over GRPO steps, one line per preset in each panel (`HEALTH_PANELS`)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(HEALTH_PANELS), figsize=(4.0 * len(HEALTH_PANELS), 3.4), squeeze=False)
    for ax, (key, label) in zip(axes.flat, HEALTH_PANELS.items()):
        for preset, runs in histories.items():
            steps, values = _curve(runs, key)
            if steps:
                ax.plot(steps, values, label=preset)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("GRPO step")
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), fontsize=8)
    fig.suptitle("Training health (mean over seeds)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    _save_png(fig, path)
    plt.close(fig)
    return path


def write_plots(results: Mapping[str, Any], histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], out_dir: str | Path) -> list[Path]:
    """Write the four PNGs into ``out_dir``.

    Returns:
        Their paths: reward_components.png, accuracy.png, length.png, health.png.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        plot_reward_components(histories, out / "reward_components.png"),
        plot_accuracy(results, out / "accuracy.png"),
        plot_length(histories, out / "length.png"),
        plot_health(histories, out / "health.png"),
    ]


def _save_png(fig: Any, path: str | os.PathLike[str]) -> None:
    """Save ``fig`` as PNG atomically (`hymar.atomic.atomic_write`).

    A demo killed mid-plot keeps the previous PNG (or none), never a truncated image.
    """
    from hymar.atomic import atomic_write

    atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=100))
