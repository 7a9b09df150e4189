"""Rendering of synthetic scenes with Pillow.

A scene is a JSON-able list of primitives in normalised coordinates (0..1 of the image side), so one
scene renders at any ``image_size`` (84 by default: 3x3 image tokens) and is stored alongside the
image for tests and debugging. Primitives:

- ``{"kind": "circle" | "square" | "triangle", "colour": name, "cx", "cy", "r"}``: a filled shape
  centred at (cx, cy) with half-size r (circle radius, half the square's side, triangle circumradius-ish).
- ``{"kind": "rect", "colour": name, "x0", "y0", "x1", "y1"}``: a filled rectangle (chart bars, axes).
- ``{"kind": "text", "colour": name, "text": str, "cx", "cy", "size"[, "stroke"]}``: text centred at
  (cx, cy), ``size`` the font size as a fraction of the image side, ``stroke`` (optional) an outline
  width as a fraction of the font size that thickens the glyphs (bold digits stay legible at 84 px).

Text uses Pillow's bundled font at the requested size (``ImageFont.load_default(size=...)``, Pillow
>= 10.1 with FreeType), so digits stay legible at small sizes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

#: colour name -> RGB; saturated and far apart so they stay distinct after resizing and normalising
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (20, 150, 40),
    "blue": (30, 70, 225),
    "yellow": (235, 190, 0),
    "purple": (140, 40, 180),
}
#: colours used only for text and axes, never named in questions
INK: dict[str, tuple[int, int, int]] = {"black": (0, 0, 0), "grey": (110, 110, 110)}
SHAPES = ("circle", "square", "triangle")
BACKGROUND = (255, 255, 255)
BACKGROUND_NAME = "white"


@lru_cache(maxsize=64)
def font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's default font at ``size_px`` pixels (cached: loading costs more than drawing)."""
    return ImageFont.load_default(size=max(6, int(size_px)))


def render_scene(scene: Iterable[Mapping[str, Any]], image_size: int) -> Image.Image:
    """Draw ``scene`` on a white RGB canvas of ``image_size`` x ``image_size`` pixels.

    Args:
        scene: primitives as described in the module docstring.
        image_size: side of the square image in pixels.

    Returns:
        A PIL RGB image.

    Raises:
        ValueError: an unknown primitive kind or colour.
    """
    if image_size < 16:
        raise ValueError(f"image_size must be >= 16 pixels, got {image_size}")
    image = Image.new("RGB", (image_size, image_size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for item in scene:
        _draw(draw, item, image_size)
    return image


def _rgb(name: str) -> tuple[int, int, int]:
    if name in COLOURS:
        return COLOURS[name]
    if name in INK:
        return INK[name]
    raise ValueError(f"unknown colour {name!r}; known: {sorted(COLOURS) + sorted(INK)}")


def _draw(draw: ImageDraw.ImageDraw, item: Mapping[str, Any], size: int) -> None:
    kind = item["kind"]
    fill = _rgb(item["colour"])
    if kind == "rect":
        box = [item["x0"] * size, item["y0"] * size, item["x1"] * size - 1, item["y1"] * size - 1]
        draw.rectangle(box, fill=fill)
        return
    if kind == "text":
        font_px = round(item["size"] * size)
        draw.text(
            (item["cx"] * size, item["cy"] * size),
            item["text"],
            fill=fill,
            font=font(font_px),
            anchor="mm",
            stroke_width=round(float(item.get("stroke", 0.0)) * font_px),
            stroke_fill=fill,
        )
        return
    cx, cy, r = item["cx"] * size, item["cy"] * size, item["r"] * size
    if kind == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif kind == "square":
        # a square of the same area as the circle would look smaller; 0.9 r keeps them comparable
        s = 0.9 * r
        draw.rectangle([cx - s, cy - s, cx + s, cy + s], fill=fill)
    elif kind == "triangle":
        draw.polygon([(cx, cy - r), (cx - r, cy + 0.8 * r), (cx + r, cy + 0.8 * r)], fill=fill)
    else:
        raise ValueError(f"unknown primitive kind {kind!r}")
