"""Property: the verifier, the aspects and the model components read a completion the same way.

Random completions are assembled from the pieces that decide how a completion is split (reasoning
tags in any case, answer tags, boxes with escaped braces, marker phrases, end-of-turn tokens, plain
text); every reader must agree on the reasoning, the answer section and the boxes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hymar.rewards.aspects.format import FormatAspect
from hymar.rewards.aspects.reasoning import reasoning_text
from hymar.rewards.aspects.sections import answer_section, find_boxed, response_text, strip_reasoning
from hymar.rewards.completion import parse_completion
from hymar.rewards.model.text import strip_think
from hymar.rewards.rules.answer_text import clean_answer
from hymar.rewards.rules.extract import extract_answer
from hymar.rewards.types import Sample

PIECES = [
    "<think>", "</think>", "<THINK>", "</Think>", "<answer>", "</answer>", "<ANSWER>", "\\boxed{", "\\fbox{",
    "{", "}", "\\{", "\\}", "42", "x + 1", " ", "\n", "The answer is ", "Answer: ", "答案：", "<|im_end|>",
    "so", "\\frac{1}{2}", "$", "Final Answer", ".",
]  # fmt: skip
completions = st.lists(st.sampled_from(PIECES), max_size=24).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(completions)
def test_reasoning_is_the_same_for_every_reader(text):
    p = parse_completion(text)
    assert strip_think(text) == p.response.strip(), "model components"
    assert strip_reasoning(text) == p.response, "aspects"
    if p.reasoning:
        assert reasoning_text(text) == p.reasoning_text, "reasoning aspect"


@SETTINGS
@given(completions)
def test_answer_section_is_the_same_for_every_reader(text):
    p = parse_completion(text)
    section = answer_section(text)
    has_answer = FormatAspect(style="answer_tag").score_one(Sample(completion=text)).info["failed"]
    assert ("has_answer" not in has_answer) == bool(p.sections("answer")), "format aspect sees the parse's tags"
    if section is not None:
        assert response_text(text) == section.strip()
    extraction = extract_answer(text)
    if extraction.invalid:
        assert p.problem is not None
        return
    sections = [s.content(p.text) for s in p.answer_sections]
    if section is not None and clean_answer(section) and extraction.source == "answer_tag":
        # the verifier's final answer comes from the same (last) section the aspects read
        assert extraction.answer in section
    if extraction.source == "answer_tag":
        # an empty last section leaves the verifier the earlier ones (several differing are a conflict)
        assert any(extraction.answer in s for s in sections), "the verifier found a section the aspects did not"


@SETTINGS
@given(completions)
def test_boxes_are_the_same_for_every_reader(text):
    p = parse_completion(text)
    aspect_boxes = [(b.start, b.content) for b in find_boxed(text)]
    assert aspect_boxes == [(b.start, b.content(p.text)) for b in p.boxes]
    extraction = extract_answer(text)
    if extraction.source == "boxed":
        outside = [clean_answer(b.content(p.text)) for b in p.response_boxes if b.balanced]
        assert extraction.answer == [a for a in outside if a][-1]


@SETTINGS
@given(completions)
def test_the_verifier_never_answers_from_the_reasoning(text):
    p = parse_completion(text)
    extraction = extract_answer(text)
    if extraction.answer is not None and extraction.source in ("boxed", "answer_tag"):
        assert extraction.answer in p.response
