"""The command lines that start a run: ``accelerate launch ... -m hymar train ...`` and, for vLLM in
server mode, the ``trl vllm-serve`` line to start first."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

#: `hymar train` arguments that only concern the dry run, dropped from the printed launch command
DRY_RUN_FLAGS = ("--dry-run",)


def _env_prefix(env: Mapping[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)} " for key, value in env.items())


def _display_path(path: str) -> str:
    """A path relative to the working folder when it lies below it (shorter commands)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def train_command(
    train_argv: Sequence[str],
    *,
    accelerate_config: str | None = None,
    num_processes: int | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The shell line that runs this training.

    Args:
        train_argv: the `hymar train` arguments as given (``--dry-run`` is dropped).
        accelerate_config: accelerate config file; None: a single process, plain ``hymar train``.
        num_processes: ``accelerate launch --num_processes`` (None: the config file's).
        env: environment variables for the training processes.

    Returns:
        One shell-quoted command line.
    """
    args = [a for a in train_argv if a not in DRY_RUN_FLAGS]
    if accelerate_config is None:
        command = ["hymar", "train", *args]
    else:
        command = ["accelerate", "launch", "--config_file", _display_path(accelerate_config)]
        if num_processes is not None:
            command += ["--num_processes", str(num_processes)]
        command += ["-m", "hymar", "train", *args]
    return _env_prefix(env or {}) + shlex.join(command)


def vllm_serve_check(
    policy: str, config: Any, extra_args: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[str, list[str]]:
    """The ``trl vllm-serve`` line for a server-mode run, checked with TRL's own parser.

    The served model is the policy; the port must be the one the trainer connects to
    (``vllm_server_port``, unless ``vllm_server_base_url`` is set).

    Args:
        policy: the policy folder or Hub id.
        config: the run's ``trl.GRPOConfig``.
        extra_args: ``launch.vllm_serve_args``.
        env: ``launch.vllm_serve_env``.

    Returns:
        ``(command, errors)``.
    """
    from trl.scripts.vllm_serve import make_parser

    errors: list[str] = []
    if any(a == "--model" or a.startswith("--model=") for a in extra_args):
        errors.append("launch.vllm_serve_args: --model is the policy; do not set it here")
    command = ["trl", "vllm-serve", "--model", policy, *extra_args]
    has_port = any(a == "--port" or a.startswith("--port=") for a in extra_args)
    if not has_port and config.vllm_server_base_url is None:
        command += ["--port", str(config.vllm_server_port)]
    try:
        script_args, _ = make_parser().parse_args_and_config(args=command[2:], return_remaining_strings=True)
    except SystemExit:  # argparse reports the bad value on stderr
        return shlex.join(command), errors + ["launch.vllm_serve_args: trl vllm-serve rejects these arguments"]
    if config.vllm_server_base_url is None and script_args.port != config.vllm_server_port:
        errors.append(
            f"launch.vllm_serve_args: the server listens on port {script_args.port} but trl.vllm_server_port "
            f"is {config.vllm_server_port}"
        )
    return _env_prefix(env or {}) + shlex.join(command), errors
