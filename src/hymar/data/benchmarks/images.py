"""Images for benchmark rows: one hymar row holds one image, so several images are stacked into one."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

#: pixels between stacked panels and the height of each panel's label strip
GAP, LABEL_HEIGHT = 8, 14


def stack_images(images: Sequence[Image.Image], labels: Sequence[str]) -> Image.Image:
    """Stack images top to bottom on a white canvas, each under a text label ("image 1", ...).

    Args:
        images: PIL images (any mode; converted to RGB).
        labels: one label per image, drawn with PIL's built-in bitmap font (no font files needed).

    Returns:
        One RGB image as wide as the widest input.
    """
    if len(images) != len(labels) or not images:
        raise ValueError(f"need one label per image and at least one image, got {len(images)} and {len(labels)}")
    rgb = [image.convert("RGB") for image in images]
    width = max(image.width for image in rgb)
    height = sum(image.height + LABEL_HEIGHT for image in rgb) + GAP * (len(rgb) - 1)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    y = 0
    for image, label in zip(rgb, labels):
        draw.text((2, y + 1), label, fill="black")
        canvas.paste(image, (0, y + LABEL_HEIGHT))
        y += LABEL_HEIGHT + image.height + GAP
    return canvas


def example_image(size: tuple[int, int] = (64, 48), color: str = "white", text: str = "") -> Image.Image:
    """A small drawn image for the built-in example rows (tests and ``--dry-run`` need no download)."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, size[0] - 5, size[1] - 5), outline="black")
    if text:
        draw.text((8, 8), text, fill="black")
    return image
