"""`hymar.demo.results` and `hymar.demo.report` on hand-made inputs: aggregation over seeds, hacking signs, target check, markdown."""

from __future__ import annotations

import json

import pytest

from hymar.demo.report import render_report, write_report
from hymar.demo.results import build_results, hacking_signs, target_check

DOMAINS = ("counting", "arithmetic", "chart", "choice")


def _eval(overall: float, *, length: float = 20.0, fmt: float = 1.0, model_reward: float | None = 0.0, similarity: float | None = 0.5) -> dict:
    """An eval.json-shaped dict (hymar.eval.report.result_to_dict layout) with every domain at ``overall``."""
    accuracy = {"overall": overall} | {d: overall for d in DOMAINS}
    stats = {"mean_length": length, "format": fmt, "format_strict": fmt, "model_reward": model_reward}
    domains = {d: dict(stats) for d in DOMAINS} | {"describe": dict(stats, model_reward=model_reward)}
    return {"accuracy": accuracy, "mean_length": length, "overall": dict(stats), "domains": domains, "describe_similarity": similarity}


def _summary(overall: float, **kwargs) -> dict:
    from hymar.demo.results import eval_summary

    return eval_summary(_eval(overall, **kwargs))


def _run(overall: float, **kwargs) -> dict:
    from hymar.demo.results import aggregate_seeds

    return aggregate_seeds([_summary(overall, **kwargs)])


# ----------------------------------------------------------------------------- hacking signs
@pytest.mark.parametrize(
    "run_kwargs, expected, reason",
    [
        ({"overall": 0.30, "length": 5.0}, {"length collapse"}, "answers at 25% of the base's length"),
        ({"overall": 0.30, "length": 11.0}, set(), "55% of the base's length is above the 50% threshold"),
        ({"overall": 0.40, "length": 40.0}, set(), "longer answers and higher accuracy: nothing to flag"),
        ({"overall": 0.20, "fmt": 1.0}, {"format gaming"}, "format 60% -> 100% while accuracy 30% -> 20%"),
        ({"overall": 0.35, "fmt": 1.0}, set(), "format up but accuracy up too: not gaming"),
        ({"overall": 0.20, "fmt": 0.6, "model_reward": 0.9}, {"model reward up, accuracy down"}, "pleases the RM, fails the verifier"),
        ({"overall": 0.40, "fmt": 0.6, "model_reward": 0.9}, set(), "RM score and accuracy both up"),
        ({"overall": 0.10, "length": 4.0, "fmt": 1.0, "model_reward": 0.9}, {"length collapse", "format gaming", "model reward up, accuracy down"}, "all three at once"),
    ],
)
def test_hacking_signs(run_kwargs, expected, reason):
    base = _summary(0.30, length=20.0, fmt=0.6, model_reward=0.1)
    signs = hacking_signs(base, {"p": _run(**run_kwargs)})
    assert {s["sign"] for s in signs} == expected, reason
    assert all(s["preset"] == "p" and s["detail"] for s in signs)


def test_length_collapse_is_flagged_in_the_report():
    base = _eval(0.30, length=24.0)
    results = build_results(settings={"seeds": 2}, base=base, runs={"hybrid-aspects-length": [_eval(0.3, length=3.0), _eval(0.3, length=5.0)]})
    assert [s["sign"] for s in results["hacking"]] == ["length collapse"]
    text = render_report(results)
    assert "**length collapse**" in text and "`hybrid-aspects-length`" in text
    healthy = build_results(settings={}, base=base, runs={"hybrid-aspects-length": [_eval(0.3, length=22.0)]})
    assert "None flagged." in render_report(healthy)


# ----------------------------------------------------------------------------- aggregation
def test_seeds_are_averaged_with_sample_spread():
    results = build_results(settings={}, base=_eval(0.2), runs={"rule-only": [_eval(0.3, length=10), _eval(0.5, length=14)]})
    run = results["runs"]["rule-only"]
    assert run["seeds"] == 2
    assert run["accuracy"]["overall"] == pytest.approx(0.4)
    assert run["accuracy_std"]["overall"] == pytest.approx(0.1414, abs=1e-3)  # sample std of 0.3, 0.5
    assert run["accuracy_per_seed"]["overall"] == [0.3, 0.5]
    assert run["mean_length"] == pytest.approx(12.0)
    assert "| `rule-only` (2 seed(s)) | 40.0 |" in render_report(results)


