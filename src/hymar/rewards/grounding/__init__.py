"""Grounding rewards: boxes parsed from model text (Qwen2-VL, Qwen2.5-VL JSON, plain lists), converted
from the model's coordinate frame to image pixels, matched one to one and scored by IoU.

    >>> from hymar.rewards.grounding import GroundingIoU, parse_boxes, iou
"""

from hymar.rewards.grounding.boxes import Box, iou
from hymar.rewards.grounding.component import GroundingIoU
from hymar.rewards.grounding.frames import FRAMES, resolve_frame, to_pixels
from hymar.rewards.grounding.match import METRICS, match_boxes, metric_value
from hymar.rewards.grounding.parse import FORMATS, parse_boxes

__all__ = ["FORMATS", "FRAMES", "METRICS", "Box", "GroundingIoU", "iou", "match_boxes", "metric_value", "parse_boxes",
           "resolve_frame", "to_pixels"]  # fmt: skip
