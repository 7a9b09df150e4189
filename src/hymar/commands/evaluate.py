"""`hymar eval POLICY OUT_DIR`: generate on a test split and score with the training reward's verifiers.

Writes OUT_DIR/eval.json (per-domain accuracy, format adherence, mean length, optional model-reward
score, and every generation) and OUT_DIR/eval.md (the same as tables). See `hymar.eval.evaluate`.
"""

from __future__ import annotations

import argparse
import sys

from hymar.commands.train import (
    add_dataset_arguments,
    add_reward_arguments,
    build_reward,
    load_task_dataset,
)

EXIT_OK, EXIT_ERROR = 0, 1

DESCRIPTION = "Evaluate a policy on a test split: accuracy per domain, format adherence, answer length, model reward."

EPILOG = """\
examples:
  hymar eval out/grpo out/eval                              # 200 synthetic test rows, greedy
  hymar eval out/grpo out/eval --preset hybrid-aspects-length   # also the model-reward score
  hymar eval Qwen/Qwen2.5-VL-3B-Instruct out/eval --dataset data/test.jsonl --split test \\
      --column-map '{"question": "prompt", "gt": "answer"}' --max-new-tokens 512 --batch-size 8
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    if parser.description is None:
        parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("policy", metavar="POLICY", help="policy folder or Hub id")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="folder for eval.json and eval.md")
    add_dataset_arguments(parser, split="test", rows_flag="--test-rows", rows_default=200)
    add_reward_arguments(parser, default=None)
    gen = parser.add_argument_group("generation")
    gen.add_argument("--batch-size", type=int, default=16, help="prompts per generate call (default: %(default)s)")
    gen.add_argument("--max-new-tokens", type=int, default=128, help="tokens per completion (default: %(default)s)")
    gen.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default: %(default)s)")
    gen.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    gen.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    gen.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Evaluate; print the overall numbers and the report paths. Returns the exit code."""
    from hymar.eval.evaluate import evaluate
    from hymar.models.loading import ModelLoadError
    from hymar.rewards.config import ConfigError

    try:
        reward = build_reward(args)
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
        json_path, md_path = result.save(args.out_dir)
    except (ValueError, OSError, ConfigError, ModelLoadError) as err:
        print(f"hymar eval: {err}", file=sys.stderr)
        return EXIT_ERROR
    accuracy = result.accuracy.get("overall")
    shown = "-" if accuracy is None else f"{100 * accuracy:.1f}%"
    print(
        f"{args.policy}: accuracy {shown} on {result.overall.verifiable} verifiable rows, format "
        f"{result.overall.format:.3f}, mean length {result.overall.mean_length:.1f} words; {json_path}, {md_path}"
    )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hymar.commands.evaluate``)."""
    parser = argparse.ArgumentParser(prog="hymar eval")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
