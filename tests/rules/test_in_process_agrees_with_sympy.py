"""Differential test: what the verifier now decides in process (tuples, lists and matrices item by
item with the numeric identity test, unions of intervals, ``\\pm``, products of functions, n-th
roots, division by zero) must be what the sandboxed sympy worker says about the same pair.

These rules exist for speed (issue 10: the worker is where the cold time went); a rule that is fast
but disagrees with the symbolic path would change verdicts, so every pair below is asked twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hymar.rewards.rules.answer_type import infer_answer_type, normalize_task
from hymar.rewards.rules.extract import extract_answer
from hymar.rewards.rules.limits import Limits
from hymar.rewards.rules.math import jobs, warm_up
from hymar.rewards.rules.math.identity import numeric_first
from hymar.rewards.rules.math.worker import symbolic_compare
from hymar.rewards.rules.sandbox import shared_runner

LABELLED = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "answer_equivalence.jsonl"

# (pred, gold) per class the in-process rules cover; both verdicts of each class appear.
CLASS_PAIRS = [
    # tuples and lists whose items are expressions
    ("(\\frac{1}{\\sqrt{2}}, 2)", "(\\frac{\\sqrt{2}}{2}, 2)"),
    ("(\\frac{1}{\\sqrt{3}}, 2)", "(\\frac{\\sqrt{2}}{2}, 2)"),
    ("(x^2 + 2x + 1, 3)", "((x+1)^2, 3)"),
    ("(x^2 + 2x + 2, 3)", "((x+1)^2, 3)"),
    ("2\\sqrt{2}, 3\\sqrt{3}", "\\sqrt{8}, \\sqrt{27}"),
    ("2\\sqrt{2}, 3\\sqrt{2}", "\\sqrt{8}, \\sqrt{27}"),
    ("x = 10^{\\frac{\\sqrt{13} - 5}{6}}", "x = 10^{\\frac{-5+\\sqrt{13}}{6}}"),
    # one item certainly different decides the tuple
    ("(\\frac{1}{\\sqrt{2}}, 3)", "(\\frac{\\sqrt{2}}{2}, 2)"),
    # matrices with expression cells
    ("\\begin{pmatrix}\\frac{1}{3x^{2/3}}&0\\\\0&1\\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{3\\sqrt[3]{x}^2}&0\\\\0&1\\end{pmatrix}"),
    ("\\begin{pmatrix}\\frac{1}{3x^{2/3}}&0\\\\0&2\\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{3\\sqrt[3]{x}^2}&0\\\\0&1\\end{pmatrix}"),
    ("\\begin{pmatrix}\\frac{1}{2x^{2/3}}&0\\\\0&1\\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{3\\sqrt[3]{x}^2}&0\\\\0&1\\end{pmatrix}"),
    # unions of intervals: order, constant ends, shared open ends
    ("(1, \\infty) \\cup (-\\infty, -1)", "(-\\infty, -1) \\cup (1, \\infty)"),
    ("(1, \\infty) \\cup (-\\infty, -2)", "(-\\infty, -1) \\cup (1, \\infty)"),
    ("[-1, -\\frac12) \\cup (-\\frac12, 0) \\cup (0, 1)", "[-1, -\\frac{1}{2}) \\cup (-\\frac{1}{2}, 0) \\cup (0, 1)"),
    ("(-1, -\\frac12) \\cup (-\\frac12, 0) \\cup (0, 1)", "[-1, -\\frac{1}{2}) \\cup (-\\frac{1}{2}, 0) \\cup (0, 1)"),
    ("(2,12) \\cup (12,102)", "(2, 12) \\cup (12, 102)"),
    ("(2,12) \\cup (12,103)", "(2, 12) \\cup (12, 102)"),
    ("(-\\sqrt{2}, 0) \\cup (\\sqrt{2}, \\infty)", "(\\sqrt{2}, \\infty) \\cup (-\\sqrt{2}, 0)"),
    # plus-minus
    ("\\pm 2", "\\{-2, 2\\}"),
    ("\\pm 3", "\\{-2, 2\\}"),
    ("1 \\pm \\sqrt{19}", "1 - \\sqrt{19}, 1 + \\sqrt{19}"),
    ("1 \\pm \\sqrt{10}", "1 \\pm \\sqrt{19}"),
    # a tuple of names assigned a tuple
    ("(3,2)", "(p,q)=(3,2)"),
    ("(3,5)", "(p,q)=(3,2)"),
    ("(p, q, r) = (3, 2, 7)", "(3,2,7)"),
    # an equation stating a value, against a numeric gold
    ("a + b = 12", "12"),
    ("a + b = 13", "12"),
    ("x + y = \\frac{3}{2}", "1.5"),
    # products of functions, n-th roots, division by zero
    ("1 \\sin b \\cos a", "2 \\sin b \\cos a"),
    ("\\sin b \\cos a", "\\cos a \\sin b"),
    ("\\sqrt[3]{8}", "2"),
    ("\\sqrt[3]{3}", "\\sqrt{3}"),
    ("\\frac{4}{0}", "\\frac{3}{4}"),
    ("\\ln 2 + \\ln 0", "\\ln 6"),
]


def _shift_last_digit(text: str, k: int) -> str:
    for i in range(len(text) - 1, -1, -1):
        if text[i].isdigit():
            return text[:i] + str((int(text[i]) + k) % 10) + text[i + 1 :]
    return text


def _labelled_pairs() -> list[tuple[str, str]]:
    """The labelled set's math answers and, for each, one with its last digit changed (a wrong
    rollout), extracted as the verifier extracts them."""
    pairs = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if (normalize_task(row.get("task")) or infer_answer_type(row["gold"])) != "math":
            continue  # choices, yes/no and text are not compared by the math path
        answer = extract_answer(row["completion"], Limits()).answer
        if answer:
            pairs += [(answer, row["gold"]), (_shift_last_digit(answer, 3), row["gold"])]
    return pairs


def _in_process(pred: str, gold: str) -> bool | None:
    """The in-process verdict (fast path, then the numeric identity test), None when only the
    worker can decide."""
    prepared = jobs._prepare(pred, gold, 1e-6)
    if not isinstance(prepared, jobs._Job):
        return prepared.equal
    verdict = numeric_first(*prepared.key)
    if verdict is None:
        return None
    return jobs._verdict_to_comparison(verdict, prepared).equal


def _sympy(pred: str, gold: str) -> bool | None:
    """The worker's verdict on the same normalised pair, with the in-process rules bypassed."""
    pair = jobs.normalised_pair(pred, gold)
    if not isinstance(pair, tuple):
        return pair.equal
    job = jobs._symbolic_job(*pair, 1e-6)
    if not isinstance(job, jobs._Job):
        return job.equal
    outcome = shared_runner().run(symbolic_compare, *job.key, timeout=10.0)
    if not outcome.ok:
        return None
    return jobs._verdict_to_comparison(str(outcome.value), job).equal


