"""ANLS (DocVQA's official metric): hand-computed cases of the definition, the reward component and
DocVQA's grading in `hymar eval`."""

from __future__ import annotations

import json

import pytest

from hymar.data.benchmarks.grading import Grading, grading_from_metadata
from hymar.rewards.anls import ANLSReward, anls, levenshtein, similarity
from hymar.rewards.registry import build_component
from hymar.rewards.types import Sample


@pytest.mark.parametrize(
    "a, b, expected",
    [("kitten", "sitting", 3), ("", "abc", 3), ("abc", "abc", 0), ("flaw", "lawn", 2), ("a", "", 1), ("ab", "ba", 2)],
)
def test_levenshtein(a, b, expected):
    assert levenshtein(a, b) == expected == levenshtein(b, a)


@pytest.mark.parametrize(
    "gold, prediction, expected, why",
    [
        ("ITC Limited", "ITC Limited", 1.0, "identical"),
        ("ITC Limited", "itc   limited ", 1.0, "case and whitespace runs are normalised"),
        ("ITC Limited", "itc limted", 1 - 1 / 11, "one deletion, max length 11"),
        ("1/29/98", "1/29/99", 1 - 1 / 7, "one substitution in 7 characters"),
        ("abcd", "abxy", 0.0, "NL = 2/4 = 0.5 is not < 0.5: 0"),
        ("abcde", "abxye", 1 - 2 / 5, "NL = 0.4 < 0.5: 0.6"),
        ("Tobacco Institute", "ITC Limited", 0.0, "unrelated: NL > 0.5"),
        ("yes", "", 0.0, "empty prediction: NL = 1"),
        ("", "", 1.0, "both empty"),
    ],
)
def test_similarity_by_hand(gold, prediction, expected, why):
    assert similarity(gold, prediction) == pytest.approx(expected), why


def test_best_of_several_answers():
    # 2:30 pm vs "2.30 pm": 1 substitution / 7; vs "14:30": NL = 5/7 >= 0.5 -> 0
    assert anls(["14:30", "2:30 pm"], "2.30 pm") == pytest.approx(1 - 1 / 7)
    assert anls([], "x") == 0.0


def test_dataset_average_by_hand():
    # three questions: exact (1), one edit in 10 characters (0.9), too far (0): ANLS = 1.9 / 3
    cases = [(["Washington"], "washington"), (["Washington"], "Washingtan"), (["Washington"], "Paris")]
    assert sum(anls(g, p) for g, p in cases) / 3 == pytest.approx(1.9 / 3)


class TestComponent:
    def score(self, completion, answer="ITC Limited", metadata=None):
        return ANLSReward().score_one(Sample(completion=completion, answer=answer, metadata=metadata or {}))

    def test_reads_the_final_answer(self):
        s = self.score("<think>it says ITC</think><answer>ITC Limted</answer>")
        assert s.value == pytest.approx(1 - 1 / 11) and s.info["extracted"] == "ITC Limted"

    def test_grading_answers_are_golds(self):
        s = self.score("<answer>14.30</answer>", answer="2:30 pm", metadata={"grading": {"answers": ["2:30 pm", "14:30"]}})
        assert s.value == pytest.approx(1 - 1 / 5) and s.info["gold"] == "14:30"

    def test_hedge_scores_zero(self):
        assert self.score("<answer>ITC Limited or Wipro</answer>").value == 0.0

    def test_two_answers_score_the_weakest(self):
        assert self.score("\\boxed{Wipro} \\boxed{ITC Limited}").value == 0.0

    def test_no_gold_is_not_applicable(self):
        assert ANLSReward().score_one(Sample(completion="x")).value is None

    def test_registered(self):
        assert isinstance(build_component("anls", {"threshold": 0.4}), ANLSReward)
        with pytest.raises(ValueError, match="threshold"):
            ANLSReward(threshold=0)

    def test_passes_the_probe_on_text_answers(self):
        from hymar.probe import ProbeItem, run_probe

        names = ["ITC Limited", "Tobacco Institute", "Brown & Williamson", "Lorillard", "Philip Morris"]
        items = [ProbeItem(str(i), "docvqa", "text", "What is the company name?", n, None, names[(i + 1) % 5])
                 for i, n in enumerate(names)]  # fmt: skip
        result = run_probe({"components": {"anls": {"weight": 1.0}}}, items)
        # lookalike characters are wrong characters: ANLS gives them a near miss's partial credit by
        # definition (3 of 11 characters in "ITC Limited": 0.73), so that one is reported, not hidden
        assert [e.name for e in result.flagged] == ["confusables"], [(e.name, e.margin) for e in result.flagged]
        zero_width = next(e for e in result.exploits if e.name == "zero_width_hedge")
        assert zero_width.reward == 0.0  # "X\u200bor\u200bY" is read as the hedge "X or Y"


class TestDocVQAGrading:
    def test_mapper_asks_for_anls(self):
        from hymar.data.benchmarks.docvqa import example_rows, map_row

        raw = example_rows()[0]
        row = map_row({"id": raw["questionId"], "prompt": raw["question"], "answer": raw["answers"], **raw})
        assert row["grading"].metric == "anls"

    def test_metric_round_trips_through_metadata(self):
        g = Grading(answers=("a",), metric="anls")
        assert grading_from_metadata(json.dumps({"grading": g.to_dict()})).metric == "anls"
        assert grading_from_metadata(json.dumps({"grading": Grading().to_dict()})).metric == "match"
        with pytest.raises(ValueError, match="metric"):
            Grading(metric="bleu")

    def test_eval_reports_anls_next_to_accuracy(self):
        from hymar.eval.evaluate import score_generations

        grading = Grading(answers=("ITC Limited", "itc limited"), metric="anls").to_dict()
        rows = [{"id": str(i), "domain": "layout", "task": "text", "prompt": "Company?", "answer": "ITC Limited",
                 "metadata_json": json.dumps({"grading": grading})} for i in range(3)]  # fmt: skip
        completions = ["<answer>ITC Limited</answer>", "<answer>ITC Limted</answer>", "<answer>Wipro</answer>"]
        result = score_generations(rows, completions)
        assert [g["anls"] for g in result.generations] == pytest.approx([1.0, 1 - 1 / 11, 0.0])
        assert result.domains["layout"].anls == pytest.approx((2 - 1 / 11) / 3)
        assert "ANLS" in result.to_markdown()
        assert result.to_dict()["overall"]["anls"] == pytest.approx((2 - 1 / 11) / 3)
