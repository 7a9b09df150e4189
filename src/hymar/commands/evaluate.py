"""`hymar eval POLICY OUT_DIR` and `hymar eval RECIPE.yaml`: generate and score with the reward's verifiers.

Writes OUT_DIR/eval.json (per-domain accuracy, format adherence, mean length, optional model-reward
score, and every generation) and OUT_DIR/eval.md (the same as tables). See `hymar.eval.evaluate`.

The first positional is an eval recipe when it names an existing .yaml/.yml file (`recipes/eval/`,
schema in `hymar.recipes.eval.recipe`): a public benchmark loaded with ``datasets.load_dataset`` and
mapped by its row mapper (`hymar.data.benchmarks`). ``--dry-run`` validates a recipe and maps its
mapper's built-in example rows without downloading anything (`hymar.recipes.eval.dry_run`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hymar.commands.reward_args import add_reward_arguments, build_reward, reward_source
from hymar.commands.train import add_dataset_arguments, load_task_dataset

EXIT_OK, EXIT_ERROR = 0, 1

DESCRIPTION = "Evaluate a policy on a test split: accuracy per domain, format adherence, answer length, model reward."

EPILOG = """\
examples:
  hymar eval recipes/eval/mathvista-testmini.yaml --policy Qwen/Qwen2.5-VL-3B-Instruct --dry-run
  hymar eval recipes/eval/chartqa.yaml --policy out/grpo --out out/eval/chartqa --limit 200
  hymar eval recipes/eval/mathvision.yaml --policy out/grpo --split test   # the full test split
  hymar eval out/grpo out/eval                              # 200 synthetic test rows, greedy
  hymar eval out/grpo out/eval --preset hybrid-aspects-length   # also the model-reward score
  hymar eval Qwen/Qwen2.5-VL-3B-Instruct out/eval --dataset data/test.jsonl --split test \\
      --column-map '{"question": "prompt", "gt": "answer"}' --max-new-tokens 512 --batch-size 8
"""


GENERATION_DEFAULTS = {"batch_size": 16, "max_new_tokens": 128, "temperature": 0.0, "seed": 0}
DEFAULT_SPLIT = "test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    if parser.description is None:
        parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("policy", metavar="POLICY|RECIPE", help="policy folder or Hub id, or an eval recipe (.yaml)")
    parser.add_argument("out_dir", metavar="OUT_DIR", nargs="?", default=None, help="folder for eval.json and eval.md")
    recipe = parser.add_argument_group("eval recipe")
    recipe.add_argument("--policy", dest="policy_override", default=None, metavar="P", help="policy to evaluate (overrides the recipe's)")
    recipe.add_argument("--out", default=None, metavar="DIR", help="output folder (overrides the recipe's output_dir)")
    recipe.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate the first N rows only")
    recipe.add_argument("--dry-run", action="store_true", help="validate and print the resolved configuration; load nothing")
    add_dataset_arguments(parser, split=DEFAULT_SPLIT, rows_flag="--test-rows", rows_default=200)
    parser.set_defaults(split=None)  # None = not given: a recipe keeps its own split
    for action in parser._actions:  # argparse has no public way to reword a shared option's help
        if action.dest == "split":
            action.help = f"split of --dataset or of the recipe's dataset (default: {DEFAULT_SPLIT} / the recipe's)"
    add_reward_arguments(parser, default=None)
    gen = parser.add_argument_group("generation (defaults: the recipe's, else the values shown)")
    gen.add_argument("--batch-size", type=int, default=None, help="prompts per generate call (16)")
    gen.add_argument("--max-new-tokens", type=int, default=None, help="tokens per completion (128)")
    gen.add_argument("--temperature", type=float, default=None, help="0 = greedy (0)")
    gen.add_argument("--seed", type=int, default=None, help="sampling seed (0)")
    gen.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    gen.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Evaluate (a recipe when the first positional is one); print the numbers and the report paths."""
    from hymar.recipes.eval.recipe import is_eval_recipe_path

    if is_eval_recipe_path(args.policy):
        return run_recipe(args)
    return run_policy(args)


def run_policy(args: argparse.Namespace) -> int:
    """`hymar eval POLICY OUT_DIR`: the synthetic suite or a mapped user dataset. Returns the exit code."""
    from hymar.models.loading import ModelLoadError
    from hymar.rewards.config import ConfigError

    out_dir = args.out_dir or args.out
    misplaced = [flag for flag, value in (("--policy", args.policy_override), ("--limit", args.limit)) if value is not None]
    if misplaced:
        print(f"hymar eval: {', '.join(misplaced)} apply to an eval recipe (.yaml); got policy {args.policy!r}", file=sys.stderr)
        return EXIT_ERROR
    if out_dir is None:
        print("hymar eval: OUT_DIR is required (or give an eval recipe .yaml as the first argument)", file=sys.stderr)
        return EXIT_ERROR
    args.split = args.split or DEFAULT_SPLIT
    for key, value in GENERATION_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    try:
        reward = build_reward(args)
        if args.dry_run:
            return _print_policy_plan(args, out_dir, reward)
        from hymar.eval.evaluate import evaluate

        data = load_task_dataset(args, split="test", rows=args.test_rows)
        result = evaluate(
            args.policy,
            data,
            batch_size=args.batch_size,
            max_new_tokens=args.max_new_tokens,
            reward=reward,
            temperature=args.temperature,
            seed=args.seed,
            device=args.device,
            progress=args.progress,
        )
        json_path, md_path = result.save(out_dir)
    except (ValueError, OSError, ConfigError, ModelLoadError) as err:
        print(f"hymar eval: {err}", file=sys.stderr)
        return EXIT_ERROR
    _print_summary(args.policy, result, json_path, md_path)
    return EXIT_OK


