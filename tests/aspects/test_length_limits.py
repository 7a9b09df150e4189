"""LengthLimitAspect: word / sentence limits with linear partial credit."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import LengthLimitAspect
from hymar.rewards.aspects.length_limits import over_max_score, under_min_score
from hymar.rewards.types import Sample


def _words(n: int) -> str:
    return " ".join(["word"] * n)


CASES = [
    ("Answer in at most 10 words.", _words(10), 1.0, "at the limit"),
    ("Answer in at most 10 words.", _words(15), 0.5, "50% over -> 0.5"),
    ("Answer in at most 10 words.", _words(20), 0.0, "double -> 0"),
    ("Answer in at most 10 words.", _words(40), 0.0, "floored at 0"),
    ("Answer in under 10 words.", _words(10), pytest.approx(8 / 9), "under 10 = max 9"),
    ("Write at least 10 words.", _words(5), 0.5, "half the minimum"),
    ("Write at least 10 words.", "", 0.0, "nothing written"),
    ("Use at most 2 sentences.", "One. Two. Three.", 0.5, "sentence overshoot"),
    ("Answer in one sentence.", "Just this one.", 1.0, "single sentence"),
    ("Answer in at most 10 words and at most 1 sentence.", "A b. C d.", 0.0, "worst limit decides"),
    ("Answer in at most 3 words.", "<think>" + _words(100) + "</think><answer>Paris is big</answer>", 1.0, "reasoning not counted"),
    ("Answer in at most 3 words.", "Long reasoning here</think>Paris", 1.0, "prompt-opened think removed"),
    ("Answer in at most 3 words.", _words(6), 0.0, "no answer section: whole completion"),
    ("Answer in at most 4 words.", "猫在桌子上睡觉", 0.25, "CJK characters are words"),
]


@pytest.mark.parametrize(("prompt", "completion", "value", "reason"), CASES, ids=[c[3] for c in CASES])
def test_length_limit(prompt, completion, value, reason):
    score = LengthLimitAspect().score_one(Sample(prompt=prompt, completion=completion))
    assert score.valid and score.value == value, score.info


def test_not_applicable_without_limits():
    score = LengthLimitAspect().score_one(Sample(prompt="Describe the image.", completion=_words(500)))
    assert score.value is None and score.valid


def test_info_reports_counts():
    score = LengthLimitAspect().score_one(Sample(prompt="At most 10 words.", completion=_words(15)))
    assert score.info["words"] == 15 and score.info["max_words_score"] == 0.5 and "sentences" not in score.info


def test_bad_column_is_invalid_not_a_crash():
    # reason: a malformed constraints column is reported per sample
    score = LengthLimitAspect().score_one(Sample(completion="x", constraints={"max_words": "ten"}))
    assert not score.valid and "max_words" in score.info["reason"]


@pytest.mark.parametrize(
    ("fn", "n", "limit", "expected"),
    [
        (over_max_score, 0, 0, 1.0),
        (over_max_score, 1, 0, 0.0),
        (over_max_score, 13, 10, 0.7),
        (under_min_score, 7, 10, 0.7),
        (under_min_score, 0, 0, 1.0),
    ],
    ids=["zero max met", "zero max broken", "30% over", "30% short", "zero minimum"],
)
def test_score_functions(fn, n, limit, expected):
    assert fn(n, limit) == pytest.approx(expected)
