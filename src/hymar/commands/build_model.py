"""`hymar build-model OUT_DIR [--size test|default|large]`: build the embedded tiny policy.

Writes an ordinary Hugging Face folder (see `hymar.models.tiny.build_tiny_vlm`) whose tokenizer is
trained on the synthetic task suite's texts (or on ``--corpus FILE``, one text per line).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from hymar.models.tiny import BUILD_INFO_FILE, SIZES

EXIT_OK, EXIT_ERROR = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    parser.add_argument("out_dir", help="folder to write the model to")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="named model size (default: %(default)s)")
    parser.add_argument("--image-size", type=int, default=None, help="image side in pixels, a multiple of 28 (default: the size's)")
    parser.add_argument("--seed", type=int, default=0, help="weight initialisation and task-suite seed (default: %(default)s)")
    parser.add_argument("--corpus", default=None, help="tokenizer corpus: a UTF-8 text file, one text per line (default: task-suite texts)")
    parser.add_argument("--corpus-examples", type=int, default=2000, help="task-suite rows for the default corpus (default: %(default)s)")


def _suite_corpus(n_rows: int, seed: int, image_size: int) -> Iterator[str]:
    from hymar.data.synthetic import build_task_suite, task_corpus

    # train rows only: the tokenizer never sees test texts
    yield from task_corpus(build_task_suite(n_rows, 0, seed=seed, image_size=image_size))


def _file_corpus(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\n")


def run(args: argparse.Namespace) -> int:
    """Build the model; print the folder and its parameter count. Returns the exit code."""
    from hymar.models.tiny import build_tiny_vlm

    try:
        spec = SIZES[args.size]
        if args.image_size is not None:
            spec = dataclasses.replace(spec, image_size=args.image_size)
        if args.corpus is not None:
            corpus_path = Path(args.corpus)
            if not corpus_path.is_file():
                raise ValueError(f"corpus file {corpus_path} does not exist")
            corpus = _file_corpus(corpus_path)
        else:
            corpus = _suite_corpus(args.corpus_examples, args.seed, spec.image_size)
        out = Path(args.out_dir)
        if out.exists() and not out.is_dir():
            raise ValueError(f"{out} exists and is not a folder")
        folder = build_tiny_vlm(out, corpus, spec, seed=args.seed)
    except (ValueError, OSError) as err:
        print(f"hymar build-model: {err}", file=sys.stderr)
        return EXIT_ERROR
    info = json.loads((folder / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    print(f"{folder}: {info['parameters']:,} parameters, size {args.size}, image {spec.image_size}px ({spec.image_tokens} image tokens)")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m hymar.commands.build_model``) until the CLI wires the subcommand."""
    parser = argparse.ArgumentParser(prog="hymar build-model", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