def run_recipe(args: argparse.Namespace) -> int:
    """`hymar eval RECIPE.yaml [--policy P] [--out DIR] [--limit N] [--dry-run]`. Returns the exit code."""
    import json

    from hymar.models.loading import ModelLoadError
    from hymar.recipes.eval.dry_run import dry_run
    from hymar.recipes.eval.recipe import (
        EvalRecipeError,
        load_eval_recipe,
        with_overrides,
    )
    from hymar.rewards.config import ConfigError

    legacy = [f for f, v in (("OUT_DIR", args.out_dir), ("--dataset", args.dataset), ("--column-map", args.column_map),
                             ("--image-root", args.image_root), ("--task", args.task)) if v is not None]  # fmt: skip
    if legacy:
        print(f"hymar eval: {', '.join(legacy)} do not apply to a recipe; use --out, or edit {args.policy}", file=sys.stderr)
        return EXIT_ERROR
    try:
        source = reward_source(args)
    except ValueError as err:
        print(f"hymar eval: {err}", file=sys.stderr)
        return EXIT_ERROR
    reward = None if source is None else source.model_dump()
    try:
        recipe = with_overrides(
            load_eval_recipe(args.policy), origin=f"{args.policy} (with command-line values)", policy=args.policy_override, output_dir=args.out,
            limit=args.limit, split=args.split, reward=reward,
            **{key: getattr(args, key) for key in GENERATION_DEFAULTS},
        )  # fmt: skip
    except EvalRecipeError as err:
        print(f"hymar eval: {err}", file=sys.stderr)
        return EXIT_ERROR
    if args.dry_run:
        report = dry_run(recipe)
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
        for line in report.errors:
            print(f"hymar eval: {args.policy}: {line}", file=sys.stderr)
        return EXIT_OK if report.ok else EXIT_ERROR
    if recipe.policy is None:
        print(f"hymar eval: {args.policy}: no policy: give --policy or set policy in the recipe", file=sys.stderr)
        return EXIT_ERROR
    try:
        result = _evaluate_recipe(recipe, args)
        json_path, md_path = result.save(recipe.output_dir)
    except (ValueError, OSError, ConfigError, ModelLoadError) as err:
        print(f"hymar eval: {err}", file=sys.stderr)
        return EXIT_ERROR
    _print_summary(f"{recipe.benchmark} / {recipe.policy}", result, json_path, md_path)
    return EXIT_OK


def _evaluate_recipe(recipe: Any, args: argparse.Namespace) -> Any:
    """Load the benchmark (datasets.load_dataset + mapper), generate and score."""
    from hymar.data.benchmarks.load import load_benchmark
    from hymar.eval.evaluate import evaluate

    reward = None
    if recipe.reward is not None:
        reward = recipe.reward.build() if recipe.reward.config is not None or recipe.reward.set else recipe.reward.preset
    ds = recipe.dataset
    data = load_benchmark(
        ds.source, split=ds.split, config=ds.config, column_map=ds.column_map, mapper=ds.mapper, task=ds.task,
        prompt_format=recipe.prompt.to_format(), load_kwargs=ds.load_kwargs, limit=ds.limit,
    )  # fmt: skip
    gen = recipe.generation
    result = evaluate(
        recipe.policy, data, batch_size=gen.batch_size, max_new_tokens=gen.max_new_tokens, reward=reward,
        temperature=gen.temperature, seed=gen.seed, device=args.device, progress=args.progress,
    )  # fmt: skip
    result.settings.update(
        benchmark=recipe.benchmark, dataset=f"{ds.source}:{ds.config or 'default'}:{ds.split}", mapper=ds.mapper or "generic"
    )
    return result


def _print_policy_plan(args: argparse.Namespace, out_dir: str, reward: Any) -> int:
    """--dry-run without a recipe: the settings a run would use (nothing is loaded)."""
    import json

    from hymar.eval.generate import GenerationSettings

    GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, temperature=args.temperature, seed=args.seed)
    plan = {
        "policy": args.policy, "output_dir": out_dir,
        "dataset": args.dataset or f"synthetic suite ({args.test_rows} test rows)", "split": args.split,
        "reward": reward if reward is None or isinstance(reward, str) else type(reward).__name__,
        "generation": {k: getattr(args, k) for k in GENERATION_DEFAULTS},
    }  # fmt: skip
    print(json.dumps(plan, indent=2))
    return EXIT_OK


def _print_summary(label: str, result: Any, json_path: Any, md_path: Any) -> None:
    accuracy = result.accuracy.get("overall")
    shown = "-" if accuracy is None else f"{100 * accuracy:.1f}%"
    if result.overall.anls is not None:
        shown += f", ANLS {result.overall.anls:.3f}"
    print(
        f"{label}: accuracy {shown} on {result.overall.verifiable} verifiable rows, format "
        f"{result.overall.format:.3f}, mean length {result.overall.mean_length:.1f} words; {json_path}, {md_path}"
    )


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hymar.commands.evaluate``)."""
    parser = argparse.ArgumentParser(prog="hymar eval")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
