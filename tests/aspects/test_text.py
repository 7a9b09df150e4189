"""Completion sections (tags, boxes, response text) and word / sentence counting."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects.sections import (
    answer_section,
    find_boxed,
    response_text,
    strip_reasoning,
    tag_sections,
)
from hymar.rewards.aspects.text_stats import count_sentences, count_words

WORDS = [
    ("", 0, "empty"),
    ("one two  three\nfour", 4, "any whitespace separates"),
    ("Hello, world!", 2, "punctuation stays with its word"),
    ("a - b — c ...", 3, "punctuation-only tokens are not words"),
    ("猫在桌子上", 5, "each CJK ideograph is a word"),
    ("我爱 Python 3", 4, "mixed CJK and Latin"),
    ("고양이가 잔다", 2, "Hangul counts by tokens"),
]


@pytest.mark.parametrize(("text", "n", "reason"), WORDS, ids=[w[2] for w in WORDS])
def test_count_words(text, n, reason):
    assert count_words(text) == n


SENTENCES = [
    ("", 0, "empty"),
    ("One sentence", 1, "no final punctuation"),
    ("One. Two! Three?", 3, "three terminators"),
    ("Pi is 3.14 exactly.", 1, "decimal point is not an end"),
    ("Wait... what?!", 2, "runs of punctuation end once"),
    ("第一句。第二句！", 2, "CJK terminators need no space"),
    ("Title\n\nBody text here.", 2, "blank line ends a block"),
    ("Hi. . . .", 1, "punctuation-only segments do not count"),
]


@pytest.mark.parametrize(("text", "n", "reason"), SENTENCES, ids=[s[2] for s in SENTENCES])
def test_count_sentences(text, n, reason):
    assert count_sentences(text) == n


RESPONSE = [
    ("<think>long reasoning</think><answer> Paris </answer>", "Paris", "answer section"),
    ("<think>r</think> Paris", "Paris", "no answer tag: reasoning removed"),
    ("reasoning opened in prompt</think>Paris", "Paris", "only a closing think tag"),
    ("Just text.", "Just text.", "plain completion"),
    ("<answer>a</answer> then <answer>b</answer>", "b", "last answer section"),
    ("<answer>unclosed", "<answer>unclosed", "unclosed answer is not a section"),
]


@pytest.mark.parametrize(("completion", "expected", "reason"), RESPONSE, ids=[r[2] for r in RESPONSE])
def test_response_text(completion, expected, reason):
    assert response_text(completion) == expected


def test_tag_sections_skip_stray_open():
    # reason: "<answer> x <answer>y</answer>": the stray first opening is not part of the section
    text = "<answer> x <answer>y</answer>"
    (section,) = tag_sections(text, "answer")
    assert section.content(text) == "y"
    assert answer_section("no tags") is None


def test_strip_reasoning_multiple_blocks():
    assert strip_reasoning("<think>a</think>X<think>b</think>Y") == "XY"


BOXES = [
    (r"so \boxed{42}.", [("42", True)], "simple"),
    (r"\boxed{\frac{1}{2}}", [(r"\frac{1}{2}", True)], "nested braces"),
    (r"\boxed{\{1\}}", [(r"\{1\}", True)], "escaped braces do not count"),
    (r"\boxed{1} and \boxed{2}", [("1", True), ("2", True)], "two boxes"),
    (r"\boxed{\boxed{3}}", [(r"\boxed{3}", True)], "inner box belongs to the outer"),
    (r"\boxed{unclosed", [("", False)], "unbalanced"),
    ("no box", [], "none"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), BOXES, ids=[b[2] for b in BOXES])
def test_find_boxed(text, expected, reason):
    assert [(b.content, b.balanced) for b in find_boxed(text)] == expected
