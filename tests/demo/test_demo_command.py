"""`hymar demo`: options -> settings, the RM override of the presets, and the whole --quick run."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from hymar.commands import demo
from hymar.demo.settings import DEFAULT_PRESETS, DemoSettings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PLOTS = ("reward_components.png", "accuracy.png", "length.png", "health.png")
VERIFIABLE = {"overall", "counting", "arithmetic", "chart", "choice"}


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize(
    "argv, check, reason",
    [
        ((), lambda s: s == DemoSettings(), "no options: the default 15-minute run"),
        (("--quick",), lambda s: s.seeds == 1 and s.model_size == "test", "quick: one seed, test-size model"),
        (("--quick", "--seeds", "2"), lambda s: s.seeds == 2 and s.model_size == "test", "--seeds wins over the mode's"),
        (("--full",), lambda s: all(s.seeds_of(p) == 3 for p in DEFAULT_PRESETS), "full: every preset x 3 seeds"),
        (("--seeds", "1"), lambda s: all(s.seeds_of(p) == 1 for p in DEFAULT_PRESETS), "--seeds applies to every preset"),
        ((), lambda s: s.seeds_of("hybrid-aspects-length") > s.seeds_of("hybrid"), "default: more seeds where the claims are"),
        (("--presets", "rule-only, hybrid"), lambda s: s.presets == ("rule-only", "hybrid"), "comma list, spaces ignored"),
        (("--grpo-steps", "7",), lambda s: s.grpo_steps == 7, "step override"),
    ],
)
def test_settings_from_args(argv, check, reason):
    assert check(demo.settings_from_args(_args(*argv))), reason


def test_default_presets_are_the_studys_five():
    assert DEFAULT_PRESETS == ("model-only", "rule-only", "hybrid", "hybrid-aspects", "hybrid-aspects-length")


@pytest.mark.parametrize("argv", [("--presets", "nope"), ("--seeds", "0")], ids=["unknown-preset", "zero-seeds"])
def test_bad_options_fail_before_training(tmp_path, argv, capsys):
    assert demo.run(_args("--out", str(tmp_path / "d"), *argv)) == demo.EXIT_ERROR
    assert "hymar demo:" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    "preset, model_type",
    [
        ("model-only", "reward_model"),  # the monolithic learned-RM baseline
        ("hybrid-aspects-length", "reward_model"),
        ("rule-only", None),  # has no model component: none is added
    ],
)
def test_presets_take_the_trained_rm_by_path(tmp_path, preset, model_type):
    from hymar.demo.pipeline import model_override
    from hymar.rewards.presets import load_preset

    (tmp_path / "calibration.json").write_text("{}")
    overrides = model_override(tmp_path) if "model" in load_preset(preset).components else None
    config = load_preset(preset, overrides)
    model = config.components.get("model")
    assert (model.type if model else None) == model_type
    if model_type:
        assert model.args["path"] == str(tmp_path)
        assert config.calibration.path == str(tmp_path / "calibration.json")


@pytest.mark.slow
def test_quick_demo_writes_report_results_and_plots(tmp_path, capsys):
    out = tmp_path / "demo"
    assert demo.run(_args("--quick", "--out", str(out), "--presets", "model-only,hybrid-aspects-length")) == demo.EXIT_OK
    printed = capsys.readouterr()
    assert "total wall time" in printed.out
    assert "sft: done in" in printed.err and "grpo hybrid-aspects-length seed 0: done in" in printed.err

    data = json.loads((out / "results.json").read_text())
    assert set(data["base"]["accuracy"]) == VERIFIABLE
    assert all(isinstance(v, float) for v in data["base"]["accuracy"].values())
    assert set(data["runs"]) == {"model-only", "hybrid-aspects-length"}
    for run in data["runs"].values():
        assert set(run["accuracy"]) == VERIFIABLE
        assert isinstance(run["mean_length"], float) and run["seeds"] == 1
    assert data["rm"]["pairwise_accuracy"] is not None and data["rm"]["ece_before"] is not None
    report = (out / "report.md").read_text()
    assert "## Accuracy per domain" in report and "## Signs of reward hacking" in report
    assert "## Perceivability gate" in report and "## Training health" in report
    # the gate compares real and blank images on the validation rows, per verifiable domain
    assert set(data["gate"]["domains"]) == VERIFIABLE - {"overall"}
    assert all({"real", "blank", "sampled_real", "pass_guess"} <= set(v) for v in data["gate"]["domains"].values())
    # every accuracy has an interval that contains it
    for name in ("base", "model-only", "hybrid-aspects-length"):
        entry = data["intervals"][name]["overall"]
        assert entry["low"] <= entry["mean"] <= entry["high"]
    assert "gain_low" in data["intervals"]["hybrid-aspects-length"]["overall"]
    # side-by-side examples with their images
    assert data["examples"] and all((out / ex["image"]).read_bytes()[:4] == b"\x89PNG" for ex in data["examples"])
    assert set(data["examples"][0]["answers"]) == {"base", "model-only", "hybrid-aspects-length"}
    assert "peak_memory_mib" in data["timings"]
    for name in PLOTS:
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    # report.html: the same tables, the plots and the examples' images inlined, nothing fetched
    page = (out / "report.html").read_text()
    assert "Accuracy per domain" in page and page.count("data:image/png;base64,") >= len(PLOTS) + len(data["examples"])
    assert "src=\"http" not in page and "src=\"examples/" not in page
    # TRL's log history reached the plots' source: per-component reward curves were logged
    state = json.loads((out / "runs" / "hybrid-aspects-length" / "seed0" / "trainer_state.json").read_text())
    assert any("rewards/length/mean" in entry for entry in state["log_history"])

    # a rerun reuses every finished stage
    assert demo.run(_args("--quick", "--out", str(out), "--presets", "model-only,hybrid-aspects-length")) == demo.EXIT_OK
    assert "sft: cached" in capsys.readouterr().err