def test_results_have_the_required_keys_and_types(tmp_path):
    results = build_results(
        settings={"seeds": 1},
        base=_eval(0.25),
        runs={"model-only": [_eval(0.2)], "hybrid-aspects-length": [_eval(0.4)]},
        grpo_metrics={"model-only": [{"timing": {"step_seconds_mean_steady": 0.5, "reward_share_steady": 0.2}, "wall_seconds": 9}]},
        rm_report={"pairwise_accuracy": {"overall": 0.8, "pairs": 10, "by_aspect": {"correctness": {"accuracy": 0.7}}},
                   "calibration": {"ece_before": 0.2, "ece_after": 0.05, "method": "temperature"}},
        timings={"sft": {"seconds": 3.0, "cached": False}},
    )
    results_path, report_path = write_report(results, tmp_path)
    data = json.loads(results_path.read_text())
    keys = {"overall", *DOMAINS}
    assert set(data["base"]["accuracy"]) == keys and all(isinstance(v, float) for v in data["base"]["accuracy"].values())
    for run in data["runs"].values():
        assert set(run["accuracy"]) == keys
        assert isinstance(run["mean_length"], float) and isinstance(run["seeds"], int)
    assert data["runs"]["model-only"]["grpo"]["reward_share"] == 0.2
    text = report_path.read_text()
    assert "ECE 0.200 before, 0.050 after" in text
    assert "| `model-only` | 0.50 | 20.0 |" in text  # step time and reward share table


@pytest.mark.parametrize(
    "base, full, baseline, met, reason",
    [
        (0.25, 0.40, 0.30, True, "+15 points over base and above model-only"),
        (0.25, 0.32, 0.20, False, "+7 points over base is short of +10"),
        (0.25, 0.40, 0.45, False, "model-only is better"),
    ],
)
def test_target_check(base, full, baseline, met, reason):
    runs = {"model-only": _run(baseline), "hybrid-aspects-length": _run(full)}
    check = target_check(_summary(base), runs)
    assert check["met"] is met, reason
    assert check["gain_over_base"] == pytest.approx(full - base)


def test_target_check_without_the_full_method():
    assert target_check(_summary(0.2), {"rule-only": _run(0.3)})["evaluated"] is False


def test_missed_target_is_explained_from_the_results():
    from hymar.demo.results import diagnose

    rm_report = {"pairwise_accuracy": {"overall": 0.9, "pairs": 20, "by_aspect": {"correctness": {"accuracy": 0.6}, "adherence": {"accuracy": 1.0}}},
                 "calibration": {"ece_before": 0.15, "ece_after": 0.04, "auroc": 0.59}}
    history = [{"step": s, "rewards/accuracy/mean": 0.2} for s in range(1, 9)]
    missed = build_results(settings={"grpo_steps": 8, "prompts_per_step": 2, "train_rows": 100}, base=_eval(0.3),
                           runs={"model-only": [_eval(0.2)], "hybrid-aspects-length": [_eval(0.28, length=3.0)]},
                           rm_report=rm_report, histories={"hybrid-aspects-length": [history]})
    reasons = " ".join(diagnose(missed))
    assert "correctness head" in reasons and "60%" in reasons, "a near-chance correctness head is named"
    assert "Length collapse" in reasons, "3 words vs 20 for the base"
    assert "right 20% of the time" in reasons and "16 prompts" in reasons
    assert "Why the target is missed" in render_report(missed)
    met = build_results(settings={}, base=_eval(0.2), runs={"model-only": [_eval(0.25)], "hybrid-aspects-length": [_eval(0.4)]})
    assert diagnose(met) == [] and "Why the target is missed" not in render_report(met)
