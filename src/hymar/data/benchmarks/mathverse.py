"""MathVerse (AI4Math/MathVerse, config testmini, split testmini; 3,940 rows = 788 problems x 5 versions).

Columns (dataset card, https://huggingface.co/datasets/AI4Math/MathVerse; lmms-eval
tasks/mathverse/utils.py): sample_index, problem_index, problem_version ("Text Dominant", "Text
Lite", "Vision Intensive", "Vision Dominant", "Vision Only"), question (choices inline as
"Choices:\\nA:..."), image, answer (a letter for multiple choice, else a value or expression),
question_type ("multi-choice" | "free-form"), metadata (split, source, subject, subfield), query_wo
(prompt without CoT instruction), query_cot (prompt asking for reasoning first), question_for_eval.

Mapping: prompt = query_cot (hymar's option parser reads its "A:40°" option lines as they are); multi-choice -> task "choice" (gold letter; the options are read from
the prompt's "A:" lines when the model answers with option text); free-form -> no task tag, so the
verifier picks its comparer from the gold (number, expression, text). Domain: problem_version (the
official report is per version). A row with an empty image (text-only versions) is text-only.

Official metric: GPT-4 answer extraction, then a GPT-4 judge of equivalence (or CoT-E scoring).
hymar uses rule extraction and its symbolic/numeric verifiers instead; no judge model.
"""

from __future__ import annotations

from typing import Any

from hymar.data.benchmarks.base import (
    BenchmarkMapper,
    BenchmarkRowError,
    Row,
    row_id,
    text_of,
)
from hymar.data.benchmarks.images import example_image

COLUMN_MAP = {"sample_index": "id", "query_cot": "prompt", "image": "image", "answer": "answer", "metadata": "metadata"}


def map_row(row: Row) -> dict[str, Any]:
    """One MathVerse row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    question_type = text_of(row, "question_type")
    answer = text_of(row, "answer").strip()
    if question_type == "multi-choice":
        task, answer = "choice", answer.strip("()").strip()
    elif question_type == "free-form":
        task = None
    else:
        raise BenchmarkRowError(f"row {row_id(row)}: unknown question_type {question_type!r}")
    image = row.get("image")
    if isinstance(image, str) and not image.strip():
        image = None  # text-only versions store an empty string
    meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    return {
        "id": row.get("id"),
        "domain": text_of(row, "problem_version", required=False) or "mathverse",
        "task": task,
        "prompt": text_of(row, "prompt"),
        "image": image,
        "answer": answer,
        "metadata": {
            "benchmark": "mathverse",
            "problem_index": row.get("problem_index"),
            "question_type": question_type,
            "question_for_eval": row.get("question_for_eval"),
            **{k: meta.get(k) for k in ("source", "subject", "subfield") if k in meta},
        },
        "grading": None,
    }


def example_rows() -> list[dict[str, Any]]:
    """A hand-written multiple-choice and a free-form row in the testmini format."""
    question = (
        "As shown in the figure, in triangle ABC, angle A = 80.0, angle B = 60.0, DE parallel BC, then the size "
        "of angle CED is ()\nChoices:\nA:40\u00b0\nB:60\u00b0\nC:120\u00b0\nD:140\u00b0"
    )
    free = "As shown in the figure, AB is the diameter of circle O and AB = 10.0. Find the radius of circle O."
    return [
        {
            "sample_index": "1", "problem_index": "1", "problem_version": "Text Dominant", "question": question,
            "image": example_image(text="ABC"), "answer": "D", "question_type": "multi-choice",
            "metadata": {"split": "testmini", "source": "GeoQA", "subject": "Plane Geometry", "subfield": "Angle"},
            "query_wo": "Please directly answer the question and provide the correct option letter, e.g., A, B, C, "
            "D.\nQuestion: " + question,
            "query_cot": "Please first conduct reasoning, and then answer the question and provide the correct "
            "option letter, e.g., A, B, C, D, at the end.\nQuestion: " + question,
            "question_for_eval": question,
        },
        {
            "sample_index": "16", "problem_index": "4", "problem_version": "Vision Intensive", "question": free,
            "image": example_image(text="O"), "answer": "5", "question_type": "free-form",
            "metadata": {"split": "testmini", "source": "GeoQA", "subject": "Plane Geometry", "subfield": "Length"},
            "query_wo": "Please directly answer the question and provide the final value, e.g., 1, 2.5, 300.\n"
            "Question: " + free,
            "query_cot": "Please first conduct reasoning, and then answer the question and provide the final value, "
            "e.g., 1, 2.5, 300, at the end.\nQuestion: " + free,
            "question_for_eval": free,
        },
    ]  # fmt: skip


MAPPER = BenchmarkMapper(
    name="mathverse",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer", "question_type", "problem_version"),
    official_metric="GPT-4 answer extraction + GPT-4 equivalence judge (accuracy), or CoT-E",
    hymar_metric="rule extraction + hymar verifiers (letter for multi-choice; symbolic/numeric otherwise)",
)
