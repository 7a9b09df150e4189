"""`hymar probe`: audit a reward config for exploits before training with it (see docs/probe.md)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from hymar.rewards.presets import DEFAULT_PRESET

EXIT_PASS, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = (
    "Score an honest correct completion, an honest wrong one and a library of known exploits (hedges, "
    "structure games, copying, length games, lookalikes, judge injections) for each prompt, in the groups "
    "GRPO would form, and flag every exploit whose advantage beats an honest wrong answer. Writes "
    "probe.md, probe.json and probe.png. Exit code 0: pass, 1: exploits flagged, 2: usage error."
)
EPILOG = """\
examples:
  hymar probe --preset harmo
  hymar probe --config reward.yaml --out out/probe
  hymar probe --config examples/probe-weak.yaml          # a substring reward: flagged, exit 1
  hymar probe --data rows.jsonl --column-map '{"question": "prompt", "gt": "answer"}'
  hymar probe --plugin my_exploits                        # a module that calls register_exploit"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    from hymar.commands.reward_args import add_reward_arguments

    add_reward_arguments(parser)  # --preset / --config / --set, the same everywhere
    data = parser.add_argument_group("prompts")
    data.add_argument("--data", help="a dataset the adapter reads (JSONL, folder, Hub name); default: the synthetic suite")
    data.add_argument("--column-map", help="JSON map of your columns onto hymar's (with --data)")
    data.add_argument("--split", default="test", help="split of --data (default: %(default)s)")
    data.add_argument("--task", help="task tag for rows without one (with --data)")
    data.add_argument("--limit", type=int, default=200, help="items read from --data (default: %(default)s)")
    data.add_argument("--per-domain", type=int, default=10, help="suite items per domain (default: %(default)s)")
    data.add_argument("--seed", type=int, default=0, help="suite seed (default: %(default)s)")
    audit = parser.add_argument_group("audit")
    audit.add_argument("--exploits", help="comma-separated subset of the exploit library")
    audit.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                       help="import MODULE first (it registers more exploits with hymar.probe.register_exploit)")
    audit.add_argument("--tolerance", type=float, default=None, help="advantage margin that flags an exploit (default 0.001)")
    audit.add_argument("--list", action="store_true", help="list the exploit library and exit")
    parser.add_argument("--out", default="out/probe", help="report folder (default: %(default)s)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the table")


def run(args: argparse.Namespace) -> int:
    """Run the audit; returns 0 (pass), 1 (flagged) or 2 (usage error)."""
    from hymar.probe import exploits, run_probe
    from hymar.probe.audit import DEFAULT_TOLERANCE
    from hymar.probe.report import to_markdown, write_report
    from hymar.rewards.config import ConfigError

    try:
        for module in args.plugin:
            importlib.import_module(module)
        if args.list:
            for e in exploits():
                print(f"{e.name:<22} {e.family:<10} {e.description}")
            return EXIT_PASS
        names = [n.strip() for n in args.exploits.split(",") if n.strip()] if args.exploits else None
        exploits(names)  # unknown names fail here, before any reward is built
        items = _items(args)
        reward = _reward(args)
    except (ConfigError, ValueError, KeyError, ImportError, FileNotFoundError) as err:
        print(f"hymar probe: {err}", file=sys.stderr)
        return EXIT_USAGE
    label = args.config or args.preset or DEFAULT_PRESET
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    result = run_probe(reward, items, exploit_names=names, tolerance=tolerance, label=label)
    paths = write_report(result, args.out)
    if not args.quiet:
        print(to_markdown(result))
        print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    return EXIT_PASS if result.passed else EXIT_FLAGGED


def _reward(args: argparse.Namespace):
    from hymar.commands.reward_args import reward_from_args

    return reward_from_args(args)


def _items(args: argparse.Namespace):
    from hymar.probe import items_from_rows, suite_items

    if args.data is None:
        return suite_items(per_domain=args.per_domain, seed=args.seed)
    from hymar.data.adapter import load_mapped_dataset

    column_map = json.loads(args.column_map) if args.column_map else None
    data = load_mapped_dataset(args.data, split=args.split, column_map=column_map, task=args.task)
    # rows without a gold are skipped, so read up to twice the limit
    items = items_from_rows([data[i] for i in range(min(len(data), 2 * args.limit))], limit=args.limit)
    if not items:
        raise ValueError(f"{args.data}: no row has a gold answer or a reference to probe with")
    return items
