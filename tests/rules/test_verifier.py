"""The verifier end to end: dispatch, scoring rules, confidence, info, and the AccuracyReward component."""

from __future__ import annotations

import pickle
import sys
import types

import pytest

from hymar.rewards.rules import verifier as verifier_module
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.limits import Limits
from hymar.rewards.rules.verifier import AccuracyReward, verify
from hymar.rewards.types import Sample, Score

MCQ = "Which is largest?\nA. 1\nB. 5\nC. 3\nD. black or white"


@pytest.fixture
def stub_math(monkeypatch):
    """Replace compare_math with a recorder: equal iff the strings match, undecided for 'UNDECIDED'."""
    calls = []

    def compare_math(pred, gold, *, tolerance=1e-6, timeout=1.0, percent_question=False):
        calls.append((pred, gold, tolerance))
        if gold == "UNDECIDED":
            return Comparison.undecided("gold unparseable", method="stub")
        same = pred.replace(" ", "") == gold.replace(" ", "") or {pred, gold} == {"0.5", "\\frac{1}{2}"}
        return Comparison(same, 0.9 if pred == "0.5" else 1.0, "stub")

    module = types.ModuleType("hymar.rewards.rules.math")
    module.compare_math = compare_math
    monkeypatch.setitem(sys.modules, "hymar.rewards.rules.math", module)
    return calls


# (completion, gold, task, prompt, value, reason)
NON_MATH = [
    ("<answer>C</answer>", "C", None, None, 1.0, "choice by inferred type"),
    ("The answer is (b).", "B", "mcq", None, 1.0, "choice by task tag"),
    ("Answer: 5", "B", "choice", MCQ, 1.0, "option text mapped through the prompt"),
    ("Answer: A or B", "B", None, MCQ, 0.0, "two letters are a hedge"),
    ("Answer: D. black or white", "D", None, MCQ, 1.0, "'or' inside an option text is legit"),
    ("\\boxed{Yes}", "yes", None, None, 1.0, "yes/no"),
    ("So, no.", "Yes", None, None, 0.0, "wrong yes/no"),
    ("There are\nseven apples", "7", "counting", None, 1.0, "count in words"),
    ("<answer>the Eiffel Tower</answer>", "Eiffel tower", None, None, 1.0, "text, normalised"),
    ("<answer>London</answer>", "Paris", None, None, 0.0, "wrong text"),
    ("<answer>black or white</answer>", "black or white", None, None, 1.0, "gold contains the hedge pattern"),
    ("<answer>maybe Paris</answer>", "Paris", None, None, 0.0, "hedge not in the gold"),
    ("<answer>B</answer><answer>C</answer>", "C", None, None, 0.0, "conflicting tags"),
    ("<answer>C</answer> ... <answer>(C)</answer>", "C", None, None, 1.0, "conflict of renderings that all equal the gold"),
]


@pytest.mark.parametrize(("completion", "gold", "task", "prompt", "value", "reason"), NON_MATH, ids=[c[5] for c in NON_MATH])
def test_non_math_cases(completion, gold, task, prompt, value, reason):
    score = verify(completion, gold, task=task, prompt=prompt)
    assert score.valid and score.value == value, (reason, score)


