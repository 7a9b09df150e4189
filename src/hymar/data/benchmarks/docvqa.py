"""DocVQA (lmms-lab/DocVQA, config DocVQA, split validation: 5,349 rows; test has no public answers).

Columns (dataset card, https://huggingface.co/datasets/lmms-lab/DocVQA; lmms-eval
tasks/docvqa/): questionId, question, question_types (list), image, docId, ucsf_document_id,
ucsf_document_page_no, answers (a LIST of acceptable answers), data_split.

Mapping: prompt = question; every answer is an acceptable gold (the first is ``answer``); task
"text" (short text; numeric-looking golds go to the numeric comparer). Domain: the first question type.

Official metric: ANLS (average normalised Levenshtein similarity, threshold 0.5) over the answers,
which hymar reports per row and per domain (``anls``, `hymar.rewards.anls`, the official definition)
from the grading's ``metric: anls``. The row's 0/1 verdict (``correct``, behind "accuracy") is still
its short-text comparer (equal after lower-casing and removing punctuation/articles, or a close
match with token F1 >= 0.8) against any of the answers.
"""

from __future__ import annotations

from typing import Any

from hymar.data.benchmarks.base import (
    BenchmarkMapper,
    BenchmarkRowError,
    Row,
    row_id,
    string_list,
    text_of,
)
from hymar.data.benchmarks.images import example_image
from hymar.data.benchmarks.grading import Grading

COLUMN_MAP = {"questionId": "id", "question": "prompt", "image": "image", "answers": "answer"}


def map_row(row: Row) -> dict[str, Any]:
    """One DocVQA row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    golds = [g.strip() for g in string_list(row.get("answer"), row, "answers") if g.strip()]
    if not golds:
        raise BenchmarkRowError(f"row {row_id(row)}: column 'answers' is empty (the test split has no answers)")
    types = row.get("question_types") or []
    return {
        "id": row.get("id"),
        "domain": str(types[0]) if types else "docvqa",
        "task": "text",
        "prompt": text_of(row, "prompt"),
        "image": row.get("image"),
        "answer": golds[0],
        "metadata": {"benchmark": "docvqa", "question_types": list(types), "doc_id": row.get("docId")},
        "grading": Grading(answers=tuple(golds), metric="anls"),
    }


def example_rows() -> list[dict[str, Any]]:
    """A hand-written validation row with two acceptable answers."""
    return [
        {
            "questionId": "49153", "question": "What is the name of the company?", "question_types": ["layout"],
            "image": example_image((96, 64), text="ITC Ltd"), "docId": 14465, "ucsf_document_id": "pybv0228",
            "ucsf_document_page_no": "81", "answers": ["ITC Limited", "itc limited"], "data_split": "val",
        }
    ]  # fmt: skip


MAPPER = BenchmarkMapper(
    name="docvqa",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer"),
    official_metric="ANLS (normalised Levenshtein similarity, threshold 0.5)",
    hymar_metric="ANLS (official definition, threshold 0.5; reported as 'anls'), next to a 0/1 short-text "
    "match (accuracy)",
)
