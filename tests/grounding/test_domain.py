"""The opt-in synthetic grounding domain and its IoU@0.5 in `hymar eval`."""

from __future__ import annotations

import json

import pytest

from hymar.data.synthetic import DOMAINS, build_task_suite, generate_problems
from hymar.data.synthetic.grounding import shape_box
from hymar.eval.evaluate import score_generations


def test_not_a_default_domain():
    # the demo and every default suite are unchanged
    assert "grounding" not in DOMAINS
    rows = build_task_suite(10, 10)["test"]
    assert "grounding" not in set(rows["domain"])


def test_default_problems_do_not_depend_on_the_opt_in_domain():
    default = generate_problems("test", 10, 0, list(DOMAINS))
    mixed = generate_problems("test", 12, 0, [*DOMAINS, "grounding"])
    assert [p.text for p in default if p.domain == "counting"] == [p.text for p in mixed if p.domain == "counting"][:2]


@pytest.fixture(scope="module")
def rows():
    return [dict(r) for r in build_task_suite(0, 8, domains=["grounding"])["test"]]


def test_rows_ask_for_a_named_shape_and_hold_its_box(rows):
    for row in rows:
        text = row["prompt"][0]["content"][1]["text"]
        facts = json.loads(row["metadata_json"])["facts"]
        colour, kind = facts["objects"][facts["target"]]
        assert f"bounding box of the {colour} {kind}" in text
        assert json.loads(row["answer"]) == facts["box"] == shape_box(json.loads(row["metadata_json"])["scene"][facts["target"]])
        assert row["task"] == "grounding" and row["image"].size == (84, 84)


def test_shape_box_by_hand():
    assert shape_box({"kind": "circle", "cx": 0.5, "cy": 0.5, "r": 0.1}) == [0.4, 0.4, 0.6, 0.6]
    assert shape_box({"kind": "square", "cx": 0.5, "cy": 0.5, "r": 0.1}) == [0.41, 0.41, 0.59, 0.59]
    assert shape_box({"kind": "triangle", "cx": 0.5, "cy": 0.5, "r": 0.1}) == [0.4, 0.4, 0.6, 0.58]


def test_eval_scores_iou_at_half(rows):
    completions = [row["demonstration"] for row in rows]
    x1, y1, x2, y2 = json.loads(rows[1]["answer"])
    w = x2 - x1
    completions[1] = f"<answer>[{x1 + 0.6 * w}, {y1}, {x2 + 0.6 * w}, {y2}]</answer>"  # shifted: IoU 0.25
    completions[2] = "<answer>no idea</answer>"
    result = score_generations(rows, completions)
    assert result.accuracy["grounding"] == pytest.approx(6 / 8)
    ious = [g["iou"] for g in result.generations]
    assert ious[0] == 1.0 and ious[1] == pytest.approx(0.4 / 1.6, abs=0.01) and ious[2] == 0.0