@pytest.fixture(scope="module", autouse=True)
def _workers() -> None:
    assert warm_up(60.0), "sandbox workers did not start"


@pytest.mark.parametrize(("pred", "gold"), CLASS_PAIRS)
def test_each_class_is_decided_in_process_as_sympy_decides(pred: str, gold: str) -> None:
    fast = _in_process(pred, gold)
    assert fast is not None, "expected the in-process rules to decide this pair"
    assert fast == _sympy(pred, gold)


def test_in_process_verdicts_on_the_labelled_set_agree_with_sympy() -> None:
    """Every structured or symbolic pair of the labelled set (and its wrong twin) that is decided in
    process: the worker agrees wherever it decides too."""
    checked, disagree = 0, []
    for pred, gold in _labelled_pairs():
        prepared = jobs._prepare(pred, gold, 1e-6)
        method = getattr(prepared, "method", "job")
        if method not in ("structure", "numeric_identity", "job"):
            continue  # plain numbers, units, text: not what the new rules touch
        fast = _in_process(pred, gold)
        if fast is None:
            continue
        slow = _sympy(pred, gold)
        if slow is None:
            continue
        checked += 1
        if fast != slow:
            disagree.append((pred, gold, fast, slow))
    print(checked)
    assert checked >= 40, checked
    assert not disagree, disagree
