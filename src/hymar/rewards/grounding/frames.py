"""Coordinate frames: what a model's box numbers mean, and their conversion to image pixels.

==================  =========================================================================
frame               pixel x = ...
==================  =========================================================================
``relative_1000``   v / 1000 * W. Qwen2-VL: 0-1000 relative to the image (alias ``qwen2-vl``)
``absolute``        v * W / W_model: pixels of the image the model saw. Qwen2.5-VL emits absolute
                    pixels of its *resized* input (alias ``qwen2.5-vl``); W_model is
                    ``metadata["model_image_size"]`` when given, else the image's own size
``normalized``      v * W: fractions of the image side
==================  =========================================================================

W, H is the sample's image size: ``metadata["image_size"]`` ([w, h]), else the first image's size (a
PIL image, or a path whose header is read). Visual-RFT #143 is exactly this mismatch: the same box
means different pixels under Qwen2-VL and Qwen2.5-VL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hymar.rewards.grounding.boxes import Box

FRAMES = ("relative_1000", "absolute", "normalized")
ALIASES = {"qwen2-vl": "relative_1000", "qwen2vl": "relative_1000", "qwen2.5-vl": "absolute", "qwen25vl": "absolute",
           "pixels": "absolute", "relative": "normalized"}  # fmt: skip


def resolve_frame(frame: str) -> str:
    """The canonical frame name of ``frame`` or one of its model aliases.

    Raises:
        ValueError: an unknown frame.
    """
    name = ALIASES.get(str(frame).lower(), str(frame).lower())
    if name not in FRAMES:
        raise ValueError(f"unknown box frame {frame!r}; choose one of {FRAMES} or a model alias {sorted(ALIASES)}")
    return name


def to_pixels(box: Box, frame: str, image_size: tuple[float, float], model_size: tuple[float, float] | None = None) -> Box:
    """``box`` in ``frame`` converted to pixels of an image of ``image_size`` (w, h)."""
    w, h = image_size
    frame = resolve_frame(frame)
    if frame == "relative_1000":
        return box.scaled(w / 1000.0, h / 1000.0)
    if frame == "normalized":
        return box.scaled(w, h)
    mw, mh = model_size or image_size
    return box.scaled(w / mw, h / mh)


def image_size_of(images: Sequence[Any], metadata: Mapping[str, Any]) -> tuple[float, float] | str:
    """(w, h) of the sample's image, or a reason it is unknown (see the module docstring)."""
    given = _pair(metadata.get("image_size")) if isinstance(metadata, Mapping) else None
    if given is not None:
        return given
    if not images:
        return "no image size: give metadata['image_size'] = [w, h] or the image"
    image = images[0]
    size = getattr(image, "size", None)
    if _pair(size) is not None:
        return _pair(size)
    if isinstance(image, str):
        try:
            from PIL import Image

            with Image.open(image) as opened:  # reads the header only
                return float(opened.size[0]), float(opened.size[1])
        except Exception as err:  # noqa: BLE001 -- an unreadable image is a reason, not a crash
            return f"cannot read the image size of {image[:80]!r}: {type(err).__name__}"
    return f"cannot tell the size of a {type(image).__name__} image"


def model_size_of(metadata: Mapping[str, Any]) -> tuple[float, float] | None:
    return _pair(metadata.get("model_image_size")) if isinstance(metadata, Mapping) else None


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            w, h = float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return None
        if w > 0 and h > 0:
            return w, h
    return None
