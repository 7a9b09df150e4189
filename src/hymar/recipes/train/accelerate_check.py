"""Check an accelerate config file with accelerate's own code, as ``accelerate launch`` would read it.

Steps (accelerate 1.15): ``load_config_from_file`` (``ClusterConfig``: unknown top-level keys and bad
``distributed_type`` values fail); every key of ``deepspeed_config`` / ``fsdp_config`` must be an
option of ``accelerate launch`` (launch copies them onto its arguments and silently ignores the rest);
``_validate_launch_command`` merges file and flags as launch does; the launcher's environment is
prepared (``prepare_deepspeed_cmd_env`` / ``prepare_multi_gpu_env``) and the ``DeepSpeedPlugin`` or
``FullyShardedDataParallelPlugin`` is constructed from it, which is where accelerate validates stage,
offload devices, wrap policy and state-dict type. Neither deepspeed nor a GPU is needed for that.
"""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

NESTED_SECTIONS = ("deepspeed_config", "fsdp_config")


def check_accelerate_config(path: str, num_processes: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """Parse and check the accelerate config at ``path``.

    Args:
        path: accelerate config YAML/JSON file.
        num_processes: a ``--num_processes`` given to ``accelerate launch`` (None: the file's value).

    Returns:
        ``(summary, errors)``; summary: file, distributed_type, num_processes (the world size),
        num_machines, mixed_precision, the DeepSpeed/FSDP settings accelerate resolved; errors name
        ``accelerate_config`` and the key.
    """
    from accelerate.commands.config.config_args import load_config_from_file

    field = f"accelerate_config ({path})"
    try:
        config = load_config_from_file(path)
    except (OSError, ValueError, TypeError) as err:
        return {"file": path}, [f"{field}: {err}"]
    distributed = getattr(config.distributed_type, "value", config.distributed_type)
    summary: dict[str, Any] = {
        "file": path,
        "distributed_type": distributed,
        "num_processes": num_processes if num_processes is not None else config.num_processes,
        "num_machines": config.num_machines,
        "mixed_precision": config.mixed_precision,
    }
    errors = _unknown_nested_keys(config, field)
    if summary["num_processes"] is None or summary["num_processes"] < 1:
        errors.append(f"{field}: num_processes: set the number of processes (the world size), got {config.num_processes}")
    if distributed == "DEEPSPEED" and not config.deepspeed_config:
        errors.append(f"{field}: deepspeed_config: required when distributed_type is DEEPSPEED")
    if distributed == "FSDP" and not config.fsdp_config:
        errors.append(f"{field}: fsdp_config: required when distributed_type is FSDP")
    if errors:
        return summary, errors
    try:
        summary.update(_plugin_summary(path, num_processes))
    except (ValueError, TypeError, KeyError, NotImplementedError) as err:
        errors.append(f"{field}: {err}")
    return summary, errors


def _unknown_nested_keys(config: Any, field: str) -> list[str]:
    from accelerate.commands.launch import launch_command_parser

    options = {action.dest for action in launch_command_parser()._actions}
    errors = []
    for section in NESTED_SECTIONS:
        for key in getattr(config, section) or {}:
            # launch maps fsdp_config.x to its --fsdp_x option (accelerate.commands.launch)
            option = "fsdp_" + key if section == "fsdp_config" and not key.startswith("fsdp") else key
            if option not in options:
                errors.append(f"{field}: {section}.{key}: not an accelerate launch option; accelerate would ignore it")
    return errors


def _plugin_summary(path: str, num_processes: int | None) -> dict[str, Any]:
    """Run accelerate launch's own argument merging and build the distributed plugin it would use."""
    from accelerate.commands.launch import (
        _validate_launch_command,
        launch_command_parser,
    )

    argv = ["--config_file", path]
    if num_processes is not None:
        argv += ["--num_processes", str(num_processes)]
    args = launch_command_parser().parse_args([*argv, "-m", "hymar", "train"])
    args, defaults, mixed_from_config = _validate_launch_command(args)
    # the launchers probe whether the rendezvous port is free on this machine; that is a fact about the
    # machine at launch time, not about the file, so the probe is answered "free" here (no socket opened)
    with mock.patch("accelerate.utils.launch.is_port_in_use", return_value=False):
        return _plugin_of(args, defaults, mixed_from_config)


def _plugin_of(args: Any, defaults: Any, mixed_from_config: bool) -> dict[str, Any]:
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    if args.use_deepspeed:
        # as accelerate.commands.launch.launch_command does before calling the DeepSpeed launcher
        fields = list(defaults.deepspeed_config) if defaults else []
        args.deepspeed_fields_from_accelerate_config = ",".join(fields + (["mixed_precision"] if mixed_from_config else []))
        _, env = prepare_deepspeed_cmd_env(args)
        from accelerate.utils import DeepSpeedPlugin

        with mock.patch.dict(os.environ, env):
            plugin = DeepSpeedPlugin()
        return {"deepspeed": {"zero_stage": plugin.zero_stage, "zero_optimization": plugin.deepspeed_config.get("zero_optimization")}}
    if args.use_fsdp:
        env = prepare_multi_gpu_env(args)
        from accelerate.utils import FullyShardedDataParallelPlugin

        with mock.patch.dict(os.environ, env):
            plugin = FullyShardedDataParallelPlugin()
        return {
            "fsdp": {
                "version": plugin.fsdp_version,
                "auto_wrap_policy": getattr(plugin.auto_wrap_policy, "__name__", str(plugin.auto_wrap_policy)),
                "transformer_cls_names_to_wrap": plugin.transformer_cls_names_to_wrap,
                "reshard_after_forward": str(plugin.reshard_after_forward),
                "state_dict_type": str(plugin.state_dict_type),
                "cpu_ram_efficient_loading": plugin.cpu_ram_efficient_loading,
                "activation_checkpointing": plugin.activation_checkpointing,
            }
        }
    return {"launcher": "multi_gpu" if args.multi_gpu else "single process"}
