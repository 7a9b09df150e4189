"""`hymar view`: scored rollouts or a demo folder as one self-contained HTML page.

``hymar view SCORED.jsonl [--out view.html]``: one card per rollout (image, prompt, highlighted
completion, extracted answer, gold, reward, every component's value/confidence/validity), grouped
with each rollout's group-relative advantage, filters and per-component charts.
``hymar view DEMO_DIR [--out report.html]``: the demo's report (tables, plots, examples side by side).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a scored JSONL file (hymar score output) or a hymar demo folder")
    parser.add_argument(
        "-o", "--out",
        help="the HTML file to write (default: SCORED.html beside the JSONL file, or DEMO_DIR/report.html)",
    )


def default_out(path: Path) -> Path:
    return path / "report.html" if path.is_dir() else path.with_suffix(".html")


def run(args: argparse.Namespace) -> int:
    from hymar.view import write_rollouts_page
    from hymar.demo.html_page import write_demo_page_from_dir

    path = Path(args.path)
    out = Path(args.out) if args.out else default_out(path)
    if out.resolve() == path.resolve():
        print(f"hymar view: the output would overwrite the input {path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = write_demo_page_from_dir(path, out) if path.is_dir() else write_rollouts_page(path, out)
    except (OSError, ValueError) as err:
        print(f"hymar view: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {written}", file=sys.stderr)
    return EXIT_OK
