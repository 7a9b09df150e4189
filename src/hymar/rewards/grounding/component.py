"""`GroundingIoU`: the grounding reward, registered as component type ``grounding``.

Reads the predicted boxes from the completion's answer (the last non-empty ``<answer>`` section,
else the text outside the reasoning) and the gold boxes from ``sample.answer``, converts both to
pixels of the sample's image (each in its configured frame, `hymar.rewards.grounding.frames`),
matches them one to one (Hungarian, with labels) and scores the configured metric
(`hymar.rewards.grounding.match`).

Config example (Qwen2.5-VL policy, golds in normalised coordinates)::

    components:
      grounding: {weight: 1.0, args: {frame: qwen2.5-vl, gold_frame: normalized, metric: f1, threshold: 0.5}}

Bad input never raises: a gold that is not a box, an unknown image size or a completion too long to
parse is ``Score.invalid`` with the reason. A malformed predicted box (corners out of order, a
``<|box_start|>`` body that is not two points, a ``bbox_2d`` that is not four numbers) is reported in
``info["malformed"]`` and, with ``malformed: zero`` (the default), counts as a predicted box that
matches nothing, so it scores like a wrong box; ``malformed: invalid`` makes the whole score invalid
instead. The default is "zero" because the combiner masks invalid scores: a policy that found that
garbage boxes are masked while wrong boxes score 0 would learn to emit garbage (see docs/probe.md).
"""

from __future__ import annotations

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.completion import parse_completion
from hymar.rewards.grounding.frames import image_size_of, model_size_of, resolve_frame, to_pixels
from hymar.rewards.grounding.match import METRICS, match_boxes, metric_value
from hymar.rewards.grounding.parse import FORMATS, MAX_BOXES, parse_boxes
from hymar.rewards.types import Sample, Score

MALFORMED = ("zero", "invalid")
EXTRA_BOXES = ("hedge", "metric")


class GroundingIoU(PerSampleComponent):
    """IoU reward for boxes (see the module docstring).

    Args:
        frame: the policy's coordinate frame: "relative_1000" (alias "qwen2-vl"), "absolute"
            (alias "qwen2.5-vl") or "normalized".
        gold_frame: the frame of the gold boxes in ``sample.answer`` (default "absolute" pixels).
        box_format, gold_format: "auto", "qwen2vl", "json" or "plain" (`parse_boxes`).
        metric: "f1" (default), "iou_threshold" or "mean_iou". With "mean_iou" a box covering the
            whole image earns area(gold) / area(image), more than a box that misses: GRPO learns to
            grow boxes when unsure (`hymar probe`, exploit ``whole_image_box``); the thresholded
            metrics give it 0.
        threshold: IoU threshold of "iou_threshold" and "f1".
        match_labels: pairs with different labels cannot match.
        malformed: "zero" or "invalid" (see the module docstring).
        extra_boxes: "hedge" (default): each predicted box beyond the number of gold boxes also
            subtracts 1 / n_gold from the metric (floor 0), so a shotgun of candidate boxes never beats
            one committed box; "metric": the metric alone (an extra box only dilutes it: two boxes,
            one right, score 0.5 under mean IoU and 0.67 under F1, more than one wrong box).
        max_boxes: boxes read per completion (more are malformed).

    Example:
        >>> r = GroundingIoU(frame="qwen2-vl")
        >>> s = Sample(completion="<|box_start|>(0,0),(500,500)<|box_end|>", answer="[0, 0, 50, 50]",
        ...            metadata={"image_size": [100, 100]})
        >>> r.score_one(s).value
        1.0
    """

    name = "grounding"
    default_failure_threshold = None  # local and pure: no circuit breaker unless configured

    def __init__(
        self,
        frame: str = "absolute",
        *,
        gold_frame: str = "absolute",
        box_format: str = "auto",
        gold_format: str = "auto",
        metric: str = "f1",
        threshold: float = 0.5,
        match_labels: bool = True,
        malformed: str = "zero",
        extra_boxes: str = "hedge",
        max_boxes: int = MAX_BOXES,
    ) -> None:
        self.frame, self.gold_frame = resolve_frame(frame), resolve_frame(gold_frame)
        for name, value, allowed in (("box_format", box_format, FORMATS), ("gold_format", gold_format, FORMATS),
                                     ("metric", metric, METRICS), ("malformed", malformed, MALFORMED),
                                     ("extra_boxes", extra_boxes, EXTRA_BOXES)):  # fmt: skip
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if max_boxes < 1:
            raise ValueError(f"max_boxes must be >= 1, got {max_boxes!r}")
        self.box_format, self.gold_format, self.metric = box_format, gold_format, metric
        self.threshold, self.match_labels, self.malformed, self.max_boxes = threshold, match_labels, malformed, max_boxes
        self.extra_boxes = extra_boxes

    def score_one(self, sample: Sample) -> Score:
        if sample.answer is None or not str(sample.answer).strip():
            return Score.not_applicable("no gold boxes")
        metadata = sample.metadata if sample.metadata is not None else {}
        size = image_size_of(sample.images, metadata)
        if isinstance(size, str):
            return Score.invalid(size)
        gold = parse_boxes(str(sample.answer), self.gold_format, self.max_boxes)
        if gold.problem or gold.malformed or not gold.boxes:
            return Score.invalid(f"gold: {gold.problem or '; '.join(gold.malformed) or 'no box in the gold answer'}")
        pred = parse_boxes(_answer_text(sample.completion), self.box_format, self.max_boxes)
        if pred.problem:
            return Score.invalid(pred.problem)
        if pred.malformed and self.malformed == "invalid":
            return Score.invalid(f"malformed box: {pred.malformed[0]}", malformed=list(pred.malformed))
        w, h = size
        model_size = model_size_of(metadata)
        pred_px = [to_pixels(b, self.frame, size, model_size).clipped(w, h) for b in pred.boxes]
        gold_px = [to_pixels(b, self.gold_frame, size).clipped(w, h) for b in gold.boxes]
        matching = match_boxes(pred_px, gold_px, self.match_labels)
        # a malformed box is a predicted box that matches nothing: it costs like an extra wrong box
        counted = type(matching)(matching.pairs, matching.n_pred + len(pred.malformed), matching.n_gold)
        value = metric_value(counted, self.metric, self.threshold)
        extra = counted.n_pred - counted.n_gold
        if self.extra_boxes == "hedge" and extra > 0:
            # more boxes than objects are hedges: each extra costs a whole gold box's worth, so listing
            # candidates never beats committing to one (with one gold box: any extra box scores 0)
            value -= extra / counted.n_gold
        info = {
            "metric": self.metric,
            "format": pred.format,
            "n_pred": counted.n_pred,
            "n_gold": counted.n_gold,
            "ious": [round(v, 4) for _, _, v in matching.pairs],
        }
        if pred.malformed:
            info["malformed"] = list(pred.malformed)
        if not pred.boxes and not pred.malformed:
            info["reason"] = "no box in the completion"
        return Score(min(1.0, max(0.0, value)), 1.0, True, info)


def _answer_text(completion: str) -> str:
    """The last non-empty answer section, else the completion outside its reasoning."""
    if not isinstance(completion, str):
        return ""
    parsed = parse_completion(completion)
    if parsed.answer_tags_unpaired:
        return ""  # nested or stray <answer> tags: no defined answer (as for the verifier)
    sections = [s.content(parsed.text) for s in parsed.answer_sections if s.content(parsed.text).strip()]
    return sections[-1] if sections else parsed.response
