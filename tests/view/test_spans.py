"""Completion highlighting follows the project's completion parser and escapes model output."""

from __future__ import annotations

from hymar.rewards.completion import parse_completion
from hymar.view.spans import MAX_SHOWN_CHARS, highlight, spans_of


def test_spans_are_the_parsers_sections():
    completion = "<think>2+2 is \\boxed{5}?</think><answer>\\boxed{4}</answer>"
    parsed = parse_completion(completion)
    text, spans = spans_of(completion)
    assert text == parsed.text
    kinds = {kind: text[a:b] for a, b, kind in spans}
    assert kinds["think"] == "<think>2+2 is \\boxed{5}?</think>"
    assert kinds["answer"] == "<answer>\\boxed{4}</answer>"
    assert kinds["box"] == "\\boxed{4}"  # the box inside the reasoning is not an answer box


def test_highlighted_html_escapes_and_nests_classes():
    shown = highlight("<think><script>alert(1)</script></think><answer>\\boxed{4}</answer>")
    assert "<script>" not in shown.html and "&lt;script&gt;" in shown.html
    assert '<span class="hl-answer hl-box">\\boxed{4}</span>' in shown.html
    assert shown.extracted == "4"


def test_text_after_an_end_of_turn_token_is_marked_not_part_of_the_answer():
    shown = highlight("<answer>4</answer><|im_end|>user: and 5?")
    assert 'class="after-turn"' in shown.html and "user: and 5?" in shown.html.split("after-turn")[1]


def test_verifier_extraction_is_preferred_and_long_completions_are_cut():
    shown = highlight("x" * (MAX_SHOWN_CHARS + 10) + "<answer>7</answer>", extracted="7")
    assert shown.extraction_source == "verifier" and shown.extracted == "7"
    assert f"{28:,} more characters not shown" in shown.html
    assert highlight("").extracted is None and highlight("").html == ""
