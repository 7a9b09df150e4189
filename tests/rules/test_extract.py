"""Answer extraction on realistic completions: sources, priorities, cleaning, conflicts, hedges."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.extract import (
    clean_answer,
    detect_hedge,
    extract_answer,
    find_answer_tags,
    find_boxed,
)
from hymar.rewards.rules.limits import LimitExceeded, Limits

LONG_REASONING = "Let us count step by step. " * 200 + "\n\nFirst 3 + 4 = 7, then 7 * 2 = 14.\n"

# (completion, expected answer, expected source, reason)
CASES = [
    (LONG_REASONING + "So the final answer is $\\boxed{14}$.", "14", "boxed", "long reasoning then a box"),
    ("Half of it: \\boxed{\\frac{1}{2}}", "\\frac{1}{2}", "boxed", "nested braces inside the box"),
    ("Choose \\boxed{\\text{(B)}}", "(B)", "boxed", "\\text wrapper in a box is unwrapped"),
    ("The set is \\boxed{\\{1, 2\\}}.", "\\{1, 2\\}", "boxed", "escaped braces are literal set braces"),
    ("\\boxed{\\boxed{7}}", "7", "boxed", "a box in a box gives the inner value"),
    ("\\fbox{9}", "9", "boxed", "\\fbox counts as a box"),
    ("\\boxed {5}", "5", "boxed", "space between command and brace"),
    ("Working...\n**Final Answer:** 12", "12", "answer_colon", "bold markdown answer line"),
    ("**Answer**: 12", "12", "answer_colon", "colon after the bold marker"),
    ("Answer: **12**.", "12", "answer_colon", "bold value and trailing period"),
    ("Final answer: $-7$", "-7", "answer_colon", "math delimiters stripped"),
    ("## Final Answer\n\n42", "42", "answer_colon", "heading with the value on the next line"),
    ("Answer:\n\n  `x = 2`", "x = 2", "answer_colon", "value on the line after the marker"),
    ("We get 5 apples. Therefore, the answer is 5.", "5", "answer_is", "answer-is phrase, trailing dot"),
    ("The final answer is 3.5 m. This is because ...", "3.5 m", "answer_is", "decimal point is not a sentence end"),
    ("I think the answer is 4. Wait, no: the answer is 6.", "6", "answer_is", "the last marker wins"),
    ("The correct answer is (C) 42 apples", "(C) 42 apples", "answer_is", "option with text"),
    ("Answer: 3\nOn reflection the answer is 4.", "4", "answer_is", "later marker of another kind wins"),
    ("The answer isn't obvious.\nParis", "Paris", "last_line", "'isn't' is not a marker"),
    ("Some words.\n\nParis.\n\n", "Paris", "last_line", "last non-empty line fallback"),
    ("<answer>B</answer>", "B", "answer_tag", "answer tag"),
    ("<ANSWER> 17 </Answer>", "17", "answer_tag", "tags are case-insensitive"),
    ("<answer>so \\boxed{8} it is</answer>", "8", "answer_tag", "boxed content inside a tag"),
    ("\\boxed{3} in reasoning. <answer>3</answer>", "3", "answer_tag", "tag beats box"),
    ("<think>maybe \\boxed{2}</think>\nThe answer is 4.", "4", "answer_is", "text after </think> searched first"),
    ("<think>it is \\boxed{2}</think>\nThanks!", "Thanks!", "last_line", "a box inside the reasoning is no answer"),
    ("x\u200b\\boxed{2\u200b4}", "24", "boxed", "zero-width characters stripped"),
    ("The result is \\boxed{}. Answer: 5", "5", "answer_colon", "empty box ignored"),
]


@pytest.mark.parametrize(("completion", "answer", "source", "reason"), CASES, ids=[c[3] for c in CASES])
def test_extract_cases(completion, answer, source, reason):
    got = extract_answer(completion)
    assert (got.answer, got.source) == (answer, source), reason
    assert not got.invalid


@pytest.mark.parametrize(
    ("source", "completion", "confidence"),
    [
        ("boxed", "\\boxed{1}", 1.0),
        ("answer_tag", "<answer>1</answer>", 1.0),
        ("answer_is", "the answer is 1", 0.9),
        ("answer_colon", "Answer: 1", 0.9),
        ("last_line", "Some thinking.\n1", 0.6),
        ("last_line", "1", 0.8),  # the whole response, no prose: nothing else could be the answer
        ("last_line", "So we get\nforty two apples", 0.5),  # a line of prose taken whole
    ],
)
def test_confidence_by_source(source, completion, confidence):
    got = extract_answer(completion)
    assert got.source == source and got.confidence == confidence


CONFLICTS = [
    ("\\boxed{3} ... and so \\boxed{4}", True, ("3", "4"), "two different boxes"),
    ("<answer>A</answer> or maybe <answer>B</answer>", True, ("A", "B"), "two different tags"),
    ("\\boxed{3} so again \\boxed{ 3 }.", False, ("3",), "identical repeats are fine"),
    ("\\boxed{\\dfrac{1}{2}} i.e. \\boxed{\\frac{1}{2}}", False, ("\\dfrac{1}{2}",), "light normalisation merges dfrac"),
]


@pytest.mark.parametrize(("completion", "conflict", "candidates", "reason"), CONFLICTS, ids=[c[3] for c in CONFLICTS])
def test_conflicts(completion, conflict, candidates, reason):
    got = extract_answer(completion)
    assert got.conflict is conflict, reason
    assert got.candidates == candidates


HEDGES = [
    ("The answer is 3 or 4.", True, "or between two answers"),
    ("\\boxed{either A or B}", True, "either"),
    ("Answer: maybe 5", True, "maybe"),
    ("\\boxed{3/4?}", True, "question mark at the end"),
    ("\\boxed{x = 1 \\text{ or } x = 2}", True, "or in LaTeX text"),
    ("Answer: 34", False, "no hedge"),
    ("Answer: oregon", False, "'or' inside a word is no hedge"),
    ("Answer: or", False, "'or' alone at an edge is no hedge"),
]


@pytest.mark.parametrize(("completion", "hedged", "reason"), HEDGES, ids=[h[2] for h in HEDGES])
def test_hedges(completion, hedged, reason):
    assert extract_answer(completion).hedged is hedged, reason


@pytest.mark.parametrize(
    ("completion", "reason_part"),
    [
        ("x" * 300_000, "too long"),
        ("a\x00b", "null bytes"),
        ("a\ud800b", "surrogate"),
        ("\\boxed{1}" * 65, "too many"),
        ("\\boxed{" + "{" * 100 + "1" + "}" * 101, "too deep"),
        ("<answer>1</answer>" * 65, "too many answer tags"),
    ],
)
def test_invalid_inputs(completion, reason_part):
    got = extract_answer(completion)
    assert got.invalid and got.answer is None and got.source == "none"
    assert reason_part in got.reason


def test_limits_are_overridable():
    assert not extract_answer("\\boxed{1}" * 65, Limits(max_boxed=100)).invalid
    assert extract_answer("\\boxed{1}" * 5, Limits(max_boxed=4)).invalid
    assert extract_answer("x" * 20, Limits(max_completion_chars=10)).invalid


def test_no_answer():
    got = extract_answer("   \n\n  ")
    assert got.answer is None and got.source == "none" and got.confidence == 0.0 and not got.invalid


def test_long_last_line_is_not_an_answer():
    assert extract_answer("word " * 1000).answer is None


def test_marker_value_longer_than_limit_is_not_truncated_into_a_short_answer():
    got = extract_answer("Answer: " + "9" * 5000, Limits(max_answer_chars=100))
    assert len(got.answer) > 100  # over the limit: the verifier rejects it rather than comparing a prefix


class TestFindBoxed:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("\\boxed{a} \\boxed{b}", ["a", "b"]),
            ("\\boxed{\\frac{1}{\\sqrt{2}}}", ["\\frac{1}{\\sqrt{2}}"]),
            ("\\boxed{a \\} b}", ["a \\} b"]),
            ("\\boxed{unclosed", []),
            ("\\boxed{ \\boxed{3}", ["3"]),
            ("\\boxedx{3}", []),
            ("} } \\boxed{1}", ["1"]),
            ("\\\\{\\boxed{2}}", ["2"]),
        ],
    )
    def test_cases(self, text, expected):
        assert find_boxed(text) == expected

    def test_count_limit(self):
        with pytest.raises(LimitExceeded):
            find_boxed("\\boxed{1}" * 3, max_count=2)

    def test_depth_is_relative_to_the_box(self):
        assert find_boxed("{" * 100 + "\\boxed{1}", max_depth=4) == ["1"]
        with pytest.raises(LimitExceeded):
            find_boxed("\\boxed{{{{{{1}}}}}}", max_depth=4)


def test_find_answer_tags():
    assert find_answer_tags("<answer>1</answer> x <Answer>2</ANSWER> <answer>3") == ["1", "2"]
    assert find_answer_tags("<answer><answer>5</answer></answer>") == ["5"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("**12**.", "12"),
        ("$\\frac{1}{2}$", "\\frac{1}{2}"),
        ("$$x^2$$", "x^2"),
        ("\\(3\\)", "3"),
        ("`B`", "B"),
        ("\\text{12 cm}", "12 cm"),
        ("\\text{a} + \\text{b}", "\\text{a} + \\text{b}"),
        ("3.", "3"),
        ("2*3", "2*3"),
    ],
)
def test_clean_answer(raw, clean):
    assert clean_answer(raw) == clean


def test_detect_hedge_names_the_marker():
    assert detect_hedge("3 or 4") == "or"
    assert detect_hedge("perhaps 4") == "perhaps"
    assert detect_hedge("4?") == "question mark"
    assert detect_hedge("42") is None


def test_marker_inside_reasoning_is_not_the_answer():
    # "the answer is 5</think>" once extracted "5</think>"; now the reasoning is never searched at all
    got = extract_answer("<think>the answer is 5</think>\nok")
    assert (got.answer, got.source) == ("ok", "last_line")
    got = extract_answer("<think>the answer is 4</think>\nThe answer is 5.")
    assert (got.answer, got.source) == ("5", "answer_is")
