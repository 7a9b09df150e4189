"""The grounding reward: parsing per format, frames, Hungarian matching, metrics, bad input."""

from __future__ import annotations

import pickle

import pytest

from hymar.rewards.grounding import Box, GroundingIoU, iou, match_boxes, metric_value, parse_boxes, to_pixels
from hymar.rewards.registry import build_component
from hymar.rewards.types import Sample

SIZE = {"image_size": [200, 100]}  # w=200, h=100
GOLD = "[20, 20, 100, 60]"  # absolute pixels


def score(completion, frame, gold=GOLD, metadata=SIZE, metric="mean_iou", **kw):
    # mean IoU shows the IoU itself, which is what most cases check; the default metric is f1
    component = GroundingIoU(frame=frame, metric=metric, **kw)
    return component.score_one(Sample(completion=completion, answer=gold, metadata=metadata))


class TestParse:
    @pytest.mark.parametrize(
        "text, fmt, boxes, why",
        [
            ("<|box_start|>(100,200),(500,600)<|box_end|>", "qwen2vl", [(100, 200, 500, 600, None)], "Qwen2-VL box"),
            ("<|object_ref_start|>the red triangle<|object_ref_end|><|box_start|>(1,2),(3,4)<|box_end|>", "qwen2vl",
             [(1, 2, 3, 4, "the red triangle")], "Qwen2-VL box with its object reference"),
            ('```json\n[{"bbox_2d": [10, 10, 50, 30], "label": "cat"}, {"bbox_2d": [1, 2, 3, 4]}]\n```', "json",
             [(10, 10, 50, 30, "cat"), (1, 2, 3, 4, None)], "Qwen2.5-VL JSON list in a fence"),
            ("The box is [0.1, 0.2, 0.5, 0.6].", "plain", [(0.1, 0.2, 0.5, 0.6, None)], "plain list"),
            ("[ 20 , 20 , 100.5 , 60 ] and [1,1,2,2]", "plain", [(20, 20, 100.5, 60, None), (1, 1, 2, 2, None)], "two plain"),
        ],
    )  # fmt: skip
    def test_formats(self, text, fmt, boxes, why):
        parsed = parse_boxes(text)
        assert parsed.format == fmt, why
        assert [(b.x1, b.y1, b.x2, b.y2, b.label) for b in parsed.boxes] == boxes, why

    @pytest.mark.parametrize(
        "text, reason",
        [
            ("[50, 10, 20, 30]", "out of order"),
            ("<|box_start|>(1,2)<|box_end|>", "unparseable <|box_start|>"),
            ('{"bbox_2d": "left", "label": "x"}', "not a list of numbers"),
            ('{"bbox_2d": [1, 2, 3], "label": "x"}', "4 numbers"),
            ('{"bbox_2d": [1, 2, 3, 4], "label": }', "not valid JSON"),
        ],
    )
    def test_malformed_boxes_come_with_a_reason(self, text, reason):
        parsed = parse_boxes(text)
        assert not parsed.boxes and reason in parsed.malformed[0]

    def test_nothing_found(self):
        assert parse_boxes("no boxes here").format == "none"

    def test_too_long_is_refused(self):
        assert "too long" in parse_boxes("[" * 60_000).problem

    def test_unknown_format_is_an_error(self):
        with pytest.raises(ValueError, match="box format"):
            parse_boxes("", "yolo")


class TestFrames:
    @pytest.mark.parametrize(
        "box, frame, model_size, expected, why",
        [
            (Box(100, 200, 500, 600), "qwen2-vl", None, (20, 20, 100, 60), "0-1000 relative"),
            (Box(10, 10, 50, 30), "qwen2.5-vl", (100, 50), (20, 20, 100, 60), "pixels of the resized input"),
            (Box(20, 20, 100, 60), "absolute", None, (20, 20, 100, 60), "pixels of this image"),
            (Box(0.1, 0.2, 0.5, 0.6), "normalized", None, (20, 20, 100, 60), "fractions"),
        ],
    )
    def test_to_pixels(self, box, frame, model_size, expected, why):
        b = to_pixels(box, frame, (200, 100), model_size)
        assert (b.x1, b.y1, b.x2, b.y2) == pytest.approx(expected), why

    def test_unknown_frame(self):
        with pytest.raises(ValueError, match="unknown box frame"):
            GroundingIoU(frame="yolo")


