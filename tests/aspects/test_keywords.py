"""KeywordAspect: required fraction present, any banned -> 0; whole-word, case-insensitive."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import KeywordAspect
from hymar.rewards.aspects.keywords import contains_keyword
from hymar.rewards.types import Sample

CASES = [
    ("Include the words apple and pear.", "An apple and a pear.", 1.0, "both present"),
    ("Include the words apple and pear.", "An APPLE a day.", 0.5, "case-insensitive, one of two"),
    ("Include the words apple and pear.", "Pineapples and pears.", 0.0, "whole words only"),
    ("Include the word cat.", "<think>cat</think><answer>dog</answer>", 0.0, "reasoning does not count"),
    ('Use the keyword "machine learning".', "Machine\nlearning is fun.", 1.0, "phrase across a line break"),
    ("Do not use the word very.", "It is good.", 1.0, "banned absent"),
    ("Do not use the word very.", "It is VERY good.", 0.0, "banned present"),
    ("Include the word apple. Avoid the word pear.", "apple and pear", 0.0, "banned overrides required"),
    ("Include the word c++.", "I like c++ a lot", 1.0, "regex characters are escaped"),
]


@pytest.mark.parametrize(("prompt", "completion", "value", "reason"), CASES, ids=[c[3] for c in CASES])
def test_keywords(prompt, completion, value, reason):
    score = KeywordAspect().score_one(Sample(prompt=prompt, completion=completion))
    assert score.valid and score.value == value, score.info


def test_info_names_missing_and_banned():
    s = Sample(prompt="x", completion="a very nice cat", constraints={"required_keywords": ["cat", "dog"], "banned_keywords": ["very"]})
    score = KeywordAspect().score_one(s)
    assert score.info == {"missing": ["dog"], "banned_used": ["very"]}


def test_not_applicable():
    assert KeywordAspect().score_one(Sample(prompt="Describe.", completion="x")).value is None


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [("naïve café", "café", True), ("cafés", "café", False), ("x_cat", "cat", True), ("cat9", "cat", False)],
    ids=["accented word", "plural is another word", "underscore is a boundary", "digit is not a boundary"],
)
def test_contains_keyword(text, keyword, found):
    assert contains_keyword(text, keyword) is found
