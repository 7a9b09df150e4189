"""FormatAspect: reasoning + answer structure with partial credit."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import FormatAspect
from hymar.rewards.types import Sample


def _score(completion: str, **kwargs):
    return FormatAspect(**kwargs).score_one(Sample(prompt="Q?", completion=completion))


# think_answer has 8 sub-checks, so each failed check costs 1/8.
THINK_ANSWER = [
    ("<think>Add them.</think><answer>4</answer>", [], "perfect"),
    ("  <think>Add them.</think>\n<answer>4</answer>\n", [], "surrounding whitespace is fine"),
    ("<think>Add.</think><answer>4</answer> Hope this helps!", ["nothing_after_answer"], "trailing text"),
    ("<think>Add.</think><answer>4</answer><answer>5</answer>", ["one_answer"], "two answers, nothing after the last"),
    ("<think></think><answer>4</answer>", ["reasoning_nonempty"], "empty reasoning"),
    ("<think>Add.</think>The answer: <answer>4</answer>", ["answer_follows_think"], "text between the sections"),
    ("Sure! <think>Add.</think><answer>4</answer>", ["starts_with_think"], "text before think"),
    ("<think>Add.</think><answer> </answer>", ["answer_nonempty"], "empty answer"),
    ("<think>Add.</think>4", ["has_answer", "one_answer", "answer_follows_think", "answer_nonempty", "nothing_after_answer"], "no answer section"),
    ("<answer>4</answer><think>Add.</think>", ["starts_with_think", "answer_follows_think", "nothing_after_answer"], "wrong order"),
    ("4", ["starts_with_think", "one_think", "reasoning_nonempty", "has_answer", "one_answer", "answer_follows_think", "answer_nonempty", "nothing_after_answer"], "no structure"),
]


@pytest.mark.parametrize(("completion", "failed", "reason"), THINK_ANSWER, ids=[t[2] for t in THINK_ANSWER])
def test_think_answer_partial_credit(completion, failed, reason):
    score = _score(completion)
    assert score.info["failed"] == failed
    assert score.value == pytest.approx((8 - len(failed)) / 8)


def test_trailing_text_example_from_brief():
    # reason: the brief's example: two answers and text after </answer> fail exactly those checks
    score = _score("<think>r</think><answer>1</answer><answer>2</answer> bye")
    assert score.info["failed"] == ["one_answer", "nothing_after_answer"]


def test_strict_gives_one_or_zero():
    assert _score("<think>r</think><answer>4</answer>", strict=True).value == 1.0
    assert _score("<think>r</think><answer>4</answer>!", strict=True).value == 0.0


def test_think_opened_in_prompt():
    # reason: chat templates that end the prompt with <think> produce completions without it
    ok = _score("Add them.</think><answer>4</answer>", think_opened_in_prompt=True)
    assert ok.value == 1.0 and len(ok.info["failed"]) == 0
    bad = _score("<think>Add.</think><answer>4</answer>", think_opened_in_prompt=True)
    assert bad.info["failed"] == ["one_think"]


BOXED = [
    (r"2 + 2 = 4, so the answer is \boxed{4}.", [], "perfect, closing period allowed"),
    (r"We get $\boxed{4}$", [], "inside math delimiters"),
    (r"\boxed{4}", ["reasoning_before_boxed"], "no reasoning"),
    (r"First \boxed{3}, then \boxed{4}", ["one_boxed"], "two boxes"),
    (r"So \boxed{4} is it.", ["boxed_at_end"], "text after the box"),
    (r"So \boxed{}", ["boxed_nonempty"], "empty box"),
    (r"So \boxed{4", ["boxed_balanced", "boxed_nonempty", "boxed_at_end"], "unclosed box"),
    ("The answer is 4.", ["has_boxed", "one_boxed", "boxed_balanced", "boxed_nonempty", "reasoning_before_boxed", "boxed_at_end"], "no box"),
]


@pytest.mark.parametrize(("completion", "failed", "reason"), BOXED, ids=[b[2] for b in BOXED])
def test_boxed_style(completion, failed, reason):
    score = _score(completion, style="boxed")
    assert score.info["failed"] == failed
    assert score.value == pytest.approx((6 - len(failed)) / 6)


ANSWER_TAG = [
    ("reasoning <answer>4</answer> more", [], "tag anywhere, text around is fine"),
    ("<answer>4</answer><answer>5</answer>", ["one_answer"], "two tags"),
    ("<answer></answer>", ["answer_nonempty"], "empty"),
    ("4", ["has_answer", "one_answer", "answer_nonempty"], "no tag"),
]


@pytest.mark.parametrize(("completion", "failed", "reason"), ANSWER_TAG, ids=[a[2] for a in ANSWER_TAG])
def test_answer_tag_style(completion, failed, reason):
    score = _score(completion, style="answer_tag")
    assert score.info["failed"] == failed
    assert score.value == pytest.approx((3 - len(failed)) / 3)


def test_custom_tags():
    score = _score("<reasoning>r</reasoning><final>4</final>", think_tag="reasoning", answer_tag="final")
    assert score.value == 1.0


def test_bad_config():
    with pytest.raises(ValueError, match="think_tag"):
        FormatAspect(think_tag="<think>")


def test_applies_whatever_the_prompt():
    # reason: the format reward is the policy's output contract, not a prompt constraint
    assert _score("").applies and _score("").value == 0.0
