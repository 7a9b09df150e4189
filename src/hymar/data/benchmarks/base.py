"""What a benchmark row mapper is, and the helpers the mappers share.

A mapper turns one row of a public benchmark (after the recipe's ``column_map`` renamed its columns
onto hymar's names; the other columns keep their own names) into a hymar row::

    {"id", "domain", "task", "prompt" (str), "image" (PIL image / {"bytes", "path"} / None),
     "answer" (str or None), "reference", "metadata" (JSON-able dict), "grading" (Grading or None)}

`hymar.data.benchmarks.load.finalize_row` then applies the recipe's prompt format and stores the row
in the task-dataset layout (`hymar.data.synthetic.schema.TASK_FEATURES`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hymar.rewards.rules.choice import LETTERS

Row = Mapping[str, Any]


class BenchmarkRowError(ValueError):
    """A benchmark row the mapper cannot convert; the message names the row id and the column."""


@dataclass(frozen=True)
class BenchmarkMapper:
    """A named row mapper with a built-in example row in the real dataset's column format.

    Args:
        name: registry name (``mapper:`` in an eval recipe).
        map_row: renamed row -> hymar row (see the module docstring).
        example_rows: raw example rows (real column names and value formats, small PIL images).
        column_map: the canonical map of the dataset's columns onto hymar names (recipes restate it).
        requires: columns ``map_row`` reads after renaming (checked by ``--dry-run``).
        official_metric: what the benchmark's own scorer does.
        hymar_metric: how hymar grades instead.
    """

    name: str
    map_row: Callable[[Row], dict[str, Any]]
    example_rows: Callable[[], list[dict[str, Any]]]
    column_map: Mapping[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ("prompt", "answer")
    official_metric: str = ""
    hymar_metric: str = ""


def row_id(row: Row) -> str:
    """The row's id as text ("?" without one), for error messages."""
    value = row.get("id")
    return "?" if value is None else str(value)


def text_of(row: Row, column: str, *, required: bool = True) -> str:
    """A string column; numbers become text. Raises `BenchmarkRowError` for a missing required value."""
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BenchmarkRowError(f"row {row_id(row)}: column {column!r} is empty")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BenchmarkRowError(f"row {row_id(row)}: column {column!r} must be text, got {type(value).__name__}")
    return str(value)


def string_list(value: Any, row: Row, column: str) -> list[str]:
    """A list of strings from a list or from its Python/JSON literal text ("['a', 'b']").

    The text is parsed with `ast.literal_eval` (literals only, never code); anything that is not a
    list of strings/numbers raises `BenchmarkRowError`."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
            raise BenchmarkRowError(f"row {row_id(row)}: column {column!r} is not a list literal: {text[:60]!r}") from err
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int, float)) for v in value):
        raise BenchmarkRowError(f"row {row_id(row)}: column {column!r} must be a list of strings")
    return [str(v) for v in value]


def lettered(options: list[str], style: str = "({letter}) {text}") -> str:
    """Options as lines "(A) x", "(B) y" (the forms `hymar.rewards.rules.choice.parse_options` reads)."""
    if len(options) > len(LETTERS):
        raise ValueError(f"at most {len(LETTERS)} options are supported, got {len(options)}")
    return "\n".join(style.format(letter=LETTERS[i], text=text) for i, text in enumerate(options))


def choice_letter(answer: str, options: list[str], row: Row) -> str:
    """The letter of the option whose text is ``answer`` (exact, then whitespace/case-insensitive);
    an answer that already is a letter of one of the options is returned as is."""
    for i, text in enumerate(options):
        if text == answer:
            return LETTERS[i]
    folded = " ".join(answer.split()).lower()
    matches = [i for i, text in enumerate(options) if " ".join(text.split()).lower() == folded]
    if len(matches) == 1:
        return LETTERS[matches[0]]
    letter = answer.strip().strip("()").upper()
    if len(letter) == 1 and letter in LETTERS[: len(options)]:
        return letter
    raise BenchmarkRowError(f"row {row_id(row)}: answer {answer[:60]!r} is none of the choices {options[:10]}")


_IMAGE_TAG = re.compile(r"<image ?(\d{1,2})>")


def image_tags(text: str) -> list[int]:
    """The image numbers of ``<image 1>`` / ``<image1>`` placeholders in ``text``, in order of appearance."""
    return [int(m.group(1)) for m in _IMAGE_TAG.finditer(text)]


def replace_image_tags(text: str, replacement: Callable[[int], str]) -> str:
    """``text`` with every ``<image n>`` / ``<imagen>`` placeholder replaced by ``replacement(n)``."""
    return _IMAGE_TAG.sub(lambda m: replacement(int(m.group(1))), text)
