"""`hymar train-rm OUT_DIR`: train a scalar or vector reward model on a VLM backbone.

Feedback: perturbation pairs from the synthetic task suite (default), human preference pairs
(``--pairs``, {prompt, images, chosen, rejected} JSONL / folder / Hub name), verifier-labelled samples
of a policy (``--policy``). Writes a reward-model folder that ``LearnedRewardModel`` loads and the
hybrid combiner takes by path, ``calibration.json`` and ``rm_report.json`` (held-out pairwise accuracy
per aspect, calibration error before/after per-domain calibration). See `hymar.train.rm.training`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from hymar.data.synthetic.perturb import ASPECTS
from hymar.models.tiny import SIZES
from hymar.train.rm.training import RMRunConfig, quick_config

EXIT_OK, EXIT_ERROR = 0, 1

_DEFAULT = RMRunConfig()
_QUICK = quick_config()

DESCRIPTION = (
    "Train a scalar or vector reward model on a VLM backbone from synthetic perturbation pairs, human "
    "preference pairs and verifier-labelled policy samples; report held-out pairwise accuracy per aspect "
    "and calibration error before/after per-domain calibration."
)

EPILOG = """\
examples:
  hymar train-rm out/rm                         # vector RM on the tiny VLM, synthetic pairs
  hymar train-rm out/rm --scalar --steps 400    # one Bradley-Terry output
  hymar train-rm out/rm --backbone out/sft --pairs prefs.jsonl --policy out/sft
  hymar train-rm out/rm --backbone Qwen/Qwen2.5-VL-3B-Instruct --lr 1e-5 --batch-size 4 --device cuda

use the result in a reward (the "model" component of a preset):
  hymar score in.jsonl -o out.jsonl --preset model-only \\
      --set components.model.type=reward_model --set components.model.args.path=out/rm
  with a hybrid preset (hybrid, hybrid-aspects, ...), also --set calibration.path=out/rm/calibration.json
  to map the model score to P(correct) per task before it is routed or blended.
