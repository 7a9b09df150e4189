"""The `hymar` command line: `score` and `presets` here, and one module per further subcommand in
`hymar.commands` (build-model, train-rm, train, eval, demo, serve; see `COMMANDS`).

Heavy imports happen inside the subcommands so `hymar --help` and `hymar score --preset rule-only`
start fast. Adding a command: docs/architecture.md, "Extension points".
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_LINE_ERRORS, EXIT_USAGE = 0, 1, 2


def cmd_score(args: argparse.Namespace) -> int:
    from hymar.commands.reward_args import reward_from_args
    from hymar.rewards.config import ConfigError
    from hymar.scoring import ScoreIOError, score_jsonl

    try:
        reward = reward_from_args(args)
    except (ConfigError, ValueError, KeyError, ImportError) as err:
        print(f"hymar score: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = score_jsonl(args.input, args.output, reward, batch_size=args.batch_size, progress=not args.quiet)
    except ScoreIOError as err:  # input unreadable or output unwritable: 2, never the line-error code 1
        print(f"hymar score: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        print(summary.table(), file=sys.stderr)
    return EXIT_LINE_ERRORS if summary.failed else EXIT_OK


def cmd_presets(args: argparse.Namespace) -> int:
    from hymar.rewards.presets import preset_names, preset_summary

    for name in preset_names():
        print(f"{name:<24} {preset_summary(name)}")
    return EXIT_OK


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser; only the ``selected`` external subcommand gets its arguments (and imports)."""
    parser = argparse.ArgumentParser(
        prog="hymar",
        description="Hybrid, multi-aspect rewards for RL alignment of multimodal LLMs.",
    )
    from hymar import __version__
    from hymar.commands.reward_args import add_reward_arguments

    parser.add_argument("--version", action="version", version=f"hymar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    score = sub.add_parser(
        "score",
        help="score a JSONL file of rollouts with a hybrid reward",
        description=(
            "Score rollouts. Input line: {id, prompt, completion, answer?, reference?, task?, images?, group?, "
            "constraints?}. Output line: the input plus 'reward' and 'components' {name: {value, confidence, "
            "valid, ...}}. A bad line gives an error record; the exit code is 1 if any line failed, 2 on a "
            "usage or config error, an unreadable input or an unwritable output."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    score.add_argument("input", help="input JSONL ('-' for stdin)")
    score.add_argument(
        "-o", "--output", required=True,
        help="output JSONL ('-' for stdout); a regular file is replaced atomically, a FIFO or device is written "
        "directly, a symlink is followed (its target is written)",
    )
    add_reward_arguments(score)
    score.add_argument("--batch-size", type=int, default=256, help="samples per reward call (groups stay whole)")
    score.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary table")
    score.set_defaults(func=cmd_score)

    presets = sub.add_parser("presets", help="list the built-in reward presets")
    presets.set_defaults(func=cmd_presets)

    # Subcommands that live in hymar.commands.*; a module is imported only when its command runs, so
    # `hymar --help` and `hymar score` never pay for torch/transformers imports.
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(command)
            command.set_defaults(func=module.run)
    return parser


#: command name -> (module with add_arguments(parser) and run(args) -> int, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build-model": ("hymar.commands.build_model", "build the embedded tiny Qwen2.5-VL-architecture policy"),
    "train-rm": ("hymar.commands.train_rm", "train a scalar or vector (per-aspect) reward model"),
    "train": ("hymar.commands.train", "align a policy with GRPO driven by a hymar reward"),
    "eval": ("hymar.commands.evaluate", "generate on a test split and score with the verifiers"),
    "demo": ("hymar.commands.demo", "the method end to end in miniature: SFT, RM, GRPO per preset, report"),
    "serve": ("hymar.commands.serve", "serve the reward over HTTP: POST /score, OpenRLHF /get_reward, GET /health"),
    "probe": ("hymar.commands.probe", "audit a reward config for exploits (hedges, format games, copying, length)"),
    "view": ("hymar.commands.view", "scored rollouts or a demo folder as one self-contained HTML page"),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(selected)
    args = parser.parse_args(argv)
    if getattr(args, "command", None) in argv:  # the subcommand's own arguments, as given (launch lines)
        args.command_argv = argv[argv.index(args.command) + 1:]
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
