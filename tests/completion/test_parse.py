"""The one completion parser: reasoning, answer sections, boxes, markers, and text clean-up."""

from __future__ import annotations

import pytest

from hymar.rewards.completion import parse_completion
from hymar.rewards.completion.boxes import scan_boxes
from hymar.rewards.completion.markers import find_markers, sentence_end, value_after
from hymar.rewards.completion.tags import reasoning_sections

REASONING = [
    ("<think>a</think>b", "b", "one complete block"),
    ("x<think>a</think>y<think>b</think>z", "xyz", "several blocks"),
    ("<THINK>a</Think>b", "b", "tags match in any case"),
    ("opened in the prompt</think>answer", "answer", "a closing tag first: everything before is reasoning"),
    ("a</think>b</think>c", "c", "stray closing tags extend the prompt-opened section"),
    ("<think>a</think>b</think>c", "c", "a stray closing tag after a block: the text since it is reasoning"),
    ("answer <think>never closed", "answer ", "an unclosed block runs to the end"),
    ("<think>a<think>b</think>c", "c", "a second opening inside a block changes nothing"),
    ("plain", "plain", "no tags"),
]


@pytest.mark.parametrize(("text", "response", "reason"), REASONING, ids=[r[2] for r in REASONING])
def test_response_outside_reasoning(text, response, reason):
    assert parse_completion(text).response == response, reason


def test_unclosed_reasoning_is_flagged():
    assert parse_completion("<think>still going").reasoning_unclosed
    assert not parse_completion("<think>done</think>").reasoning_unclosed
    (section,) = reasoning_sections("<think>x")
    assert section.content_end == section.close_end == 8


def test_answer_sections_and_boxes_inside_reasoning_are_kept_apart():
    p = parse_completion("<think>\\boxed{1}<answer>1</answer></think>\\boxed{2}<answer>2</answer>")
    assert [b.content(p.text) for b in p.boxes] == ["1", "2"], "every box is listed"
    assert [b.content(p.text) for b in p.response_boxes] == ["2"], "the reasoning's box is not the answer's"
    assert [s.content(p.text) for s in p.answer_sections] == ["2"]


BOXES = [
    (r"\boxed{\frac{1}{2}}", [(r"\frac{1}{2}", True)], "nested braces"),
    (r"\boxed{\{1, 2\}}", [(r"\{1, 2\}", True)], "escaped braces are literal"),
    (r"\boxed {3} \fbox{4}", [("3", True), ("4", True)], "space before the brace; \\fbox"),
    (r"\boxed{\boxed{3}}", [(r"\boxed{3}", True)], "an inner box belongs to the outer one"),
    (r"\boxed{1} \boxed{2", [("1", True), ("", False)], "an unclosed box is listed as unbalanced"),
    (r"\boxed{ \boxed{3}", [("", False), ("3", True)], "a box closed inside an unclosed one still counts"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), BOXES, ids=[b[2] for b in BOXES])
def test_boxes(text, expected, reason):
    scan = scan_boxes(text, 64, 64)
    assert [(b.content(text), b.balanced) for b in scan.boxes] == expected, reason


def test_box_limits_are_problems_not_exceptions():
    assert "too many" in (scan_boxes("\\boxed{1}" * 5, 4, 64).problem or "")
    assert "too deep" in (scan_boxes("\\boxed{" + "{" * 10 + "}" * 11, 64, 5).problem or "")
    assert "too many" in (parse_completion("\\boxed{1}" * 65).problem or "")


CLEANUP = [
    ("The answer is 4.<|im_end|>\n<|im_start|>user\nAnd 5?", "The answer is 4.", "cut at an end-of-turn token"),
    ("4 </s> junk", "4 ", "</s> ends the turn too"),
    ("2\u200b4", "24", "zero-width characters removed"),
    ("The result is \\\\boxed{\\\\frac{1}{4}}", "The result is \\boxed{\\frac{1}{4}}", "LaTeX escaped twice"),
    ("a\\nb is \\\\boxed{1}", "a\nb is \\boxed{1}", "a one-line string literal: \\n is a line break"),
    ("rows 1 \\\\ 2 and \\frac{1}{2}", "rows 1 \\\\ 2 and \\frac{1}{2}", "single commands: a real \\\\ stays"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), CLEANUP, ids=[c[2] for c in CLEANUP])
def test_text_cleanup(text, expected, reason):
    assert parse_completion(text).text == expected, reason


MARKERS = [
    ("The answer is 5.", [("answer_is", "5.")], "English copula"),
    ("Final Answer: 12", [("answer_colon", "12")], "colon"),
    ("**Answer:** 7", [("answer_colon", "7")], "markdown around the colon"),
    ("Answer $9$", [("answer_colon", "$9$")], "no colon, math at the start of a line"),
    ("Answer \\( 9 \\)", [("answer_colon", "\\( 9 \\)")], "no colon, \\( \\) span"),
    ("## Final Answer\n42", [("answer_colon", "42")], "a heading, value on the next line"),
    ("答案：24", [("answer_colon", "24")], "Chinese, full-width colon"),
    ("答案是 5。", [("answer_is", "5。")], "Chinese copula"),
    ("Réponse finale : 3,5", [("answer_colon", "3,5")], "French, adjective after the word"),
    ("Die Antwort ist 36.", [("answer_is", "36.")], "German"),
    ("الإجابة: 27", [("answer_colon", "27")], "Arabic"),
    ("उत्तर: 64", [("answer_colon", "64")], "Hindi"),
    ("Ответ: 5", [("answer_colon", "5")], "Russian"),
    ("答えは 16 です", [("answer_is", "16 です")], "Japanese"),
    ("The answers are many", [], "'answers' is not a marker"),
    ("I answered: no", [], "'answered' is not a marker"),
    ("the reanswer: 3", [], "needs a word boundary"),
    ("We answer $9$ later", [], "no colon and not at a line start"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), MARKERS, ids=[m[2] for m in MARKERS])
def test_markers(text, expected, reason):
    got = [(m.kind, value_after(text, m.value_start, 2000, False).strip()) for m in find_markers(text)]
    assert got == expected, reason


def test_marker_value_takes_a_display_block_across_lines():
    text = "Answer\n\\[\n7\n\\]\nMore."
    (m,) = find_markers(text)
    assert value_after(text, m.value_start, 2000, False) == "\\[\n7\n\\]"


def test_sentence_end_skips_math():
    text = "is $(7, 6)$. I hope so"
    assert sentence_end(text) == text.index(". I")
    assert sentence_end("$a. b$ c") == -1


def test_parse_is_cached_and_linear():
    text = "<think>" + "a " * 10_000 + "</think><answer>1</answer>"
    assert parse_completion(text) is parse_completion(text)
    hostile = "<think></think>" * 10_000 + "\\boxed{" * 30 + "}" * 30
    p = parse_completion(hostile)
    assert len(p.reasoning) == 10_000 and p.problem is None
