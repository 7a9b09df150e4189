"""MATH-Vision (MathLLMs/MathVision, splits testmini (304) and test (3,040)).

Columns (dataset card, https://huggingface.co/datasets/MathLLMs/MathVision; lmms-eval
tasks/mathvision/utils.py): id, question (with an ``<image1>`` placeholder), options (list of option
texts; empty for free-form questions), image (a path), decoded_image (the image), answer (the option
LETTER when options are given, else the value), solution, level (1-5), subject.

Mapping: the ``<imageN>`` placeholder is removed (the image comes first in the prompt); options are
listed as "(A) ..." lines after the question; with options -> task "choice" (gold letter), without
-> task "math". Domain: subject.

Official metric: rule-based answer extraction + `is_equal` (the MATH-V repo's evaluation), which
also accepts the option's text. hymar's verifier accepts the letter or the option text too, and
compares free-form values with its symbolic/numeric comparer.
"""

from __future__ import annotations

from typing import Any

from hymar.data.benchmarks.base import (
    BenchmarkMapper,
    BenchmarkRowError,
    Row,
    lettered,
    replace_image_tags,
    row_id,
    string_list,
    text_of,
)
from hymar.data.benchmarks.images import example_image
from hymar.rewards.rules.choice import LETTERS

COLUMN_MAP = {"id": "id", "question": "prompt", "decoded_image": "image", "answer": "answer"}


def map_row(row: Row) -> dict[str, Any]:
    """One MATH-Vision row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    question = replace_image_tags(text_of(row, "prompt"), lambda n: "").strip()
    options = string_list(row.get("options"), row, "options")
    answer = text_of(row, "answer").strip()
    if options:
        letter = answer.strip("()").upper()
        if len(letter) != 1 or letter not in LETTERS[: len(options)]:
            raise BenchmarkRowError(f"row {row_id(row)}: answer {answer!r} is not one of the {len(options)} option letters")
        prompt, task, answer = f"{question}\nChoices:\n{lettered(options)}", "choice", letter
    else:
        prompt, task = question, "math"
    return {
        "id": row.get("id"),
        "domain": text_of(row, "subject", required=False) or "mathvision",
        "task": task,
        "prompt": prompt,
        "image": row.get("image"),
        "answer": answer,
        "metadata": {"benchmark": "mathvision", "options": options, "level": row.get("level"), "subject": row.get("subject")},
        "grading": None,
    }


def example_rows() -> list[dict[str, Any]]:
    """A hand-written multiple-choice and a free-form row in the test/testmini format."""
    return [
        {
            "id": "3", "question": "Which of the figures shows the kangaroo from above?\n<image1>",
            "options": ["A", "B", "C", "D", "E"], "image": "images/3.jpg",
            "decoded_image": example_image(text="A B C D E"), "answer": "B", "solution": None, "level": 1,
            "subject": "transformation geometry",
        },
        {
            "id": "7", "question": "How many squares are there in the picture?\n<image1>", "options": [],
            "image": "images/7.jpg", "decoded_image": example_image(text="#"), "answer": "14", "solution": None,
            "level": 2, "subject": "counting",
        },
    ]  # fmt: skip


MAPPER = BenchmarkMapper(
    name="mathvision",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer", "options"),
    official_metric="rule-based answer extraction + is_equal (letter or option text), accuracy",
    hymar_metric="rule extraction + hymar verifiers (letter or option text; symbolic/numeric for free-form)",
)
