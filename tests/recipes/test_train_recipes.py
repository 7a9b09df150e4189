"""Train recipes, their accelerate configs, and `hymar train RECIPE.yaml [flags] --dry-run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hymar.commands import train as train_cmd
from hymar.recipes.train.accelerate_check import check_accelerate_config
from hymar.recipes.train.cli_args import resolve_settings
from hymar.recipes.train.dry_run import build_plan
from hymar.recipes.train.trl_config import batch_plan, build_grpo_config

ROOT = Path(__file__).resolve().parents[2]
TRAIN_RECIPES = sorted((ROOT / "recipes" / "train").glob("*.yaml"))
ACCELERATE_CONFIGS = sorted((ROOT / "recipes" / "accelerate").glob("*.yaml"))
RECIPE_3B = ROOT / "recipes" / "train" / "qwen2.5-vl-3b-harmo.yaml"
RECIPE_7B = ROOT / "recipes" / "train" / "qwen2.5-vl-7b-harmo.yaml"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def parse(*argv: str):
    return train_cmd.parse_args([str(a) for a in argv])


def plan_of(*argv: str):
    return build_plan(parse(*argv))


# ----------------------------------------------------------------------------- shipped recipes
def test_recipes_are_there():
    # the glob below must cover something, or every parametrized test silently disappears
    assert RECIPE_3B in TRAIN_RECIPES and RECIPE_7B in TRAIN_RECIPES
    assert {p.name for p in ACCELERATE_CONFIGS} >= {"deepspeed_zero2.yaml", "deepspeed_zero3.yaml", "fsdp.yaml", "multi_gpu.yaml"}


@pytest.mark.parametrize("recipe", TRAIN_RECIPES, ids=lambda p: p.name)
def test_every_train_recipe_dry_runs(recipe, capsys):
    plan, errors = plan_of(recipe, "--dry-run")
    assert errors == []
    kwargs = plan["grpo_config"]
    config, _, _ = build_grpo_config(kwargs)  # the real trl.GRPOConfig
    assert config.use_vllm is True
    assert config.vllm_mode in ("colocate", "server")
    assert config.scale_rewards == "none"  # HARMO advantage: no std division
    assert config.loss_type == "dr_grpo"
    assert config.bf16 is True
    assert config.num_generations == 8
    assert plan["batch"]["per_device_rollouts"] % plan["batch"]["num_generations"] == 0
    assert plan["accelerate"]["file"].endswith(".yaml")
    assert "accelerate launch --config_file" in plan["launch"]["train"]
    # exit code and printed YAML of the real command
    assert train_cmd.main([str(recipe), "--dry-run"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["grpo_config"]["loss_type"] == "dr_grpo"


@pytest.mark.parametrize(
    "recipe, mode, distributed, world, rollouts",
    [
        (RECIPE_3B, "colocate", "DEEPSPEED", 8, 128),  # 3B: vLLM inside the 8 training processes, ZeRO-2, accum 2
        (RECIPE_7B, "server", "DEEPSPEED", 7, 224),  # 7B: GPU 0 serves vLLM, 7 trainers with ZeRO-3, accum 4
    ],
)
def test_recipe_specifics(recipe, mode, distributed, world, rollouts):
    plan, errors = plan_of(recipe, "--dry-run")
    assert errors == []
    assert plan["grpo_config"]["vllm_mode"] == mode
    assert plan["accelerate"]["distributed_type"] == distributed
    assert plan["batch"]["world_size"] == world
    assert plan["batch"]["rollouts_per_optimizer_step"] == rollouts
    assert ("vllm_server" in plan["launch"]) == (mode == "server")
    if mode == "server":
        assert plan["launch"]["vllm_server"].startswith("CUDA_VISIBLE_DEVICES=0 trl vllm-serve --model Qwen/Qwen2.5-VL-7B-Instruct")
        assert "--num_processes 7" in plan["launch"]["train"]


@pytest.mark.parametrize(
    "name, distributed, detail",
    [
        ("deepspeed_zero2.yaml", "DEEPSPEED", ("deepspeed", "zero_stage", 2)),  # ZeRO-2 plugin built by accelerate
        ("deepspeed_zero3.yaml", "DEEPSPEED", ("deepspeed", "zero_stage", 3)),  # ZeRO-3
        ("fsdp.yaml", "FSDP", ("fsdp", "version", 2)),  # FSDP2
        ("multi_gpu.yaml", "MULTI_GPU", ("launcher", None, "multi_gpu")),  # plain DDP
    ],
)
def test_accelerate_configs_parse(name, distributed, detail):
    summary, errors = check_accelerate_config(str(ROOT / "recipes" / "accelerate" / name))
    assert errors == []
    assert summary["distributed_type"] == distributed
    section, key, value = detail
    assert (summary[section][key] if key else summary[section]) == value
    if name == "fsdp.yaml":
        assert summary["fsdp"]["transformer_cls_names_to_wrap"] == ["Qwen2_5_VLDecoderLayer", "Qwen2_5_VLVisionBlock"]


@pytest.mark.parametrize("config", ACCELERATE_CONFIGS, ids=lambda p: p.name)
def test_every_accelerate_config_parses(config):
    summary, errors = check_accelerate_config(str(config))
    assert errors == [] and summary["num_processes"] >= 1


# ----------------------------------------------------------------------------- bad recipes
def _write_recipe(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(RECIPE_3B.read_text(encoding="utf-8"))
    data["accelerate_config"] = str(ROOT / "recipes" / "accelerate" / "deepspeed_zero2.yaml")
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _bad_accelerate(tmp_path: Path) -> str:
    data = yaml.safe_load((ROOT / "recipes" / "accelerate" / "deepspeed_zero2.yaml").read_text(encoding="utf-8"))
    data["deepspeed_config"]["zero_stag"] = 2
    path = tmp_path / "bad_accelerate.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


BAD_RECIPES = [
    # (id, edit of the 3B recipe, text the error must contain)
    ("unknown-field", lambda d, t: d.update(polcy="x"), "polcy: Extra inputs are not permitted"),  # typo of a top-level field
    ("unknown-grpo-field", lambda d, t: d["grpo"].update(num_gens=8), "grpo.num_gens"),  # not a GRPOSettings field
    ("wrong-type", lambda d, t: d["grpo"].update(num_generations="many"), "grpo.num_generations"),  # not an int
    ("bad-dtype", lambda d, t: d.update(dtype="bf16"), "dtype"),  # dtype takes torch names
    ("both-reward-sources", lambda d, t: d["reward"].update(config="r.yaml"), "reward: give exactly one"),
    ("unknown-preset", lambda d, t: d["reward"].update(preset="harmoo"), "unknown preset 'harmoo'"),  # not a preset
    ("unknown-component-type", lambda d, t: d["reward"].update(set=["components.format.type=formatt"]), "components.format.type"),
    ("bad-column-target", lambda d, t: d["dataset"]["column_map"].update(problem="question"), "dataset.column_map.problem"),
    ("two-columns-one-target", lambda d, t: d["dataset"]["column_map"].update(id="prompt"), "is mapped onto 'prompt' too"),
    ("per-device-not-multiple", lambda d, t: d["trl"].update(per_device_train_batch_size=6), "trl.per_device_train_batch_size"),
    ("trl-shadows-grpo", lambda d, t: d["trl"].update(learning_rate=1e-5), "trl.learning_rate"),  # would hide --learning-rate
    ("unknown-trl-arg", lambda d, t: d["trl"].update(vllm_moed="server"), "vllm_moed"),  # not a GRPOConfig argument
    ("bad-grpo-value", lambda d, t: d["grpo"].update(num_generations=1), "num_generations must be >= 2"),
    ("missing-accelerate-config", lambda d, t: d.update(accelerate_config="nope.yaml"), "accelerate_config"),
    ("unknown-accelerate-key", lambda d, t: d.update(accelerate_config=_bad_accelerate(t)), "deepspeed_config.zero_stag"),
    ("precision-mismatch", lambda d, t: d["trl"].update(bf16=False), "mixed_precision is bf16"),
    ("server-port-mismatch",
     lambda d, t: d["trl"].update(vllm_mode="server") or d.update(launch={"vllm_serve_args": ["--port", "9000"]}),
     "launch.vllm_serve_args"),
]


@pytest.mark.parametrize("edit, expected", [b[1:] for b in BAD_RECIPES], ids=[b[0] for b in BAD_RECIPES])
def test_bad_recipes_fail_naming_the_field(tmp_path, capsys, edit, expected):
    path = _write_recipe(tmp_path, lambda d: edit(d, tmp_path))
    assert train_cmd.main([str(path), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert str(path) in err  # every error line names the recipe file


def test_bad_recipe_fails_a_real_run_too(tmp_path, capsys):
    # without --dry-run the same recipe error ends `hymar train` with exit 1 before anything loads
    path = _write_recipe(tmp_path, lambda d: d["grpo"].update(num_gens=8))
    assert train_cmd.main([str(path)]) == 1
    assert "grpo.num_gens" in capsys.readouterr().err


# ----------------------------------------------------------------------------- CLI over recipe
def test_cli_flags_win_over_recipe_values():
    args = parse(RECIPE_3B, "--max-steps", "10", "--beta", "0", "--learning-rate", "2e-6", "--report-to", "none", "--dry-run")
    settings = resolve_settings(args)
    # --beta 0 equals the built-in default and must still beat the recipe's 0.04
    assert (settings.max_steps, settings.beta, settings.learning_rate, settings.report_to) == (10, 0.0, 2e-6, ())
    assert (settings.num_generations, settings.loss_type, settings.prompts_per_step) == (8, "dr_grpo", 1)  # recipe values kept
    plan, errors = build_plan(args)
    assert errors == []
    assert (plan["grpo_config"]["max_steps"], plan["grpo_config"]["beta"], plan["grpo_config"]["report_to"]) == (10, 0.0, "none")
    assert plan["grpo_config"]["use_vllm"] is True  # trl section still applied
    assert plan["launch"]["train"].endswith("qwen2.5-vl-3b-harmo.yaml --max-steps 10 --beta 0 --learning-rate 2e-6 --report-to none")


@pytest.mark.parametrize(
    "flags, preset, config",
    [
        ((), "harmo", None),  # the recipe's preset
        (("--preset", "rule-only"), "rule-only", None),  # a CLI preset replaces it
        (("--config", "my_reward.yaml"), None, "my_reward.yaml"),  # a CLI config replaces the recipe's preset
    ],
)
def test_reward_source_override(flags, preset, config):
    args = parse(RECIPE_3B, *flags)
    assert (args.preset, args.config) == (preset, config)


def test_recipe_config_replaced_by_cli_preset(tmp_path):
    reward = tmp_path / "reward.yaml"
    reward.write_text("components:\n  format: {weight: 1.0}\n", encoding="utf-8")
    path = _write_recipe(tmp_path, lambda d: d.update(reward={"config": "reward.yaml"}))
    args = parse(path)
    assert (args.preset, args.config) == (None, str(reward))  # relative to the recipe file
    args = parse(path, "--preset", "rule-only")
    assert (args.preset, args.config) == ("rule-only", None)


def test_out_overrides_output_dir_and_recipe_settings_reach_a_run(tmp_path):
    args = parse(RECIPE_3B, "--out", tmp_path / "run")
    assert args.out_dir == str(tmp_path / "run")
    settings = resolve_settings(args)
    # fields without a flag come from the recipe: what a real (non dry) run trains with
    assert settings.gradient_checkpointing is True and settings.dtype == "bfloat16"
    assert settings.trl_args["vllm_mode"] == "colocate" and settings.learning_rate == 1e-6
    assert args.column_map == json.dumps({"problem": "prompt", "answer": "answer", "images": "image"})


# ----------------------------------------------------------------------------- no recipe
def test_plain_out_dir_still_works(tmp_path, capsys):
    out = tmp_path / "run"
    assert train_cmd.main([str(out), "--dry-run", "--cpu", "--max-steps", "3", "--preset", "rule-only"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["recipe"] is None and printed["output_dir"] == str(out)
    assert printed["grpo_config"]["use_cpu"] is True and printed["grpo_config"]["bf16"] is False
    assert printed["grpo_config_checks"]["skipped_device_checks"] == []  # a CPU run skips nothing
    assert printed["launch"]["train"] == f"hymar train {out} --cpu --max-steps 3 --preset rule-only"
    assert not out.exists()  # the dry run writes nothing


def test_missing_yaml_is_an_out_dir(tmp_path, capsys):
    out = tmp_path / "typo.yaml"
    args = parse(out)
    assert args.recipe is None and args.out_dir == str(out)
    assert "not an existing file" in capsys.readouterr().err


def test_out_needs_a_recipe(tmp_path, capsys):
    with pytest.raises(ValueError, match="--out applies to a recipe file"):
        parse(tmp_path / "run", "--out", tmp_path / "other")
    assert train_cmd.main([str(tmp_path / "run"), "--out", str(tmp_path / "other"), "--dry-run"]) == 1
    assert "--out applies to a recipe file" in capsys.readouterr().err


def test_plain_dry_run_checks_a_local_jsonl(tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"question": "1+1?", "gt": "2"}) + "\n", encoding="utf-8")
    good = ["--dataset", str(data), "--column-map", '{"question": "prompt", "gt": "answer"}', "--cpu"]
    assert train_cmd.main([str(tmp_path / "run"), "--dry-run", *good]) == 0
    bad = ["--dataset", str(data), "--column-map", '{"questio": "prompt"}', "--cpu"]
    assert train_cmd.main([str(tmp_path / "run"), "--dry-run", *bad]) == 1
    assert "dataset.column_map" in capsys.readouterr().err  # an unknown user column, listed against the file's


# ----------------------------------------------------------------------------- batch arithmetic
@pytest.mark.parametrize(
    "per_device, g, world, accum, rollouts, prompts, ok",
    [
        (8, 8, 8, 2, 128, 16, True),  # 3B recipe: 8 GPUs x 8 rollouts x 2 micro-steps
        (16, 8, 1, 1, 16, 2, True),  # CPU default: 2 prompts x 8 rollouts on one process
        (8, 8, 7, 4, 224, 28, True),  # 7B recipe: 7 trainers
        (12, 8, 2, 1, 24, 3, False),  # 12 rollouts per rank split a group even though the global 24 holds 3 groups
    ],
)
def test_batch_plan(per_device, g, world, accum, rollouts, prompts, ok):
    kwargs = {"num_generations": g, "per_device_train_batch_size": per_device, "gradient_accumulation_steps": accum}
    plan, errors = batch_plan(kwargs, world, "trl.per_device_train_batch_size")
    assert (plan["rollouts_per_optimizer_step"], plan["prompts_per_optimizer_step"]) == (rollouts, prompts)
    assert (errors == []) == ok


# ----------------------------------------------------------------------------- offline
def test_dry_run_downloads_nothing_and_imports_no_gpu_stack(tmp_path):
    script = r"""
import json, socket, sys
calls = []
def refuse(self, *args, **kwargs):
    calls.append(repr(args))
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
from hymar.commands.train import main
codes = [main([path, "--dry-run"]) for path in sys.argv[1:]]
print(json.dumps({"codes": codes, "connects": calls, "vllm": "vllm" in sys.modules, "deepspeed": "deepspeed" in sys.modules}))
"""
    hf_home = tmp_path / "hf"
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("HF_HUB_CACHE", None), env.pop("HF_DATASETS_CACHE", None), env.pop("TRANSFORMERS_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, TRAIN_RECIPES)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"codes": [0] * len(TRAIN_RECIPES), "connects": [], "vllm": False, "deepspeed": False}, done.stderr[-2000:]
    created = [str(p) for p in hf_home.rglob("*") if p.is_file()] if hf_home.exists() else []
    assert created == []  # nothing written to the Hugging Face cache
