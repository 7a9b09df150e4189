"""`hymar train ... --dry-run`: check a run and print its resolved configuration and launch command.

Works with a recipe or with plain flags. Checked offline (nothing downloaded, no model loaded, vLLM and
DeepSpeed not imported): the policy path, the data options against the adapter's targets, the reward
config and its components' types (`hymar.recipes.train.checks`), the `GRPOSettings`, the real
``trl.GRPOConfig`` built from them (`hymar.recipes.train.trl_config`), the accelerate config
(`hymar.recipes.train.accelerate_check`), the batch arithmetic for the world size, and, for vLLM server mode,
the ``trl vllm-serve`` line. Prints YAML to stdout; errors, one per line naming the field, to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from hymar.recipes.train.accelerate_check import check_accelerate_config
from hymar.recipes.train.checks import check_dataset, check_policy, check_reward
from hymar.recipes.train.cli_args import apply_recipe, resolve_settings
from hymar.recipes.train.launch import train_command, vllm_serve_check
from hymar.recipes.train.load import LoadedRecipe
from hymar.recipes.train.trl_config import batch_plan, build_grpo_config

EXIT_OK, EXIT_ERROR = 0, 1


def dry_run(args: argparse.Namespace) -> int:
    """Check the run ``args`` describe, print the plan; the exit code of ``hymar train --dry-run``.

    Args:
        args: parsed `hymar train` arguments; the settings are resolved as a run resolves them
            (`hymar.recipes.train.cli_args.resolve_settings`).

    Returns:
        0 when every check passed, else 1 (the errors are printed to stderr).
    """
    import yaml

    plan, errors = build_plan(args)
    print(yaml.safe_dump(plan, sort_keys=False, width=120), end="")
    if errors:
        prefix = f"{args.recipe.path}: " if isinstance(args.recipe, LoadedRecipe) else ""
        for line in errors:
            print(f"hymar train --dry-run: {line if line.startswith(prefix) else prefix + line}", file=sys.stderr)
        return EXIT_ERROR
    print("hymar train --dry-run: all checks passed", file=sys.stderr)
    return EXIT_OK


def build_plan(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The resolved configuration of a run and the problems found (`apply_recipe` applied if it was not).

    Returns:
        ``(plan, errors)``: plan is JSON-able (sections recipe, output_dir, policy, dataset, reward,
        grpo_settings, grpo_config, accelerate, batch, launch); errors are ``"<field>: <problem>"`` lines.
    """
    apply_recipe(args)
    if args.recipe_error:
        return {"recipe": args.out_dir}, str(args.recipe_error).splitlines()
    loaded: LoadedRecipe | None = args.recipe
    launch_spec = loaded.recipe.launch if loaded else None
    errors: list[str] = []
    plan: dict[str, Any] = {"recipe": str(loaded.path) if loaded else None, "output_dir": args.out_dir}
    if loaded and loaded.recipe.notes:
        plan["notes"] = loaded.recipe.notes

    def section(name: str, result: tuple[dict[str, Any], list[str]]) -> None:
        plan[name], problems = result
        errors.extend(problems)

    section("policy", check_policy(args.policy))
    section("dataset", check_dataset(args.dataset, args.split or "train", args.column_map, args.image_root, args.task))
    if args.dataset is not None and args.dataset_load_kwargs:
        plan["dataset"]["load_kwargs"] = args.dataset_load_kwargs
    elif args.dataset is None and args.train_rows < 1:
        errors.append("dataset: the synthetic suite needs --train-rows >= 1")
    section("reward", check_reward(args.preset, args.config, args.set))

    try:
        settings = resolve_settings(args)
    except ValueError as err:
        errors.append(f"grpo: {err}")
        return _jsonable(plan), errors
    plan["grpo_settings"] = dataclasses.asdict(settings)

    from hymar.train.grpo import grpo_config_kwargs

    accelerate_path = loaded.accelerate_config if loaded else None
    cpu, plan["target"] = _target(settings.use_cpu, accelerate_path)
    # as GRPORecipe.setup on the target: bf16 on a GPU (which must support it), never on CPU
    kwargs = grpo_config_kwargs(settings, args.out_dir, cpu=cpu, bf16=not cpu)
    plan["grpo_config"] = kwargs

    world_size = (launch_spec.num_processes if launch_spec else None) or 1
    if accelerate_path is not None:
        section("accelerate", check_accelerate_config(accelerate_path, launch_spec.num_processes))
        world_size = plan["accelerate"].get("num_processes") or world_size
        errors.extend(_precision_agreement(plan["accelerate"], kwargs))
    per_device_field = "trl.per_device_train_batch_size" if "per_device_train_batch_size" in settings.trl_args else "grpo.prompts_per_step"
    section("batch", batch_plan(kwargs, world_size, per_device_field))

    try:
        config, skipped, warned = build_grpo_config(kwargs)
    except (ValueError, TypeError) as err:
        errors.append(f"trl: trl.GRPOConfig rejects the configuration: {err}")
        config = None
    else:
        plan["grpo_config_checks"] = {"built": "trl.GRPOConfig", "skipped_device_checks": skipped, "warnings": warned}

    launch: dict[str, Any] = {}
    if config is not None and config.use_vllm and config.vllm_mode == "server":
        launch["vllm_server"], problems = vllm_serve_check(
            args.policy or "", config, launch_spec.vllm_serve_args if launch_spec else (), launch_spec.vllm_serve_env if launch_spec else None
        )
        errors.extend(problems)
        if args.policy is None:
            errors.append("policy: vLLM server mode serves the policy; give a policy")
    launch["train"] = train_command(
        getattr(args, "command_argv", None) or [],
        accelerate_config=accelerate_path,
        num_processes=launch_spec.num_processes if launch_spec else None,
        env=launch_spec.env if launch_spec else None,
    )
    plan["launch"] = launch
    return _jsonable(plan), errors


def _target(use_cpu: bool | None, accelerate_config: str | None) -> tuple[bool, str]:
    """(train on CPU?, why) for the machine the run is meant for.

    ``use_cpu`` None lets the training machine decide (CUDA if present, as `GRPORecipe.setup`); a run
    with an accelerate config is meant for GPUs, otherwise this machine is taken as the target.
    """
    if use_cpu is not None:
        return use_cpu, "cpu (--cpu / grpo.use_cpu)" if use_cpu else "gpu (grpo.use_cpu: false)"
    if accelerate_config is not None:
        return False, "gpu (the run has an accelerate config)"
    import torch

    if torch.cuda.is_available():
        return False, "gpu (CUDA is available here)"
    return True, "cpu (no CUDA here; a GPU machine would train on its GPU)"


def _precision_agreement(accelerate: dict[str, Any], kwargs: dict[str, Any]) -> list[str]:
    """accelerate's mixed_precision and the GRPOConfig's bf16/fp16 must say the same thing."""
    wanted = accelerate.get("mixed_precision")
    if wanted in ("bf16", "fp16") and kwargs.get(wanted) is not True:
        return [f"accelerate_config: mixed_precision is {wanted} but the GRPOConfig has {wanted}={kwargs.get(wanted)}"]
    if wanted in (None, "no") and (kwargs.get("bf16") or kwargs.get("fp16")):
        return ["accelerate_config: mixed_precision is 'no' but the GRPOConfig asks for bf16/fp16"]
    return []


def _jsonable(value: Any) -> Any:
    """Tuples, paths and enums as plain YAML/JSON values."""
    return json.loads(json.dumps(value, default=str))
