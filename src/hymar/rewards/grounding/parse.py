"""Read boxes out of model text in the formats VLMs emit.

=============  ====================================================================  ==============
format         syntax                                                                usual frame
=============  ====================================================================  ==============
``qwen2vl``    ``<|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),   0-1000 relative
               (x2,y2)<|box_end|>`` (the label part is optional)                     (Qwen2-VL)
``json``       ``{"bbox_2d": [x1, y1, x2, y2], "label": "..."}``, alone, in a list    absolute pixels
               or in a fenced ```json block                                          (Qwen2.5-VL)
``plain``      ``[x1, y1, x2, y2]``                                                  configured
=============  ====================================================================  ==============

``auto`` picks the first of these that occurs in the text. The frame (what the numbers mean) is not
guessed from the values: it is configured per model (`hymar.rewards.grounding.frames`).

Malformed boxes (a ``<|box_start|>`` whose body is not two points, a ``bbox_2d`` that is not four
numbers, x2 < x1 or y2 < y1, a non-finite number) are returned with a reason instead of a box, so the
reward can say what was wrong. Parsing is linear: bounded regular expressions without nested
quantifiers, text over `MAX_CHARS` refused, at most ``max_boxes`` read.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from hymar.rewards.grounding.boxes import Box

FORMATS = ("auto", "qwen2vl", "json", "plain")
MAX_CHARS = 50_000
MAX_BOXES = 100

_NUM = r"[-+]?\d{1,9}(?:\.\d{1,9})?"
_QWEN2VL = re.compile(
    r"(?:<\|object_ref_start\|>(?P<label>[^<]{0,200})<\|object_ref_end\|>\s{0,8})?"
    r"<\|box_start\|>(?P<body>[^<]{0,200})<\|box_end\|>"
)
_POINTS = re.compile(rf"\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*,\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*")
# a flat JSON object that mentions bbox_2d (no nested braces; the list inside has none)
_JSON_OBJECT = re.compile(r"\{[^{}]{0,1000}\}")
_PLAIN = re.compile(rf"\[\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\]")


@dataclass(frozen=True)
class ParsedBoxes:
    """What `parse_boxes` found.

    Args:
        boxes: the well-formed boxes, in order of appearance.
        malformed: one reason per malformed box.
        format: the format read ("qwen2vl", "json", "plain"; "none" when nothing was found).
        problem: a reason the whole text was refused (too long), else None.
    """

    boxes: tuple[Box, ...]
    malformed: tuple[str, ...] = ()
    format: str = "none"
    problem: str | None = None


def parse_boxes(text: str, fmt: str = "auto", max_boxes: int = MAX_BOXES) -> ParsedBoxes:
    """The boxes in ``text`` (see the module docstring).

    Example:
        >>> parse_boxes("<|box_start|>(10,20),(300,400)<|box_end|>").boxes
        (Box(x1=10.0, y1=20.0, x2=300.0, y2=400.0, label=None),)
    """
    if fmt not in FORMATS:
        raise ValueError(f"box format must be one of {FORMATS}, got {fmt!r}")
    if not isinstance(text, str):
        return ParsedBoxes((), problem=f"not text ({type(text).__name__})")
    if len(text) > MAX_CHARS:
        return ParsedBoxes((), problem=f"text too long for box parsing ({len(text)} > {MAX_CHARS} characters)")
    readers = {"qwen2vl": _read_qwen2vl, "json": _read_json, "plain": _read_plain}
    order = list(readers) if fmt == "auto" else [fmt]
    for name in order:
        found = readers[name](text, max_boxes)
        if found.boxes or found.malformed:
            return found
    return ParsedBoxes(())


def _box(values: list[float], label: str | None) -> Box | str:
    if len(values) != 4:
        return f"a box needs 4 numbers, got {len(values)}"
    if not all(math.isfinite(v) for v in values):
        return "a box coordinate is not a finite number"
    x1, y1, x2, y2 = values
    if x2 < x1 or y2 < y1:
        return f"box corners out of order ({x1:g}, {y1:g}, {x2:g}, {y2:g}): x2 < x1 or y2 < y1"
    return Box(x1, y1, x2, y2, label.strip() if isinstance(label, str) and label.strip() else None)


def _collect(items, name: str, max_boxes: int) -> ParsedBoxes:
    boxes, malformed = [], []
    for values, label in items:
        if len(boxes) + len(malformed) >= max_boxes:
            malformed.append(f"more than {max_boxes} boxes: the rest ignored")
            break
        made = values if isinstance(values, str) else _box(values, label)
        (malformed if isinstance(made, str) else boxes).append(made)
    return ParsedBoxes(tuple(boxes), tuple(malformed), name if boxes or malformed else "none")


def _read_qwen2vl(text: str, max_boxes: int) -> ParsedBoxes:
    def items():
        for m in _QWEN2VL.finditer(text):
            points = _POINTS.fullmatch(m.group("body"))
            if points is None:
                yield "unparseable <|box_start|> body (expected (x1,y1),(x2,y2))", None
            else:
                yield [float(v) for v in points.groups()], m.group("label")

    return _collect(items(), "qwen2vl", max_boxes)


def _read_json(text: str, max_boxes: int) -> ParsedBoxes:
    def items():
        for m in _JSON_OBJECT.finditer(text):
            if "bbox_2d" not in m.group():
                continue
            try:
                obj = json.loads(m.group())
            except (json.JSONDecodeError, RecursionError):
                yield "a bbox_2d object that is not valid JSON", None
                continue
            bbox = obj.get("bbox_2d") if isinstance(obj, dict) else None
            if not isinstance(bbox, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox):
                yield "bbox_2d is not a list of numbers", None
                continue
            label = obj.get("label")
            yield [float(v) for v in bbox], label if isinstance(label, str) else None

    return _collect(items(), "json", max_boxes)


def _read_plain(text: str, max_boxes: int) -> ParsedBoxes:
    return _collect((([float(v) for v in m.groups()], None) for m in _PLAIN.finditer(text)), "plain", max_boxes)
