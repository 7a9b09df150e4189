"""`hymar.eval.grading`: several acceptable golds, per-row tolerance, ChartQA's relaxed numeric rule."""

from __future__ import annotations

import json

import pytest

from hymar.eval.evaluate import score_generations
from hymar.data.benchmarks.grading import Grading, grading_from_metadata
from hymar.eval.grading import grade, plain_number

# (text, expected value, reason)
NUMBERS = [
    ("12", 12.0, "integer"),
    ("-3.5", -3.5, "signed decimal"),
    ("1,234", 1234.0, "thousands separators"),
    ("45%", 0.45, "percent divides by 100 as in ChartQA's metric"),
    ("2e3", 2000.0, "exponent"),
    ("$7$", 7.0, "inline-math dollars"),
    ("12 cm", None, "a unit is not a plain number"),
    ("1/2", None, "a fraction is not a plain number"),
    ("1e999", None, "overflow to inf is refused"),
    ("abc", None, "no digits"),
]


@pytest.mark.parametrize("text, expected, reason", NUMBERS, ids=[n[-1] for n in NUMBERS])
def test_plain_number(text, expected, reason):
    assert plain_number(text) == (pytest.approx(expected) if expected is not None else None)


RELAXED = Grading(answers=("100",), tolerance=0.05, relaxed_numeric=True)
# (completion answer, grading, expected value, reason)
GRADES = [
    ("104", RELAXED, 1.0, "integers 4% apart: right under relaxed accuracy"),
    ("104", Grading(answers=("100",)), 0.0, "the same without the relaxed rule: exact"),
    ("95", RELAXED, 1.0, "5% below is still inside"),
    ("94", RELAXED, 0.0, "6% below is outside"),
    ("maybe 104 or 200", RELAXED, 0.0, "a hedge is never rescued by the relaxed rule"),
    ("b", Grading(answers=("a", "b", "c")), 1.0, "any of several golds"),
    ("d", Grading(answers=("a", "b", "c")), 0.0, "none of several golds"),
]


@pytest.mark.parametrize("answer, grading, expected, reason", GRADES, ids=[g[-1] for g in GRADES])
def test_grade(answer, grading, expected, reason):
    score = grade(f"<answer>{answer}</answer>", None, task=None, prompt=None, grading=grading)
    assert score.valid and score.value == expected


def test_zero_gold_needs_an_exact_relaxed_match():
    zero = Grading(answers=("0",), tolerance=0.05, relaxed_numeric=True)
    assert grade("<answer>0.01</answer>", None, task=None, prompt=None, grading=zero).value == 0.0


def test_grading_read_from_metadata_json_and_defaults_without_it():
    meta = json.dumps({"grading": {"answers": ["x", "y"], "tolerance": 0.1, "relaxed_numeric": True}})
    assert grading_from_metadata(meta) == Grading(("x", "y"), 0.1, True)
    for missing in (None, "not json", json.dumps({"other": 1}), {"grading": "bad"}):
        assert grading_from_metadata(missing) == Grading()


def test_score_generations_counts_a_second_gold_as_correct_and_plain_rows_as_before():
    multi = {"id": "m", "task": "text", "prompt": "Name?", "answer": "ITC Limited",
             "metadata_json": json.dumps({"grading": {"answers": ["ITC Limited", "ITC"]}})}  # fmt: skip
    plain = {"id": "p", "task": "text", "prompt": "Name?", "answer": "ITC Limited"}
    result = score_generations([multi, plain], ["<answer>ITC</answer>", "<answer>ITC</answer>"])
    assert [g["correct"] for g in result.generations] == [True, False]
