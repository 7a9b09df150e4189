"""Eval recipes (recipes/eval/*.yaml) and `hymar eval RECIPE [--dry-run]`; `hymar eval POLICY OUT_DIR` unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hymar.commands.evaluate import main
from hymar.recipes.eval.dry_run import dry_run
from hymar.recipes.eval.recipe import EvalRecipeError, load_eval_recipe, with_overrides

ROOT = Path(__file__).resolve().parents[2]
RECIPES = sorted((ROOT / "recipes" / "eval").glob("*.yaml"))
BENCHMARKS = {"mathvista", "mathverse", "mathvision", "chartqa", "docvqa", "mmmu"}


def test_there_is_a_recipe_per_benchmark():
    assert {load_eval_recipe(p).dataset.mapper for p in RECIPES} == BENCHMARKS


@pytest.mark.parametrize("path", RECIPES, ids=[p.name for p in RECIPES])
def test_every_recipe_dry_runs_ok_and_its_examples_grade_their_gold_right(path):
    report = dry_run(load_eval_recipe(path))
    assert report.ok, report.errors
    assert report.examples and all(e["gold_as_completion"] and set(e["gold_as_completion"].values()) == {1.0} for e in report.examples)
    assert all(call.startswith("datasets.load_dataset(") for call in report.config["load"])


def test_cli_dry_run_prints_the_resolved_config_with_overrides(capsys, tmp_path):
    recipe = str(ROOT / "recipes" / "eval" / "mathvision.yaml")
    code = main([recipe, "--dry-run", "--policy", "out/grpo", "--out", str(tmp_path), "--limit", "7", "--split", "test",
                 "--max-new-tokens", "64", "--preset", "rule-only"])  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    config = report["config"]
    assert report["ok"] and config["policy"] == "out/grpo" and config["output_dir"] == str(tmp_path)
    assert config["dataset"]["limit"] == 7 and config["dataset"]["split"] == "test"
    assert config["generation"]["max_new_tokens"] == 64 and config["generation"]["batch_size"] == 8, "others from the recipe"
    assert config["reward"]["preset"] == "rule-only" and "accuracy" in config["reward_components"].values()
    assert not list(tmp_path.iterdir()), "a dry run writes nothing"


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((ROOT / "recipes" / "eval" / "chartqa.yaml").read_text())
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# (change to a valid recipe, field the error must name, message fragment, reason)
BAD = [
    (lambda d: d.update(extra_field=1), "extra_field", "Extra inputs", "unknown top-level field"),
    (lambda d: d["dataset"].update(spilt="test"), "dataset.spilt", "Extra inputs", "misspelt dataset field"),
    (lambda d: d["generation"].update(max_new_tokens="many"), "generation.max_new_tokens", "integer", "wrong type"),
    (lambda d: d["generation"].update(batch_size=0), "generation.batch_size", "greater than or equal", "out of range"),
    (lambda d: d["dataset"].update(mapper="chartqaa"), "dataset.mapper", "unknown mapper", "unknown mapper"),
    (lambda d: d["dataset"]["column_map"].update(query="question"), "dataset.column_map", "not hymar columns", "bad target"),
    (lambda d: d["dataset"].update(task="essay"), "dataset.task", "unknown task tag", "unknown task tag"),
    (lambda d: d["dataset"].update(load_kwargs={"name": "x"}), "dataset.load_kwargs", "dataset.config", "config in load_kwargs"),
    (lambda d: d["prompt"].update(template="no field"), "prompt.template", "{prompt}", "template without {prompt}"),
    (lambda d: d["prompt"].update(suffix_by_task={"essay": "x"}), "prompt.suffix_by_task", "unknown task tags", "bad suffix key"),
    (lambda d: d.update(reward={"preset": "no-such"}), "reward.preset", "unknown preset", "unknown preset"),
    (lambda d: d.update(reward={"preset": "harmo", "config": "x.yaml"}), "reward", "exactly one", "two reward sources"),
    (lambda d: d.pop("output_dir"), "output_dir", "Field required", "missing required field"),
]


@pytest.mark.parametrize("change, field, fragment, reason", BAD, ids=[b[-1] for b in BAD])
def test_bad_recipes_fail_naming_file_and_field(tmp_path, capsys, change, field, fragment, reason):
    path = _write(tmp_path, change)
    with pytest.raises(EvalRecipeError) as err:
        load_eval_recipe(path)
    assert f"{path}: {field}" in str(err.value) and fragment in str(err.value)
    assert main([str(path), "--dry-run"]) == 1
    assert field in capsys.readouterr().err


def test_dry_run_checks_column_map_sources_against_the_real_columns(tmp_path, capsys):
    path = _write(tmp_path, lambda d: d["dataset"].update(column_map={"question": "prompt", "image": "image"}))
    report = dry_run(load_eval_recipe(path))
    assert not report.ok and report.errors[0].startswith("dataset.column_map:") and "query" in report.errors[0]
    assert main([str(path), "--dry-run"]) == 1 and "dataset.column_map" in capsys.readouterr().err


def test_dry_run_fails_when_the_verifier_cannot_grade_the_mapped_gold(tmp_path, capsys):
    # ChartQA rows carry no task tag; a recipe-wide "yesno" tag makes the golds '14' and 'Brazil' unjudgeable
    path = _write(tmp_path, lambda d: d["dataset"].update(task="yesno"))
    report = dry_run(load_eval_recipe(path))
    assert len(report.errors) == 2 and all("does not accept its own gold" in e for e in report.errors)
    assert "not a yes/no answer" in report.errors[0]
    assert main([str(path), "--dry-run"]) == 1 and "its own gold '14'" in capsys.readouterr().err


def test_override_errors_name_the_field():
    recipe = load_eval_recipe(RECIPES[0])
    with pytest.raises(EvalRecipeError, match="dataset.limit"):
        with_overrides(recipe, limit=0)


def test_real_run_loads_through_datasets_then_the_mapper(monkeypatch, tmp_path, capsys):
    """The non-dry path end to end, with load_dataset, the policy and generation stubbed (no network)."""
    from datasets import Dataset

    from hymar.data.benchmarks import get_mapper

    rows = get_mapper("chartqa").example_rows()
    monkeypatch.setattr("datasets.load_dataset", lambda path, *, split, **kw: Dataset.from_list(rows))
    monkeypatch.setattr("hymar.models.loading.load_policy", lambda path, device: (None, None))
    answers = iter(["<think>t</think><answer>14.4</answer>", "<think>t</think><answer>Chile</answer>"])
    monkeypatch.setattr("hymar.eval.generate.generate_completions", lambda *a, **k: [next(answers) for _ in a[2]])
    out = tmp_path / "eval"
    code = main([str(ROOT / "recipes" / "eval" / "chartqa.yaml"), "--policy", "stub", "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    data = json.loads((out / "eval.json").read_text())
    assert [g["correct"] for g in data["generations"]] == [True, False], "14.4 within 5% of 14; Chile != Brazil"
    assert data["settings"]["benchmark"] == "chartqa" and data["settings"]["mapper"] == "chartqa"


# (argv, exit code, stderr fragment, reason)
POLICY_MODE = [
    (["POLICY", "OUT", "--dry-run"], 0, "", "the old form still parses; dry run loads nothing"),
    (["POLICY"], 1, "OUT_DIR is required", "no OUT_DIR and not a recipe"),
    (["POLICY", "OUT", "--limit", "3"], 1, "apply to an eval recipe", "--limit is for recipes"),
    (["POLICY", "OUT", "--preset", "no-such-preset", "--dry-run"], 1, "unknown preset", "reward still validated"),
]


@pytest.mark.parametrize("argv, code, fragment, reason", POLICY_MODE, ids=[p[-1] for p in POLICY_MODE])
def test_policy_out_dir_form_still_works(tmp_path, capsys, argv, code, fragment, reason):
    argv = [str(tmp_path / a) if a in ("OUT", "POLICY") else a for a in argv]
    assert main(argv) == code
    captured = capsys.readouterr()
    assert fragment in captured.err
    if code == 0:
        assert json.loads(captured.out)["generation"]["max_new_tokens"] == 128


def test_recipe_rejects_policy_mode_dataset_flags(capsys):
    assert main([str(RECIPES[0]), "--dataset", "x.jsonl", "--dry-run"]) == 1
    assert "do not apply to a recipe" in capsys.readouterr().err
