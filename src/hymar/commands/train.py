"""`hymar train OUT_DIR`: GRPO on a policy, driven by a hymar reward preset or config (see `hymar.train.grpo`).

Data: the synthetic task suite's train split (default) or a user dataset (``--dataset``: JSONL with
images, a folder or a Hub name, columns mapped with ``--column-map``). Writes the aligned policy to
OUT_DIR with ``checkpoint-N/`` folders, TensorBoard logs in ``OUT_DIR/logs`` (every reward component's
curve) and ``grpo_metrics.json`` (step time, share of it spent computing rewards).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hymar.commands.reward_args import add_reward_arguments, build_reward
from hymar.recipes.train.settings_flags import add_settings_flags
from hymar.train.grpo import METRICS_FILE

EXIT_OK, EXIT_ERROR = 0, 1

DESCRIPTION = "GRPO (TRL) on a policy with a hymar reward: checkpoints, TensorBoard logs per reward component."

EPILOG = """\
examples:
  hymar train out/grpo --policy out/sft                        # the default reward (harmo) on the synthetic suite
  hymar train out/grpo --policy out/sft --preset rule-only --max-steps 50
  hymar train out/grpo --policy out/sft --advantage grpo --loss-type dapo
  hymar train out/grpo --policy out/sft --set components.model.type=reward_model \\
      --set components.model.args.path=out/rm
  hymar train recipes/train/qwen2.5-vl-3b-harmo.yaml --set grpo.learning_rate=1e-6 --set trl.num_iterations=2 --dry-run
  hymar train out/grpo --policy Qwen/Qwen2.5-VL-3B-Instruct --dataset data/train.jsonl \\
      --column-map '{"question": "prompt", "gt": "answer", "image_path": "image"}' --learning-rate 1e-6 --beta 0.04

advantage: harmo = r - mean(r) per group (no std division, TRL scale_rewards="none");
           grpo = (r - mean) / std per group; batch = std over the whole batch.
