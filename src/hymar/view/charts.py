"""Per-component summary charts as inline SVG: a histogram of values with mean, invalid rate, confidence."""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

BINS = 10
WIDTH, HEIGHT, PAD = 240, 110, 18


@dataclass(frozen=True)
class ComponentSummary:
    name: str
    values: tuple[float, ...]
    invalid: int
    confidences: tuple[float, ...]

    @property
    def total(self) -> int:
        return len(self.values) + self.invalid

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def invalid_rate(self) -> float | None:
        return self.invalid / self.total if self.total else None

    @property
    def mean_confidence(self) -> float | None:
        return statistics.fmean(self.confidences) if self.confidences else None


def histogram(values: Sequence[float], bins: int = BINS) -> tuple[float, float, list[int]]:
    """``(low, high, counts)``: ``bins`` equal bins over the values' range ([v-0.5, v+0.5] for one value)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0, [0] * bins
    low, high = min(finite), max(finite)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    counts = [0] * bins
    for v in finite:
        counts[min(int((v - low) / (high - low) * bins), bins - 1)] += 1
    return low, high, counts


def _fmt(value: float | None, spec: str = ".3g") -> str:
    return "–" if value is None else format(value, spec)


def histogram_svg(summary: ComponentSummary) -> str:
    """One component's chart: an SVG histogram and a caption line."""
    low, high, counts = histogram(summary.values)
    peak = max(counts) or 1
    bar = (WIDTH - 2 * PAD) / len(counts)
    bars = []
    for i, count in enumerate(counts):
        h = (HEIGHT - 2 * PAD) * count / peak
        x, y = PAD + i * bar, HEIGHT - PAD - h
        left = low + (high - low) * i / len(counts)
        right = low + (high - low) * (i + 1) / len(counts)
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}" class="bar">'
            f"<title>{left:.3g} to {right:.3g}: {count}</title></rect>"
        )
    name = html.escape(summary.name)
    axis = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>'
        f'<text x="{PAD}" y="{HEIGHT - 4}" class="tick">{low:.3g}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 4}" class="tick" text-anchor="end">{high:.3g}</text>'
        f'<text x="{PAD}" y="12" class="tick">max {peak}</text>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="histogram of {name}">{"".join(bars)}{axis}</svg>'
    )
    caption = (
        f"mean {_fmt(summary.mean)} · valid {len(summary.values)}/{summary.total} · "
        f"invalid {_fmt(None if summary.invalid_rate is None else 100 * summary.invalid_rate, '.0f')}% · "
        f"confidence {_fmt(summary.mean_confidence, '.2f')}"
    )
    return f'<figure class="chart" data-component="{name}"><figcaption><b>{name}</b></figcaption>{svg}<div class="caption">{caption}</div></figure>'