"""


def _both(attr: str) -> str:
    """"(default: X; --quick: Y)" for a config attribute path such as "train.steps"."""
    default, quick = _DEFAULT, _QUICK
    for part in attr.split("."):
        default, quick = getattr(default, part), getattr(quick, part)
    return f"(default: {default}; --quick: {quick})" if default != quick else f"(default: {default})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    if parser.description is None:
        parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("out_dir", metavar="OUT_DIR", help="reward-model folder to write (rm_report.json and calibration.json go in it)")
    model = parser.add_argument_group("model")
    model.add_argument("--backbone", default=None, metavar="PATH", help="VLM folder or Hub id (default: build the tiny VLM into OUT_DIR/backbone)")
    kind = model.add_mutually_exclusive_group()
    kind.add_argument("--vector", dest="vector", action="store_true", default=None, help="one head per aspect (the default)")
    kind.add_argument("--scalar", dest="vector", action="store_false", help="one Bradley-Terry output")
    model.add_argument("--aspects", default=None, metavar="A,B,C", help=f"aspect heads / synthetic pair aspects (default: {','.join(ASPECTS)})")
    model.add_argument("--aspect-weights", default=None, metavar="A=W,...", help="weights of the total score (default: 1/n each)")
    model.add_argument("--size", choices=sorted(SIZES), default=None, help=f"size of the built tiny backbone {_both('model_size')}")
    data = parser.add_argument_group("feedback data")
    data.add_argument("--pairs", default=None, metavar="PATH", help="human preference pairs: {prompt, images, chosen, rejected} JSONL, folder or Hub name")
    data.add_argument("--column-map", default=None, metavar="JSON", help='map user columns for --pairs, e.g. \'{"question": "prompt"}\'')
    data.add_argument("--image-root", default=None, metavar="DIR", help="folder relative image paths of --pairs start from (default: the file's folder)")
    data.add_argument("--no-synthetic", dest="synthetic", action="store_false", default=None, help="no perturbation pairs from the synthetic suite")
    data.add_argument("--policy", default=None, metavar="PATH", help="also pair right/wrong samples of this policy, labelled by the verifier")
    data.add_argument("--policy-prompts", type=int, default=None, metavar="N", help=f"train prompts sampled with --policy {_both('policy_prompts')}")
    data.add_argument("--policy-k", type=int, default=None, metavar="K", help=f"samples per prompt {_both('policy_k')}")
    data.add_argument("--train-rows", type=int, default=None, metavar="N", help=f"synthetic train rows {_both('train_rows')}")
    data.add_argument("--test-rows", type=int, default=None, metavar="N", help=f"synthetic held-out rows {_both('test_rows')}")
    data.add_argument("--pairs-per-row", type=int, default=None, metavar="N", help=f"perturbation pairs per row {_both('pairs_per_row')}")
    train = parser.add_argument_group("training")
    train.add_argument("--steps", type=int, default=None, metavar="N", help=f"optimizer steps {_both('train.steps')}")
    train.add_argument("--batch-size", type=int, default=None, metavar="N", help=f"pairs per step {_both('train.batch_size')}")
    train.add_argument("--lr", type=float, default=None, help=f"peak learning rate {_both('train.learning_rate')}; ~1e-5 for a pretrained VLM")
    train.add_argument("--max-length", type=int, default=None, metavar="N", help=f"skip pairs longer than this {_both('train.max_length')}")
    train.add_argument("--seed", type=int, default=None, help=f"suite, pairs, initialisation and batch order {_both('seed')}")
    train.add_argument("--calibration-method", choices=("affine", "temperature", "isotonic"), default=None, help=f"per-domain calibration fitted on held-out rows {_both('calibration_method')}")
    train.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    train.add_argument("--dtype", default=None, help="backbone dtype, e.g. bfloat16 (default: float32)")
    train.add_argument("--threads", type=int, default=None, metavar="N", help="torch CPU threads (default: torch's; 1 is often faster on a busy machine)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run (test-size backbone, few rows and steps)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table")


def _pairs_list(text: str, option: str) -> dict[str, float]:
    out = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ValueError(f"{option}: expected NAME=NUMBER items, got {item!r}")
    return out


def config_from_args(args: argparse.Namespace) -> RMRunConfig:
    """The run configuration: defaults (or --quick's), then every option given on the command line.

    Raises:
        ValueError: malformed --aspects / --aspect-weights / --column-map, or invalid settings.
    """
    base = quick_config() if args.quick else RMRunConfig()
    top: dict[str, Any] = {}
    simple = {
        "backbone": "backbone", "vector": "vector", "size": "model_size", "pairs": "human_pairs",
        "image_root": "image_root", "synthetic": "synthetic", "policy": "policy", "policy_prompts": "policy_prompts",
        "policy_k": "policy_k", "train_rows": "train_rows", "test_rows": "test_rows", "pairs_per_row": "pairs_per_row",
        "seed": "seed", "calibration_method": "calibration_method", "device": "device", "dtype": "dtype", "threads": "threads",
    }  # fmt: skip
    for arg, field_name in simple.items():
        if getattr(args, arg) is not None:
            top[field_name] = getattr(args, arg)
    if args.aspects is not None:
        top["aspects"] = tuple(a.strip() for a in args.aspects.split(",") if a.strip())
    if args.aspect_weights is not None:
        top["aspect_weights"] = _pairs_list(args.aspect_weights, "--aspect-weights")
    if args.column_map is not None:
        try:
            column_map = json.loads(args.column_map)
        except json.JSONDecodeError as err:
            raise ValueError(f"--column-map: not JSON: {err}") from err
        if not isinstance(column_map, dict) or not all(isinstance(v, str) for v in column_map.values()):
            raise ValueError('--column-map: expected a JSON object of strings, e.g. {"question": "prompt"}')
        top["human_column_map"] = column_map
    train: dict[str, Any] = {}
    for arg, field_name in {"steps": "steps", "batch_size": "batch_size", "lr": "learning_rate", "max_length": "max_length"}.items():
        if getattr(args, arg) is not None:
            train[field_name] = getattr(args, arg)
    if args.quiet:
        train["progress"] = False
    if train:
        top["train"] = dataclasses.replace(base.train, **train)
    return dataclasses.replace(base, **top)


def run(args: argparse.Namespace) -> int:
    """Train, save and report; print the table. Returns the exit code."""
    from hymar.models.errors import ModelLoadError
    from hymar.train.rm.training import CALIBRATION_FILE, REPORT_FILE, run_train_rm
    from hymar.train.rm.report import format_table

    try:
        config = config_from_args(args)
        report = run_train_rm(args.out_dir, config)
    except (ValueError, OSError, ModelLoadError) as err:
        print(f"hymar train-rm: {err}", file=sys.stderr)
        return EXIT_ERROR
    if not args.quiet:
        print(format_table(report))
        files = ", ".join(f for f in (REPORT_FILE, CALIBRATION_FILE if report["calibration"] else None) if f)
        print(f"{args.out_dir}: {report['model']['kind']} reward model ({', '.join(report['model']['aspects'])}); {files}; "
              f"{report['wall_seconds']['total']:.0f} s")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hymar.commands.train_rm``) until the CLI wires the subcommand."""
    parser = argparse.ArgumentParser(prog="hymar train-rm")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