class TestFramesEndToEnd:
    """The same gold, each format in its own frame and in a wrong one (Visual-RFT #143)."""

    @pytest.mark.parametrize(
        "completion, frame, metadata, expected, why",
        [
            ("<|box_start|>(100,200),(500,600)<|box_end|>", "qwen2-vl", SIZE, 1.0, "Qwen2-VL under its frame"),
            # under absolute pixels the box is (100,200)-(500,600), clipped to (100,100)-(200,100): no area
            ("<|box_start|>(100,200),(500,600)<|box_end|>", "absolute", SIZE, 0.0, "Qwen2-VL box, wrong frame"),
            # under normalised it is 200x and 100x larger: clipped to the corner, no overlap
            ("<|box_start|>(100,200),(500,600)<|box_end|>", "normalized", SIZE, 0.0, "Qwen2-VL box, wrong frame"),
            ('{"bbox_2d": [10, 10, 50, 30]}', "qwen2.5-vl", {**SIZE, "model_image_size": [100, 50]}, 1.0,
             "Qwen2.5-VL JSON in pixels of its resized input"),
            # read as this image's pixels: (10,10)-(50,30) vs (20,20)-(100,60): inter 30*10, union 800+3200-300
            ('{"bbox_2d": [10, 10, 50, 30]}', "absolute", SIZE, 300 / 3700, "Qwen2.5-VL box without its resize"),
            # read as 0-1000: (2,1)-(10,3): no overlap with (20,20)-(100,60)
            ('{"bbox_2d": [10, 10, 50, 30]}', "qwen2-vl", {**SIZE, "model_image_size": [100, 50]}, 0.0,
             "Qwen2.5-VL box under Qwen2-VL's frame"),
            ("<answer>[0.1, 0.2, 0.5, 0.6]</answer>", "normalized", SIZE, 1.0, "normalised plain list"),
            ("<answer>[20, 20, 100, 60]</answer>", "absolute", SIZE, 1.0, "absolute plain list"),
            # normalised box read as 0-1000: (0.02, 0.01)-(0.1, 0.06): no overlap
            ("<answer>[0.1, 0.2, 0.5, 0.6]</answer>", "qwen2-vl", SIZE, 0.0, "normalised box, wrong frame"),
        ],
    )  # fmt: skip
    def test_frame(self, completion, frame, metadata, expected, why):
        assert score(completion, frame, metadata=metadata).value == pytest.approx(expected), why


