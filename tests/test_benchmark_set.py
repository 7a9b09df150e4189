"""Validates the labelled answer-equivalence set (benchmarks/data/answer_equivalence.jsonl) and, as a
slow test, that hymar's rule verifier agrees with its labels."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "answer_equivalence.jsonl"
BENCH = ROOT / "benchmarks" / "bench_verifiers.py"

REQUIRED = {"id": str, "category": str, "completion": str, "gold": str, "correct": bool, "note": str}
OPTIONAL = {"task": (str, type(None)), "prompt": str}
TASKS = {None, "math", "choice", "yesno", "counting", "text"}
MIN_CASES = 320
MIN_PER_CATEGORY = 15
MIN_AGREEMENT = 1.0  # every label; a miss is a bug to fix as a general rule, never a label to change
# Cases whose completion is deliberately empty (the model produced nothing): a wrong answer.
EMPTY_OK = {"ext-010"}


def _rows() -> list[dict]:
    with DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _rows()


@functools.cache
def _bench_module():
    """Load benchmarks/bench_verifiers.py (not a package) to reuse its loader and verdict rule."""
    name = "hymar_bench_verifiers"
    spec = importlib.util.spec_from_file_location(name, BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


class TestFileShape:
    def test_every_line_is_a_json_object(self):
        # a blank or malformed line would be silently skipped by a lenient reader
        for n, line in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1):
            assert line.strip(), f"line {n} is blank"
            assert isinstance(json.loads(line), dict), f"line {n} is not an object"

    def test_enough_cases(self, rows):
        assert len(rows) >= MIN_CASES

    def test_ids_unique_and_well_formed(self, rows):
        ids = [r["id"] for r in rows]
        dupes = [i for i, n in Counter(ids).items() if n > 1]
        assert not dupes, f"duplicate ids: {dupes}"
        bad = [i for i in ids if not re.fullmatch(r"[a-z]+-\d{3}", i)]
        assert not bad, f"ids not of the form prefix-NNN: {bad}"

    def test_required_fields_and_types(self, rows):
        for r in rows:
            for key, typ in REQUIRED.items():
                assert key in r, f"{r.get('id')}: missing {key}"
                assert isinstance(r[key], typ), f"{r['id']}: {key} should be {typ.__name__}"
            for key, typ in OPTIONAL.items():
                if key in r:
                    assert isinstance(r[key], typ), f"{r['id']}: {key} has type {type(r[key]).__name__}"
            unknown = set(r) - set(REQUIRED) - set(OPTIONAL)
            assert not unknown, f"{r['id']}: unknown fields {unknown}"

    def test_values_are_meaningful(self, rows):
        for r in rows:
            assert r["gold"].strip(), f"{r['id']}: empty gold"
            assert r["note"].strip(), f"{r['id']}: every label needs a reason"
            assert r["task"] in TASKS, f"{r['id']}: unknown task {r['task']!r}"
            if "prompt" in r:
                assert r["prompt"].strip(), f"{r['id']}: empty prompt (omit the field instead)"
            if r["id"] not in EMPTY_OK:
                assert r["completion"].strip(), f"{r['id']}: empty completion"
        assert all(not r["correct"] for r in rows if r["id"] in EMPTY_OK), "an empty completion cannot be correct"


class TestCoverage:
    def test_each_category_has_enough_cases_and_both_labels(self, rows):
        by_cat: dict[str, list[bool]] = defaultdict(list)
        for r in rows:
            by_cat[r["category"]].append(r["correct"])
        for cat, labels in by_cat.items():
            assert len(labels) >= MIN_PER_CATEGORY, f"{cat}: only {len(labels)} cases"
            assert any(labels) and not all(labels), f"{cat}: needs both correct and incorrect cases"

    def test_labels_roughly_balanced(self, rows):
        # a set of mostly-correct cases would reward a verifier that says "correct" to everything
        share = sum(r["correct"] for r in rows) / len(rows)
        assert 0.4 <= share <= 0.6, f"share labelled correct = {share:.2f}"

    def test_good_share_without_task_tag(self, rows):
        # the verifier must infer the answer type from the gold in these
        share = sum(r["task"] is None for r in rows) / len(rows)
        assert share >= 0.3, f"only {share:.0%} of cases have no task tag"

    def test_choice_option_text_cases_carry_their_options(self, rows):
        # an option-text answer can only be judged against options stated in the prompt
        for r in rows:
            if r["category"] == "multiple_choice" and not re.fullmatch(r"[A-E]", r["gold"]):
                assert "prompt" in r, f"{r['id']}: option-text gold without options"

    def test_all_answer_forms_present(self, rows):
        text = [r["completion"] for r in rows]
        for marker in ("<answer>", "\\boxed{", "The answer is", "**Answer:**", "Final answer:"):
            assert sum(marker in t for t in text) >= 20, f"too few completions using {marker!r}"


class TestBenchLoader:
    def test_loader_reads_every_case(self, rows):
        bench = _bench_module()
        cases = bench.load_cases(DATA)
        assert [c.id for c in cases] == [r["id"] for r in rows]
        assert sum(c.correct for c in cases) == sum(r["correct"] for r in rows)

    @pytest.mark.parametrize(
        "result, expected, reason",
        [
            (1.0, True, "a bare value of 1.0 is a correct verdict"),
            (0.0, False, "a bare value of 0.0 is an incorrect verdict"),
            (None, False, "no value (not applicable) is not a correct verdict"),
        ],
    )
    def test_verdict_rule_on_plain_values(self, result, expected, reason):
        assert _bench_module().is_judged_correct(result) is expected, reason

    def test_verdict_rule_on_scores(self):
        from hymar.rewards.types import Score

        bench = _bench_module()
        assert bench.is_judged_correct(Score(1.0)) is True
        assert bench.is_judged_correct(Score(0.5, confidence=0.5)) is False, "partial credit is not 'correct'"
        assert bench.is_judged_correct(Score.invalid("timeout")) is False, "invalid counts as judged incorrect"

    def test_grpo_groups_mix_categories(self):
        bench = _bench_module()
        groups = bench.grpo_cases(bench.load_cases(DATA))
        assert len(groups) == 16 and all(len(g) == 16 for g in groups)
        assert len({c.id for g in groups for c in g}) == 256, "no case used twice"
        assert all(len({c.category for c in g}) >= 8 for g in groups), "each group should mix answer kinds"


@pytest.mark.slow
def test_hymar_verifier_agrees_with_labels():
    bench = _bench_module()
    cases = bench.load_cases(DATA)
    verifier = bench.make_hymar()
    report = bench.accuracy_report(cases, verifier.judge(cases))
    wrong = [f"{d['id']} (label {d['label']}): {d['detail'][:80]}" for d in report["disagreements"]]
    assert report["accuracy"] >= MIN_AGREEMENT, (
        f"hymar agrees with {report['accuracy']:.1%} of labels; disagreements:\n" + "\n".join(wrong)
    )