class TestScoringRules:
    def test_no_gold_is_not_applicable(self):
        for gold in (None, "", "   "):
            score = verify("\\boxed{1}", gold)
            assert score.valid and score.value is None

    def test_open_task_is_not_applicable(self):
        score = verify("A nice caption.", "a cat", task="caption")
        assert score.valid and score.value is None and score.info["answer_type"] == "open"

    def test_no_answer_is_wrong_not_invalid(self):
        score = verify("word " * 1000, "Paris")
        assert score.valid and score.value == 0.0 and score.confidence == 0.5
        assert score.info["reason"] == "no answer found"

    def test_bidi_in_answer_is_invalid(self):
        score = verify("<answer>\u202e42</answer>", "24")
        assert not score.valid and "bidi" in score.info["reason"]

    def test_bidi_in_reasoning_is_ignored(self):
        assert verify("hmm \u202e odd\n<answer>C</answer>", "C").value == 1.0

    def test_zero_width_in_answer_is_stripped(self):
        assert verify("<answer>Pa\u200bris</answer>", "Paris").value == 1.0

    def test_answer_too_long_is_invalid(self):
        score = verify("<answer>" + "x" * 2001 + "</answer>", "Paris")
        assert not score.valid and "answer too long" in score.info["reason"]

    @pytest.mark.parametrize(("completion", "part"), [("a\x00", "null"), ("\ud800", "surrogate"), ("x" * 300_000, "too long")])
    def test_bad_completion_is_invalid(self, completion, part):
        score = verify(completion, "C")
        assert not score.valid and part in score.info["reason"] and score.confidence == 0.0

    def test_bad_gold_is_invalid(self):
        assert not verify("<answer>C</answer>", "C\x00").valid

    def test_numeric_gold_as_number_is_accepted(self, stub_math):
        assert verify("<answer>12</answer>", 12).value == 1.0

    def test_too_many_boxes_is_invalid(self):
        score = verify("\\boxed{1}" * 100, "1")
        assert not score.valid and "too many" in score.info["reason"]

    def test_limits_override(self):
        assert verify("\\boxed{C}" * 100, "C", limits=Limits(max_boxed=200)).value == 1.0

    def test_info_fields(self):
        score = verify("Answer: C", "C")
        assert score.info["extracted"] == "C" and score.info["source"] == "answer_colon"
        assert score.info["method"] == "letter" and score.info["answer_type"] == "choice"

    def test_extracted_is_truncated_in_info(self):
        score = verify("<answer>" + "y" * 1000 + "</answer>", "Paris")
        assert len(score.info["extracted"]) == 200

    def test_confidence_is_extraction_times_comparison(self):
        # a match: the extraction's doubt counts half, (1 + 0.6) / 2 for the last line, x option text (0.9)
        score = verify("Some thinking.\n5", "B", prompt=MCQ)
        assert score.value == 1.0 and score.confidence == pytest.approx(0.72)
        # a wrong answer carries a confidence too: marker (0.9) x text mismatch (0.9)
        assert verify("Answer: London", "Paris").confidence == pytest.approx(0.81)

    def test_undecided_comparison_is_invalid(self):
        score = verify("<answer>yes</answer>", "Paris", task="yesno")
        assert not score.valid and score.value is None and "not a yes/no" in score.info["reason"]

    def test_internal_error_is_invalid_not_raised(self, monkeypatch):
        def boom(*args, **kwargs):
            raise RuntimeError("bug")

        monkeypatch.setattr(verifier_module, "extract_answer", boom)
        score = verify("\\boxed{1}", "C")
        assert not score.valid and score.info["reason"] == "internal error: RuntimeError"


class TestMathDispatch:
    """Dispatch to compare_math, with a stub so these run before/without the real math module."""

    def test_math_and_number_go_to_compare_math(self, stub_math):
        assert verify("\\boxed{x^2}", "x^2").value == 1.0
        assert verify("\\boxed{12}", "12", task="numeric", tolerance=1e-3).value == 1.0
        assert stub_math == [("x^2", "x^2", 1e-6), ("12", "12", 1e-3)]

    def test_undecided_math_is_invalid(self, stub_math):
        score = verify("\\boxed{1}", "UNDECIDED", task="math")
        assert not score.valid and score.info["reason"] == "gold unparseable"

    def test_text_task_with_numeric_gold_uses_math(self, stub_math):
        assert verify("<answer>42</answer>", "42", task="text").value == 1.0
        assert stub_math

    def test_count_falls_back_to_math_for_digits(self, stub_math):
        assert verify("<answer>7</answer>", "7", task="count").info["method"] == "count"
        assert not stub_math
        verify("<answer>7.5</answer>", "7", task="count")
        assert stub_math == [("7.5", "7", 1e-6)]

    def test_conflict_of_equal_renderings_is_right(self, stub_math):
        score = verify("\\boxed{\\frac{1}{2}} i.e. \\boxed{0.5}", "\\frac{1}{2}")
        assert score.value == 1.0 and score.confidence == pytest.approx(0.9)
        assert score.info["method"] == "all_candidates_equal"

    def test_conflict_of_different_values_is_wrong(self, stub_math):
        score = verify("\\boxed{3} then \\boxed{4}", "4")
        assert score.valid and score.value == 0.0 and score.info["method"] == "conflict"

    def test_many_conflicting_candidates_are_wrong_without_comparing(self, stub_math):
        score = verify("".join(f"\\boxed{{{i}}}" for i in range(5)), "4")
        assert score.value == 0.0 and not stub_math

    def test_hedge_is_wrong_before_comparing(self, stub_math):
        score = verify("The answer is maybe 4.", "4")
        assert score.value == 0.0 and score.info["method"] == "hedge" and not stub_math

    def test_or_hedge_compares_alternatives_until_one_differs(self, stub_math):
        # "3 or 4" could restate one value ("1/2, or 0.5"); the first alternative differing ends it
        score = verify("The answer is 3 or 4.", "4")
        assert score.value == 0.0 and score.info["method"] == "hedge"
        assert stub_math == [("3", "4", 1e-6)]

    def test_or_allowed_for_a_gold_listing_values(self, stub_math):
        assert verify("The answer is 3 or 4", "3, 4").info["method"] == "stub"
        assert verify("The answer is maybe 3", "3, 4").info["method"] == "hedge"

    def test_hedge_allowed_when_gold_has_it(self, stub_math):
        assert verify("\\boxed{x=1 \\text{ or } x=2}", "x=1 \\text{ or } x=2").value == 1.0