class TestMatching:
    G1, G2 = Box(0, 0, 10, 10), Box(20, 20, 30, 30)
    P1 = Box(0, 0, 10, 5)  # IoU with G1: 50 / 100 = 0.5
    P2 = Box(25, 20, 35, 30)  # IoU with G2: 50 / (100 + 100 - 50) = 1/3
    P3 = Box(50, 50, 60, 60)  # matches nothing

    def test_iou_by_hand(self):
        assert iou(self.P1, self.G1) == pytest.approx(0.5)
        assert iou(self.P2, self.G2) == pytest.approx(1 / 3)
        assert iou(Box(0, 0, 2, 2), Box(1, 1, 3, 3)) == pytest.approx(1 / 7)
        assert iou(Box(0, 0, 0, 0), Box(0, 0, 0, 0)) == 0.0

    @pytest.mark.parametrize(
        "pred, metric, expected, why",
        [
            ("P1 P2", "mean_iou", (0.5 + 1 / 3) / 2, "two matched boxes"),
            ("P2 P1", "mean_iou", (0.5 + 1 / 3) / 2, "order does not matter"),
            ("P1 P2 P3", "mean_iou", (0.5 + 1 / 3) / 3, "an extra box counts 0 in a mean over 3"),
            ("P1", "mean_iou", 0.5 / 2, "a missed gold box counts 0"),
            ("P1 P2 P3", "iou_threshold", 1 / 3, "one hit (0.5 >= 0.5) of max(3, 2)"),
            ("P1 P2 P3", "f1", 2 * 1 / (3 + 2), "F1: P = 1/3, R = 1/2"),
            ("P1 P2", "f1", 2 * 1 / (2 + 2), "F1: P = R = 1/2"),
            ("", "mean_iou", 0.0, "no prediction"),
        ],
    )
    def test_metrics_by_hand(self, pred, metric, expected, why):
        boxes = [getattr(self, name) for name in pred.split()]
        m = match_boxes(boxes, [self.G1, self.G2])
        assert metric_value(m, metric, 0.5) == pytest.approx(expected), why

    def test_hungarian_beats_greedy(self):
        # greedy (each prediction takes its best free gold) gives P1->G2 (2/3), P2->G1 (1/4): 0.917
        g1, g2 = Box(0, 0, 10, 10), Box(5, 0, 15, 10)
        p1, p2 = Box(3, 0, 13, 10), Box(6, 0, 16, 10)
        m = match_boxes([p1, p2], [g1, g2])
        assert {(p, g) for p, g, _ in m.pairs} == {(0, 0), (1, 1)}
        assert sum(v for *_, v in m.pairs) == pytest.approx(70 / 130 + 90 / 110)

    @pytest.mark.parametrize(
        "pred_label, gold_label, expected, why",
        [
            ("red triangle", "the Red triangle.", 1.0, "articles, case and punctuation ignored"),
            ("blue square", "red triangle", 0.0, "different labels cannot match"),
            (None, "red triangle", 1.0, "a missing label matches any"),
        ],
    )
    def test_labels(self, pred_label, gold_label, expected, why):
        m = match_boxes([Box(0, 0, 1, 1, pred_label)], [Box(0, 0, 1, 1, gold_label)])
        assert metric_value(m, "mean_iou", 0.5) == expected, why

    def test_labels_ignored_when_asked(self):
        m = match_boxes([Box(0, 0, 1, 1, "a")], [Box(0, 0, 1, 1, "b")], match_labels=False)
        assert metric_value(m, "mean_iou", 0.5) == 1.0

    def test_labelled_multi_box_json(self):
        gold = '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}, {"bbox_2d": [20, 20, 30, 30], "label": "dog"}]'
        # boxes swapped relative to their labels: label matching keeps each box to its own object
        pred = '[{"bbox_2d": [20, 20, 30, 30], "label": "cat"}, {"bbox_2d": [0, 0, 10, 10], "label": "dog"}]'
        assert score(pred, "absolute", gold=gold, metadata={"image_size": [100, 100]}).value == 0.0
        assert score(pred, "absolute", gold=gold, metadata={"image_size": [100, 100]}, match_labels=False).value == 1.0