watch: tensorboard --logdir OUT_DIR/logs   (--report-to wandb: an offline run; wandb sync OUT_DIR/logs/wandb/offline-run-*)
"""


# ----------------------------------------------------------------------------- shared with `hymar eval`
def add_dataset_arguments(parser: argparse.ArgumentParser, *, split: str, rows_flag: str, rows_default: int) -> None:
    """Arguments choosing the task data: the synthetic suite (default) or a mapped user dataset."""
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", default=None, metavar="SOURCE", help="user dataset: JSONL file, folder or Hub name (default: the synthetic suite)")
    data.add_argument("--split", default=None, help=f"split of --dataset (default: {split})")
    data.add_argument("--column-map", default=None, metavar="JSON", help='map user columns, e.g. \'{"question": "prompt", "gt": "answer"}\'')
    data.add_argument("--image-root", default=None, metavar="DIR", help="folder relative image paths of --dataset start from")
    data.add_argument("--task", default=None, metavar="TAG", help="task tag for rows of --dataset without one (math, choice, open, ...)")
    data.add_argument(rows_flag, type=int, default=rows_default, metavar="N", help="synthetic suite rows (default: %(default)s)")
    data.add_argument("--data-seed", type=int, default=0, help="synthetic suite seed (default: %(default)s)")
    data.add_argument("--domains", default=None, metavar="A,B", help="synthetic suite domains (default: all)")
    data.add_argument("--image-size", type=int, default=84, help="synthetic image side in pixels (default: %(default)s)")


def load_task_dataset(args: argparse.Namespace, *, split: str, rows: int) -> Any:
    """The dataset chosen by `add_dataset_arguments`' options.

    Args:
        args: parsed arguments.
        split: "train" or "test" (the synthetic suite's split).
        rows: synthetic rows of that split.

    Returns:
        A ``datasets.Dataset`` in the task layout.
    """
    if args.dataset is not None:
        from hymar.data.adapter import load_mapped_dataset

        column_map = json.loads(args.column_map) if args.column_map else None
        if column_map is not None and not isinstance(column_map, dict):
            raise ValueError("--column-map must be a JSON object")
        return load_mapped_dataset(args.dataset, split=args.split or split, column_map=column_map, image_root=args.image_root, task=args.task,
                                   load_kwargs=getattr(args, "dataset_load_kwargs", None))  # set by a train recipe
    from hymar.data.synthetic import build_task_suite

    if rows < 1:
        raise ValueError("the synthetic suite needs at least 1 row")
    domains = [d.strip() for d in args.domains.split(",") if d.strip()] if args.domains else None
    sizes = {"train": rows, "test": 0} if split == "train" else {"train": 0, "test": rows}
    return build_task_suite(sizes["train"], sizes["test"], seed=args.data_seed, image_size=args.image_size, domains=domains)[split]


# ----------------------------------------------------------------------------- hymar train
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    if parser.description is None:
        parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("out_dir", metavar="OUT_DIR", help="run folder: policy, checkpoints, logs/, grpo_metrics.json")
    parser.add_argument("--policy", default=None, metavar="PATH", help="policy folder or Hub id (default: build the untrained tiny VLM into OUT_DIR/initial-policy; SFT it first for a useful run)")
    from hymar.recipes.train.cli_args import install as install_recipe_args

    install_recipe_args(parser)  # OUT_DIR may be a recipe .yaml (its values become defaults); --out, --dry-run
    add_reward_arguments(parser)
    add_dataset_arguments(parser, split="train", rows_flag="--train-rows", rows_default=400)
    add_settings_flags(parser)  # one flag per GRPOSettings field: --advantage, --beta, --report-to, --cpu, ...
    parser.add_argument("--resume", nargs="?", const=True, default=None, metavar="CHECKPOINT", help="continue from the newest complete OUT_DIR/checkpoint-N, or from CHECKPOINT (see docs/training.md)")


def _default_policy(out: Path, data: Any) -> Path:
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    folder = out / "initial-policy"
    print(f"hymar train: no --policy; building the untrained tiny VLM in {folder} (a random policy earns "
          "little reward: SFT it first for a useful run)", file=sys.stderr)
    return build_tiny_vlm(folder, task_corpus(data), SIZES["default"])


def run(args: argparse.Namespace) -> int:
    """Run GRPO; print where the policy and logs went. Returns the exit code."""
    from hymar.models.loading import ModelLoadError
    from hymar.recipes.train.cli_args import apply_recipe, resolve_settings
    from hymar.rewards.config import ConfigError
    from hymar.train.grpo import LOG_DIR, run_grpo
    from hymar.train.ranks import build_on_main, is_main_process

    try:
        apply_recipe(args)
    except ValueError as err:
        print(f"hymar train: {err}", file=sys.stderr)
        return EXIT_ERROR
    if getattr(args, "dry_run", False):
        from hymar.recipes.train.dry_run import dry_run

        return dry_run(args)
    try:
        settings = resolve_settings(args)
        reward = build_reward(args)
        data = load_task_dataset(args, split="train", rows=args.train_rows)
        out = Path(args.out_dir)
        if out.exists() and not out.is_dir():
            raise ValueError(f"{out} exists and is not a folder")
        # several processes (torchrun / accelerate launch): only the main one builds the default policy
        policy = args.policy if args.policy is not None else build_on_main(out / "initial-policy", lambda: _default_policy(out, data), cpu=settings.use_cpu)
        folder = run_grpo(policy, data, out, reward=reward, settings=settings, resume=args.resume)
    except (ValueError, OSError, ConfigError, ModelLoadError) as err:
        print(f"hymar train: {err}", file=sys.stderr)
        return EXIT_ERROR
    if not is_main_process():  # the main process writes the metrics and prints the summary
        return EXIT_OK
    metrics = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    timing = metrics.get("timing") or {}
    print(
        f"{folder}: {metrics['steps']} steps in {metrics['wall_seconds']} s, reward {metrics['first_logged_reward']} -> "
        f"{metrics['last_logged_reward']}, reward share of step time {timing.get('reward_share_steady')}; "
        f"logs in {folder / LOG_DIR}"
        + (f"; {metrics['num_processes']} processes, ranks agree: {metrics['ranks_agree']}" if metrics.get("num_processes", 1) > 1 else "")
    )
    return EXIT_OK


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hymar train")
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.command_argv = list(argv)  # the dry run prints the launch line as given
    return args


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` (the arguments after ``hymar train``) parsed, recipe applied (`apply_recipe`).

    Raises:
        ValueError: ``--out`` without a recipe.
    """
    from hymar.recipes.train.cli_args import apply_recipe

    return apply_recipe(_parse(argv))


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hymar.commands.train``)."""
    return run(_parse(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    raise SystemExit(main())
