"""`hymar train --set grpo.* / trl.* / dtype=`: the last layer of the training settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hymar.cli import build_parser
from hymar.commands import train as train_cmd
from hymar.recipes.train.cli_args import resolve_settings
from hymar.recipes.train.dry_run import build_plan
from hymar.recipes.train.set_overrides import split_set_items, train_set_fields

ROOT = Path(__file__).resolve().parents[2]
RECIPE_3B = ROOT / "recipes" / "train" / "qwen2.5-vl-3b-harmo.yaml"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def settings_of(*argv: str):
    args = train_cmd.parse_args([str(a) for a in argv])
    return resolve_settings(args), args


def test_split_keeps_reward_items_for_the_reward():
    items = ["grpo.beta=0.1", "components.model.type=reward_model", "trl.num_iterations=2", "dtype=bfloat16", "hybrid.blend_threshold=0.9"]
    assert split_set_items(items) == (
        ["grpo.beta=0.1", "trl.num_iterations=2", "dtype=bfloat16"],
        ["components.model.type=reward_model", "hybrid.blend_threshold=0.9"],
    )


def test_precedence_default_recipe_flag_set(tmp_path):
    recipe = yaml.safe_load(RECIPE_3B.read_text())
    recipe["grpo"].update(beta=0.04, temperature=0.7, max_steps=30)
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    base, _ = settings_of(tmp_path / "out")
    assert (base.beta, base.temperature, base.seed) == (0.0, 1.0, 0)  # defaults
    s, args = settings_of(path, "--beta", "0", "--max-steps", "5", "--set", "grpo.max_steps=7", "--set", "grpo.seed=3")
    assert s.temperature == 0.7  # recipe beats default
    assert s.beta == 0.0  # a given flag beats the recipe, even when it equals the default
    assert s.max_steps == 7  # --set beats the given flag
    assert s.seed == 3
    assert args.set == list(recipe["reward"].get("set", [])) or args.set is None  # the reward sees no grpo.* item


def test_set_trl_merges_with_flags_and_recipe():
    s, args = settings_of("out", "--num-iterations", "3", "--set", "trl.gradient_accumulation_steps=4", "--set", "dtype=bfloat16")
    assert s.trl_args == {"num_iterations": 3, "gradient_accumulation_steps": 4}
    assert s.dtype == "bfloat16"
    assert args.set is None
    s, _ = settings_of("out", "--num-iterations", "3", "--set", "trl.num_iterations=2")
    assert s.trl_args == {"num_iterations": 2}


def test_set_through_dry_run(capsys):
    argv = [str(RECIPE_3B), "--set", "grpo.learning_rate=1e-6", "--set", "trl.num_iterations=2", "--dry-run"]
    assert train_cmd.main(argv) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["grpo_settings"]["learning_rate"] == 1e-6
    assert printed["grpo_config"]["learning_rate"] == 1e-6
    assert printed["grpo_config"]["num_iterations"] == 2


@pytest.mark.parametrize(
    "item, named",
    [
        ("grpo.nope=1", "grpo.nope"),
        ("grpo.num_generations=many", "grpo.num_generations"),
        ("dtype=int3", "dtype"),
        ("trl.learning_rate=1", "trl.learning_rate"),  # derived from grpo.learning_rate
    ],
)
def test_bad_set_names_the_key(item, named, capsys):
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        train_set_fields([item])
    assert train_cmd.main(["out", "--set", item, "--dry-run"]) == 1
    assert named in capsys.readouterr().err


def test_reward_set_items_still_reach_the_reward():
    # reward overrides keep working through the same --set
    args = build_parser("train").parse_args(["train", "out", "--set", "hybrid.blend_threshold=0.9"])
    plan, errors = build_plan(args)
    assert args.set == ["hybrid.blend_threshold=0.9"] and args.train_set is None
    assert not [e for e in errors if e.startswith("grpo")]
