"""`hymar demo [--out DIR] [--seeds N] [--quick | --full] [--presets a,b,...] [--fresh]`: the study in miniature.

Builds the tiny VLM and the synthetic suite, SFTs one base, trains a vector reward model, runs GRPO from
the base with each reward preset and seed, evaluates everything on the test split and writes
DIR/report.md, DIR/results.json and PNG plots (see `hymar.demo.pipeline`). Finished stages are cached
in DIR, so a rerun (e.g. with more presets) only does what is missing; ``--fresh`` redoes all.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from hymar.demo.settings import DEFAULT_PRESETS, DemoSettings, full_settings, quick_settings

EXIT_OK, EXIT_ERROR = 0, 1

DESCRIPTION = "The HARMO study in miniature: SFT base, reward model, GRPO per preset and seed, report and plots."
EPILOG = """\
examples:
  hymar demo                              # default run (<= 15 min on 2 CPU cores) into out/demo
  hymar demo --full                       # every preset x 3 seeds, no time budget (~30 min)
  hymar demo --quick --out /tmp/demo      # tiny smoke run (< 2 min)
  hymar demo --seeds 1 --presets rule-only,hybrid-aspects-length
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    if parser.description is None:
        parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--out", default="out/demo", metavar="DIR", help="output folder, also the stage cache (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=None, metavar="N", help="GRPO seeds for every preset (default: 2 for the full method and rule-only, 1 for the others; 3 with --full; 1 with --quick)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="tiny sizes for tests and smoke runs")
    mode.add_argument("--full", action="store_true", help="every preset with 3 seeds, without the 15-minute budget")
    parser.add_argument("--presets", default=None, metavar="A,B", help=f"reward presets (default: {','.join(DEFAULT_PRESETS)})")
    parser.add_argument("--grpo-steps", type=int, default=None, metavar="N", help="GRPO steps per run (default: the mode's)")
    parser.add_argument("--threads", type=int, default=None, metavar="N", help="torch CPU threads (default: torch's)")
    parser.add_argument("--fresh", action="store_true", help="rerun every stage, ignoring the cache in --out")


def settings_from_args(args: argparse.Namespace) -> DemoSettings:
    """The `DemoSettings` the options ask for."""
    settings = quick_settings() if args.quick else full_settings() if getattr(args, "full", False) else DemoSettings()
    changes: dict = {}
    if args.seeds is not None:
        changes["seeds"] = args.seeds
        changes["preset_seeds"] = ()
    if args.presets:
        from hymar.rewards.presets import preset_path

        presets = tuple(p.strip() for p in args.presets.split(",") if p.strip())
        for name in presets:
            preset_path(name)  # an unknown name fails here, before anything trains
        changes["presets"] = presets
    if args.grpo_steps is not None:
        changes["grpo_steps"] = args.grpo_steps
    if args.threads is not None:
        changes["threads"] = args.threads
    return replace(settings, **changes)


def run(args: argparse.Namespace) -> int:
    """Run the demo; prints the accuracy table and the total wall time."""
    from hymar.demo.pipeline import run_demo
    from hymar.demo.results import REPORT_FILE

    try:
        settings = settings_from_args(args)
    except ValueError as err:  # ConfigError (unknown preset) is a ValueError too
        print(f"hymar demo: {err}", file=sys.stderr)
        return EXIT_ERROR
    start = time.perf_counter()
    try:
        results = run_demo(args.out, settings, fresh=args.fresh)
    except (ValueError, OSError) as err:
        print(f"hymar demo: {err}", file=sys.stderr)
        return EXIT_ERROR
    wall = time.perf_counter() - start
    print(_summary(results))
    print(f"report: {args.out}/{REPORT_FILE}")
    print(f"total wall time: {wall:.1f} s")
    return EXIT_OK


def _summary(results: dict) -> str:
    """A short plain-text accuracy table: overall accuracy and mean length per policy."""
    lines = [f"{'policy':<24}{'overall acc %':>14}{'mean length':>13}"]
    base = results["base"]
    lines.append(f"{'SFT base':<24}{100 * base['accuracy'].get('overall', 0.0):>14.1f}{base['mean_length']:>13.1f}")
    for preset, run_ in results["runs"].items():
        acc = run_["accuracy"].get("overall")
        std = (run_.get("accuracy_std") or {}).get("overall") or 0.0
        text = "-" if acc is None else f"{100 * acc:.1f}" + (f"±{100 * std:.1f}" if std else "")
        lines.append(f"{preset:<24}{text:>14}{run_['mean_length']:>13.1f}")
    return "\n".join(lines)
