"""MMMU (MMMU/MMMU, one config per subject (30), split validation: 900 rows; test has no answers).

Columns (dataset card, https://huggingface.co/datasets/MMMU/MMMU; lmms-eval tasks/mmmu/utils.py):
id ("validation_<Subject>_<n>"), question (with interleaved ``<image n>`` placeholders), options (a
STRING holding a Python list literal, "['$6', '$7']"), explanation, image_1 ... image_7 (None when
absent), img_type, answer (a letter for multiple choice; for open questions a value, sometimes a
list literal of acceptable values), topic_difficulty, question_type ("multiple-choice" | "open"),
subfield.

Mapping: options parsed with `ast.literal_eval` (literals only) and listed as "A. ..." lines;
multiple-choice -> task "choice" (gold letter); open -> no task tag (the comparer follows the gold),
a list-literal answer -> several acceptable golds. Images: a hymar row holds one image, so a row
with several images gets them stacked top to bottom, each labelled "image n", and every ``<image n>``
placeholder (in the question and the options) becomes "[image n]"; with a single image the
placeholder becomes "[image 1]" too. Domain: the subject (from the id).

Official metric: rule-based parsing (letter, or option text for long answers; a random letter when
nothing parses) and exact match; open answers by normalised string/number containment. hymar never
guesses a letter (no answer = wrong), and the stacked image differs from the interleaved images the
official prompt gives a multi-image model.
"""

from __future__ import annotations

import re
from typing import Any

from hymar.data.benchmarks.base import (
    BenchmarkMapper,
    BenchmarkRowError,
    Row,
    image_tags,
    lettered,
    replace_image_tags,
    row_id,
    string_list,
    text_of,
)
from hymar.data.benchmarks.images import example_image, stack_images
from hymar.data.benchmarks.grading import Grading
from hymar.rewards.rules.choice import LETTERS

COLUMN_MAP = {"id": "id", "question": "prompt", "answer": "answer"}
MAX_IMAGES = 7
_SUBJECT = re.compile(r"^[a-z]+_(.+)_\d+$")


def map_row(row: Row) -> dict[str, Any]:
    """One MMMU row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    question = text_of(row, "prompt")
    options = string_list(row.get("options"), row, "options")
    question_type = text_of(row, "question_type")
    answer = text_of(row, "answer").strip()
    numbers = [n for n in range(1, MAX_IMAGES + 1) if row.get(f"image_{n}") is not None]
    referenced = set(image_tags(question)) | {n for o in options for n in image_tags(o)}
    missing = sorted(referenced - set(numbers))
    if missing:
        raise BenchmarkRowError(f"row {row_id(row)}: the text refers to image(s) {missing} but they are empty")

    def placeholder(n: int) -> str:
        return f"[image {n}]"

    question = replace_image_tags(question, placeholder)
    options = [replace_image_tags(o, placeholder) for o in options]
    grading = None
    if question_type == "multiple-choice":
        letter = answer.strip("()").upper()
        if len(letter) != 1 or letter not in LETTERS[: len(options)]:
            raise BenchmarkRowError(f"row {row_id(row)}: answer {answer!r} is not one of the {len(options)} option letters")
        prompt, task, answer = f"{question}\n{lettered(options, '{letter}. {text}')}", "choice", letter
    elif question_type == "open":
        prompt, task = question, None
        if answer.startswith("["):
            golds = string_list(answer, row, "answer")
            if not golds:
                raise BenchmarkRowError(f"row {row_id(row)}: the answer list is empty")
            answer, grading = golds[0], Grading(answers=tuple(golds))
    else:
        raise BenchmarkRowError(f"row {row_id(row)}: unknown question_type {question_type!r}")
    image = None
    if len(numbers) == 1:
        image = row[f"image_{numbers[0]}"]
    elif numbers:
        image = stack_images([row[f"image_{n}"] for n in numbers], [placeholder(n) for n in numbers])
        prompt = f"The picture stacks {len(numbers)} images top to bottom, each labelled [image n].\n{prompt}"
    match = _SUBJECT.match(str(row.get("id") or ""))
    return {
        "id": row.get("id"),
        "domain": match.group(1) if match else "mmmu",
        "task": task,
        "prompt": prompt,
        "image": image,
        "answer": answer,
        "metadata": {
            "benchmark": "mmmu",
            "question_type": question_type,
            "options": options,
            "images": numbers,
            "subfield": row.get("subfield"),
            "topic_difficulty": row.get("topic_difficulty"),
        },
        "grading": grading,
    }


def _images(**given: Any) -> dict[str, Any]:
    return {f"image_{n}": given.get(f"image_{n}") for n in range(1, MAX_IMAGES + 1)}


def example_rows() -> list[dict[str, Any]]:
    """Hand-written validation rows: a one-image multiple-choice row and a two-image open row."""
    return [
        {
            "id": "validation_Accounting_1",
            "question": "Each of the following situations relates to a different company. <image 1> For company B, "
            "find the missing amounts.",
            "options": "['$63,020', '$58,410', '$71,320', '$77,490']",
            "explanation": "",
            **_images(image_1=example_image((96, 48), text="A B C")),
            "img_type": "['Tables']",
            "answer": "D",
            "topic_difficulty": "Easy",
            "question_type": "multiple-choice",
            "subfield": "Financial Accounting",
        },
        {
            "id": "validation_Math_12",
            "question": "<image 1> and <image 2> show the same triangle from two sides. What is its area in cm^2?",
            "options": "[]",
            "explanation": "",
            **_images(image_1=example_image(text="side 1"), image_2=example_image(text="side 2")),
            "img_type": "['Diagrams']",
            "answer": "['12', '12.0']",
            "topic_difficulty": "Medium",
            "question_type": "open",
            "subfield": "Geometry",
        },
    ]


MAPPER = BenchmarkMapper(
    name="mmmu",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer", "options", "question_type"),
    official_metric="rule-based letter/option parsing (random letter when none) + exact match; open: normalised match",
    hymar_metric="rule extraction + hymar verifiers; several images stacked into one labelled image",
)

#: the 30 subject configs of MMMU/MMMU (the official category table; lmms-eval tasks/mmmu/utils.py)
SUBJECTS = (
    "Accounting", "Agriculture", "Architecture_and_Engineering", "Art", "Art_Theory", "Basic_Medical_Science",
    "Biology", "Chemistry", "Clinical_Medicine", "Computer_Science", "Design", "Diagnostics_and_Laboratory_Medicine",
    "Economics", "Electronics", "Energy_and_Power", "Finance", "Geography", "History", "Literature", "Manage",
    "Marketing", "Materials", "Math", "Mechanical_Engineering", "Music", "Pharmacy", "Physics", "Psychology",
    "Public_Health", "Sociology",
)  # fmt: skip