@pytest.fixture(scope="module")
def warm_math_workers():
    # the first symbolic call otherwise pays the worker start-up (sympy import) inside its 1 s budget,
    # which times out on a loaded machine
    from hymar.rewards.rules.math import warm_up

    assert warm_up(60.0), "symbolic workers did not start"


@pytest.mark.usefixtures("warm_math_workers")
class TestRealMath:
    """End to end with H2's compare_math."""

    CASES = [
        ("So the answer is \\boxed{\\frac{1}{2}}.", "0.5", 1.0, "fraction vs decimal"),
        ("\\boxed{12}", "12", 1.0, "integer"),
        ("\\boxed{13}", "12", 0.0, "wrong integer"),
        ("The answer is $1,234$.", "1234", 1.0, "thousands separator"),
        ("**Final Answer:** 12 m", "1200 cm", 1.0, "units"),
        ("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", 1.0, "symbolic"),
        ("\\boxed{x = 2}", "2", 1.0, "equation vs value"),
        ("\\boxed{[1, 3)}", "[1, 3]", 0.0, "interval ends differ"),
        ("\\boxed{x^2+2x+1}", "(x+1)^2", 1.0, "polynomial identity"),
        ("\\boxed{x = 1 \\text{ or } x = -1}", "1, -1", 1.0, "'or' joining a solution set"),
        ("The answer is 3 or 4.", "4", 0.0, "hedge between values"),
        ("\\boxed{x=2}, that is \\boxed{2}", "2", 1.0, "two renderings of one value"),
        ("<answer>seven</answer>", "7 apples", 1.0, "number words against a number gold"),
    ]

    @pytest.mark.parametrize(("completion", "gold", "value", "reason"), CASES, ids=[c[3] for c in CASES])
    def test_cases(self, completion, gold, value, reason):
        score = verify(completion, gold)
        assert score.valid and score.value == value, (reason, score)


class TestAccuracyReward:
    def test_scores_a_batch(self):
        reward = AccuracyReward()
        samples = [
            Sample(prompt="Pick one.\nA. cat\nB. dog", completion="Answer: dog", answer="B"),
            Sample(completion="<answer>no</answer>", answer="yes"),
            Sample(completion="anything", answer=None),
            Sample(completion="a nice caption", answer="x", task="caption"),
        ]
        scores = reward(samples)
        assert [s.value for s in scores] == [1.0, 0.0, None, None]
        assert all(isinstance(s, Score) for s in scores)

    def test_prompt_as_chat_messages(self):
        prompt = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Q\n(A) red\n(B) blue"}]}]
        [score] = AccuracyReward()([Sample(prompt=prompt, completion="<answer>blue</answer>", answer="B")])
        assert score.value == 1.0

    def test_picklable_and_named(self):
        reward = pickle.loads(pickle.dumps(AccuracyReward(tolerance=1e-4, max_boxed=8)))
        assert reward.name == "accuracy" and reward.tolerance == 1e-4 and reward.limits.max_boxed == 8
        assert reward([Sample(completion="\\boxed{C}" * 9, answer="C")])[0].valid is False

    def test_registry_builds_it(self):
        from hymar.rewards.registry import build_component

        assert isinstance(build_component("accuracy", {"tolerance": 1e-3}), AccuracyReward)

    def test_rejects_bad_args(self):
        with pytest.raises(ValueError):
            AccuracyReward(tolerance=-1)
        with pytest.raises(ValueError):
            AccuracyReward(max_boxed=0)
