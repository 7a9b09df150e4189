"""`GRPOSettings` is the one source of `hymar train`'s settings: flags, recipe section and --set agree."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from pathlib import Path

import pytest
import yaml

from hymar.commands import train as train_cmd
from hymar.recipes.train.cli_args import resolve_settings
from hymar.recipes.train.schema import TOP_LEVEL_SETTINGS, GRPOSection
from hymar.recipes.train.settings_flags import COMMAND_DEFAULTS
from hymar.train.settings import GRPOSettings

ROOT = Path(__file__).resolve().parents[2]
RECIPE_3B = ROOT / "recipes" / "train" / "qwen2.5-vl-3b-harmo.yaml"
FIELDS = {f.name: f for f in dataclasses.fields(GRPOSettings)}
HINTS = typing.get_type_hints(GRPOSettings)
#: the one field without a flag: a mapping, given as --set trl.KEY=VALUE (or the recipe's trl section)
NO_FLAG = {"trl_args"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hymar train")
    train_cmd.add_arguments(parser)
    return parser


def _actions() -> dict[str, argparse.Action]:
    return {a.dest: a for a in _parser()._actions}


def _default(name: str):
    f = FIELDS[name]
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _other_value(name: str) -> tuple[list[str], object]:
    """Command-line words for a valid value of ``name`` other than its default, and that value."""
    action = _actions()[name]
    flag = action.option_strings[0]
    default = COMMAND_DEFAULTS.get(name, _default(name))
    hint = HINTS[name]
    if isinstance(action, argparse.BooleanOptionalAction):
        value = not bool(default)
        return ([flag] if value else [action.option_strings[1]]), value
    if action.choices:
        value = next(c for c in action.choices if c != default)
        return [flag, value], value
    if typing.get_origin(hint) is tuple:
        return [flag, "tensorboard,wandb"], ("tensorboard", "wandb")
    if hint in (int, int | None):
        return [flag, "7"], 7
    if hint is float:
        return [flag, "0.5"], 0.5
    return [flag, "format"], "format"


def test_every_field_is_a_flag_with_the_fields_default_and_help():
    actions = _actions()
    assert set(FIELDS) - set(actions) == NO_FLAG
    for name in set(FIELDS) - NO_FLAG:
        action = actions[name]
        assert action.default is argparse.SUPPRESS  # not given leaves no attribute: the recipe's value stays
        assert FIELDS[name].metadata["help"] in action.help
        shown = COMMAND_DEFAULTS.get(name, _default(name))
        shown = "unset" if shown is None else ",".join(shown) if isinstance(shown, tuple) else str(shown)
        assert action.help.endswith(f"(default: {shown})"), name


@pytest.mark.parametrize("name", sorted(set(FIELDS) - NO_FLAG))
def test_each_flag_sets_its_field(name):
    words, value = _other_value(name)
    settings = resolve_settings(train_cmd.parse_args(["out", *words]))
    assert getattr(settings, name) == value
    # and nothing else moved from the command's defaults
    untouched = resolve_settings(train_cmd.parse_args(["out"]))
    changed = {f for f in FIELDS if getattr(settings, f) != getattr(untouched, f)}
    assert changed == {name}


@pytest.mark.parametrize("name", sorted(set(FIELDS) - set(TOP_LEVEL_SETTINGS)))
def test_each_field_is_a_recipe_field_and_a_set_override(name):
    assert name in GRPOSection.model_fields
    words, value = _other_value(name)
    text = ",".join(value) if isinstance(value, tuple) else str(value).lower() if isinstance(value, bool) else str(value)
    settings = resolve_settings(train_cmd.parse_args(["out", "--set", f"grpo.{name}={text}"]))
    assert getattr(settings, name) == value


def test_without_flags_the_command_uses_the_settings_defaults():
    settings = resolve_settings(train_cmd.parse_args(["out"]))
    assert settings == dataclasses.replace(GRPOSettings(), **COMMAND_DEFAULTS)


def test_num_iterations_adds_to_a_recipes_trl_section(tmp_path):
    # before: the recipe's trl section replaced the trl_args the flags built, so --num-iterations was lost
    settings = resolve_settings(train_cmd.parse_args([str(RECIPE_3B), "--num-iterations", "3"]))
    recipe = yaml.safe_load(RECIPE_3B.read_text(encoding="utf-8"))
    assert settings.trl_args == {**recipe["trl"], "num_iterations": 3}


def test_a_boolean_flag_turns_off_what_the_recipe_turned_on():
    recipe = yaml.safe_load(RECIPE_3B.read_text(encoding="utf-8"))
    assert recipe["grpo"]["gradient_checkpointing"] is True
    assert resolve_settings(train_cmd.parse_args([str(RECIPE_3B)])).gradient_checkpointing is True
    assert resolve_settings(train_cmd.parse_args([str(RECIPE_3B), "--no-gradient-checkpointing"])).gradient_checkpointing is False


def test_optional_values_take_none():
    settings = resolve_settings(train_cmd.parse_args(["out", "--save-total-limit", "2"]))
    assert settings.save_total_limit == 2
    settings = resolve_settings(train_cmd.parse_args(["out", "--save-total-limit", "none"]))
    assert settings.save_total_limit is None
    assert resolve_settings(train_cmd.parse_args(["out", "--report-to", "none"])).report_to == ()


def test_a_bad_flag_value_is_a_usage_error_naming_the_flag(capsys):
    with pytest.raises(SystemExit):
        train_cmd.parse_args(["out", "--num-generations", "many"])
    assert "--num-generations" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train_cmd.parse_args(["out", "--advantage", "ppo"])
    assert "--advantage" in capsys.readouterr().err
