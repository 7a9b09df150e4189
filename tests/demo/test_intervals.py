"""`hymar.demo.intervals` (bootstrap over test rows and seeds) and the gate's pure parts."""

from __future__ import annotations

import random

import pytest

from hymar.demo.gate import guess_pass_at, judge
from hymar.demo.intervals import accuracy_intervals, correctness_table


def _generations(correct: list[bool], domain: str = "counting") -> list[dict]:
    return [{"id": f"r{i}", "domain": domain, "correct": c} for i, c in enumerate(correct)]


def _table(correct: list[bool]) -> dict:
    return correctness_table(_generations(correct))


def test_open_ended_rows_are_left_out():
    table = correctness_table([{"id": "a", "domain": "describe", "correct": None}, {"id": "b", "domain": "chart", "correct": True}])
    assert table == {"chart": {"b": True}}


def test_interval_contains_the_mean_and_narrows_with_more_rows():
    rng = random.Random(0)
    small = [rng.random() < 0.6 for _ in range(50)]
    large = [rng.random() < 0.6 for _ in range(800)]
    a = accuracy_intervals({"base": [_table(small)]}, baseline="base")["base"]["overall"]
    b = accuracy_intervals({"base": [_table(large)]}, baseline="base")["base"]["overall"]
    assert a["low"] <= a["mean"] <= a["high"] and b["low"] <= b["mean"] <= b["high"]
    assert (b["high"] - b["low"]) < (a["high"] - a["low"]) / 2


def test_a_policy_identical_to_the_base_has_a_zero_gain_interval():
    # paired resampling: the same rows for both, so identical answers give exactly zero gain
    rng = random.Random(1)
    rows = [rng.random() < 0.5 for _ in range(200)]
    out = accuracy_intervals({"base": [_table(rows)], "same": [_table(rows)]}, baseline="base")
    assert out["same"]["overall"]["gain_low"] == out["same"]["overall"]["gain_high"] == 0.0


def test_a_clear_gain_excludes_zero_and_a_noisy_one_does_not():
    rng = random.Random(2)
    base = [rng.random() < 0.4 for _ in range(400)]
    better = [b or rng.random() < 0.4 for b in base]  # fixes ~40% of the wrong rows: about +24 points
    noisy = [rng.random() < 0.4 for _ in base]  # as good as the base, right on other rows
    out = accuracy_intervals({"base": [_table(base)], "better": [_table(better)], "noisy": [_table(noisy)]}, baseline="base")
    assert out["better"]["overall"]["gain_low"] > 0.15
    assert out["noisy"]["overall"]["gain_low"] < 0 < out["noisy"]["overall"]["gain_high"]


def test_seed_spread_widens_the_interval():
    rng = random.Random(3)
    rows = 300
    base = [rng.random() < 0.5 for _ in range(rows)]
    steady = [[rng.random() < 0.7 for _ in range(rows)] for _ in range(3)]
    # one seed far worse than the others: resampling seeds must show it
    spread = [[rng.random() < 0.9 for _ in range(rows)], [rng.random() < 0.9 for _ in range(rows)], [rng.random() < 0.3 for _ in range(rows)]]
    out = accuracy_intervals({"base": [_table(base)], "steady": [_table(s) for s in steady], "spread": [_table(s) for s in spread]}, baseline="base")
    width = {k: out[k]["overall"]["high"] - out[k]["overall"]["low"] for k in ("steady", "spread")}
    assert width["spread"] > 2 * width["steady"]


def test_per_domain_keys():
    gens = _generations([True, False] * 10, "counting") + [{"id": f"c{i}", "domain": "chart", "correct": i % 3 == 0} for i in range(12)]
    out = accuracy_intervals({"base": [correctness_table(gens)]}, baseline="base")["base"]
    assert set(out) == {"overall", "chart", "counting"}
    assert out["counting"]["mean"] == pytest.approx(0.5)


def test_guessing_pass_at_k():
    assert guess_pass_at(1, 4) == pytest.approx(0.25)
    assert guess_pass_at(8, 5) == pytest.approx(1 - 0.8**8)


def test_judge_counts_first_mean_and_pass():
    rows = [
        {"answer": "3", "task": "counting", "prompt": "How many shapes are there?", "domain": "counting"},
        {"answer": "B", "task": "choice", "prompt": "Which?\nA. red\nB. blue", "domain": "choice"},
        {"answer": None, "task": "open", "prompt": "Describe.", "domain": "describe"},
    ]
    completions = [
        "<answer>3</answer>", "<answer>4</answer>",
        "<answer>A</answer>", "<answer>A</answer>",
        "<answer>a red circle</answer>", "<answer>x</answer>",
    ]
    out = judge(rows, completions, samples=2)
    assert out["counting"] == {"first": 1.0, "mean": 0.5, "pass": 1.0, "n": 1}
    assert out["choice"]["pass"] == 0.0 and "describe" not in out
