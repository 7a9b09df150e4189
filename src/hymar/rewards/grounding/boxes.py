"""Boxes and their IoU: the geometry the grounding reward is built on (no parsing, no frames)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned box (x1, y1) top-left to (x2, y2) bottom-right, with an optional label.

    Coordinates are in whatever frame the caller says (see `hymar.rewards.grounding.frames`); the
    reward compares boxes in pixels of the sample's image.
    """

    x1: float
    y1: float
    x2: float
    y2: float
    label: str | None = None

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    def scaled(self, sx: float, sy: float) -> Box:
        return Box(self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy, self.label)

    def clipped(self, width: float, height: float) -> Box:
        """The box clipped to [0, width] x [0, height]."""
        return Box(
            min(max(self.x1, 0.0), width), min(max(self.y1, 0.0), height),
            min(max(self.x2, 0.0), width), min(max(self.y2, 0.0), height), self.label,
        )  # fmt: skip


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0.0 when both are empty.

    Example:
        >>> iou(Box(0, 0, 2, 2), Box(1, 1, 3, 3))  # intersection 1, union 4 + 4 - 1
        0.14285714285714285
    """
    w = min(a.x2, b.x2) - max(a.x1, b.x1)
    h = min(a.y2, b.y2) - max(a.y1, b.y1)
    inter = w * h if w > 0 and h > 0 else 0.0
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0