class TestComponent:
    def test_malformed_box_counts_as_a_wrong_box(self):
        s = score("<answer>[20, 20, 100, 60] [90, 10, 20, 30]</answer>", "absolute", extra_boxes="metric")
        assert s.valid and s.value == pytest.approx(0.5) and "out of order" in s.info["malformed"][0]
        assert score("<answer>[20, 20, 100, 60] [90, 10, 20, 30]</answer>", "absolute").value == 0.0  # and a hedge

    @pytest.mark.parametrize(
        "completion, gold, extra_boxes, metric, expected, why",
        [
            ("[0,0,10,10] [50,50,60,60]", "[0,0,10,10]", "hedge", "mean_iou", 0.0, "one gold: any extra box is a hedge"),
            ("[0,0,10,10] [50,50,60,60]", "[0,0,10,10]", "metric", "mean_iou", 0.5, "diluted only"),
            ("[0,0,10,10] [50,50,60,60]", "[0,0,10,10]", "metric", "f1", 2 / 3, "F1 pays a shotgun more"),
            ("[0,0,10,10] [20,20,30,30] [50,50,60,60]", "[0,0,10,10] [20,20,30,30]", "hedge", "mean_iou", 2 / 3 - 1 / 2,
             "two golds, one extra: 2/3 - 1/2"),
            ("[0,0,10,10] [20,20,30,30]", "[0,0,10,10] [20,20,30,30]", "hedge", "mean_iou", 1.0, "no extra: no cost"),
            ("[0,0,10,10]", "[0,0,10,10] [20,20,30,30]", "hedge", "mean_iou", 0.5, "fewer boxes: only the miss costs"),
        ],
    )  # fmt: skip
    def test_extra_boxes(self, completion, gold, extra_boxes, metric, expected, why):
        s = score(completion, "absolute", gold=gold, metadata={"image_size": [100, 100]}, extra_boxes=extra_boxes, metric=metric)
        assert s.value == pytest.approx(expected), why

    def test_nested_answer_tags_give_no_box(self):
        s = score("<answer><answer>[20, 20, 100, 60]</answer> [0, 0, 5, 5]</answer>", "absolute")
        assert s.valid and s.value == 0.0

    def test_default_metric_is_f1_because_mean_iou_pays_a_whole_image_box(self):
        from hymar.probe import run_probe, suite_items

        assert GroundingIoU().metric == "f1"
        items = suite_items(per_domain=10, domains=["grounding"])
        frames = {"frame": "normalized", "gold_frame": "normalized"}
        dense = run_probe({"components": {"grounding": {"args": {**frames, "metric": "mean_iou"}}}}, items)
        whole = next(e for e in dense.exploits if e.name == "whole_image_box")
        # the whole-image box has IoU area(gold) / 1 with the gold; the honest wrong box misses (0)
        assert whole.flagged and whole.wrong_reward == 0.0 and 0.0 < whole.reward < 0.2
        assert run_probe({"components": {"grounding": {"args": frames}}}, items).passed

    def test_passes_the_probe_and_the_plain_metric_does_not(self):
        from hymar.probe import run_probe, suite_items

        items = suite_items(per_domain=10, domains=["grounding"])
        args = {"frame": "normalized", "gold_frame": "normalized", "metric": "f1"}
        guarded = {"components": {"grounding": {"weight": 1.0, "args": args}}}
        plain = {"components": {"grounding": {"weight": 1.0, "args": {**args, "extra_boxes": "metric"}}}}
        assert run_probe(guarded, items).passed
        assert "several_boxed" in {e.name for e in run_probe(plain, items).flagged}

    def test_malformed_invalid_mode(self):
        s = score("<answer>[90, 10, 20, 30]</answer>", "absolute", malformed="invalid")
        assert not s.valid and "out of order" in s.info["reason"]

    @pytest.mark.parametrize(
        "gold, metadata, reason",
        [
            ("left half", SIZE, "gold: no box"),
            ("[5, 5, 1, 1]", SIZE, "gold: box corners out of order"),
            (GOLD, {}, "no image size"),
            (GOLD, {"image_size": [0, 10]}, "no image size"),
        ],
    )
    def test_bad_gold_or_size_is_invalid(self, gold, metadata, reason):
        s = score("[20, 20, 100, 60]", "absolute", gold=gold, metadata=metadata)
        assert not s.valid and reason in s.info["reason"]

    def test_no_box_is_a_wrong_answer_not_invalid(self):
        s = score("<answer>I cannot see it</answer>", "absolute")
        assert s.valid and s.value == 0.0 and s.info["reason"] == "no box in the completion"

    def test_no_gold_is_not_applicable(self):
        s = GroundingIoU().score_one(Sample(completion="[1,1,2,2]", metadata=SIZE))
        assert s.valid and s.value is None

    def test_image_size_from_the_image(self):
        from PIL import Image

        image = Image.new("RGB", (200, 100))
        s = GroundingIoU(frame="qwen2-vl").score_one(
            Sample(completion="<|box_start|>(100,200),(500,600)<|box_end|>", answer=GOLD, images=(image,))
        )
        assert s.value == 1.0

    def test_reads_the_answer_not_the_reasoning(self):
        s = score("<think>maybe [0, 0, 10, 10]</think><answer>[20, 20, 100, 60]</answer>", "absolute")
        assert s.value == 1.0

    def test_registered_and_picklable(self):
        component = build_component("grounding", {"frame": "qwen2-vl", "metric": "f1"})
        assert isinstance(component, GroundingIoU) and pickle.loads(pickle.dumps(component)).metric == "f1"

    @pytest.mark.parametrize(
        "kwargs, match",
        [({"metric": "map"}, "metric"), ({"threshold": 0}, "threshold"), ({"malformed": "drop"}, "malformed"),
         ({"extra_boxes": "free"}, "extra_boxes")],
    )
    def test_bad_config(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            GroundingIoU(**kwargs)
