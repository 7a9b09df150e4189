"""Verifier defects found by `hymar probe` (issue 12): a completion that does not commit to the gold
must not be read as the gold. Each case failed before the fix; the 'kept' cases guard the fix."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.verifier import verify

PROMPT = "What colour is the shape?\nA. blue\nB. green\nC. purple\nD. red\nAnswer with the option's letter."

WRONG = [
    ("<answer><answer>5</answer> 6</answer>", "5", None, "nested answer tags: which one is final is undefined"),
    ("<think>r</think><answer>x<answer>5</answer></answer>", "5", None, "the gold nested inside another answer"),
    ("<answer>C. Actually, A.</answer>", "C", PROMPT, "a late contradiction after a labelled letter"),
    ("<answer>A. blue\nB. green\nC. purple\nD. red</answer>", "A", PROMPT, "every option line copied"),
    ("<answer>B. green, or D</answer>", "B", PROMPT, "a second letter after the labelled one"),
]
KEPT = [
    ("<answer>5</answer>", "5", None, "one answer section"),
    ("<think>x</think><answer>5</answer>", "5", None, "reasoning then one answer"),
    ("<think>try <answer>4</answer></think><answer>5</answer>", "5", None, "a tag inside the reasoning is not the answer"),
    ("<answer>C. purple</answer>", "C", PROMPT, "the letter with its option text"),
    ("<answer>A. blue</answer>", "A", PROMPT, "the first option with its text"),
    ("<answer>(B) A green shape</answer>", "B", PROMPT, "'A' as an article after the letter is no second letter"),
]


@pytest.mark.parametrize("completion, gold, prompt, why", WRONG)
def test_not_the_gold(completion, gold, prompt, why):
    score = verify(completion, gold, prompt=prompt)
    assert score.valid and score.value == 0.0, (why, score)


@pytest.mark.parametrize("completion, gold, prompt, why", KEPT)
def test_still_right(completion, gold, prompt, why):
    assert verify(completion, gold, prompt=prompt).value == 1.0, why
