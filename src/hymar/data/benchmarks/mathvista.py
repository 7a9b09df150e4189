"""MathVista (AI4Math/MathVista, split testmini; the test split has no public answers).

Columns (dataset card, https://huggingface.co/datasets/AI4Math/MathVista; lmms-eval
tasks/mathvista/utils.py): pid, question, image (a path), decoded_image (the image), choices (list of
option texts, None for free-form), unit, precision (decimals of a float answer), answer (for multiple
choice: the TEXT of the right choice), question_type ("multi_choice" | "free_form"), answer_type
("text" | "integer" | "float" | "list"), metadata (category, context, grade, language, skills,
source, split, task, ...), query (the official prompt: hint + question + "Choices:\\n(A) ...").

Mapping: prompt = query (its choice list is appended when the query lacks one); multi_choice ->
task "choice" with the answer turned into the choice's LETTER (the verifier then accepts the letter or
the option text); integer/float/list -> task "math"; text -> task "text"; a float answer with
``precision`` p gets a relative tolerance of half a unit in its last place, 0.5 * 10**-p / |gold|
(the official scorer rounds the prediction to p decimals before comparing). Domain: metadata.task.

Official metric: GPT-4 answer extraction, then normalisation and exact match. hymar instead extracts
the final answer with its rule extractor (answer tag, box, "the answer is" ...) and compares with its
verifiers, so answers the official extractor would dig out of free prose may be missed.
"""

from __future__ import annotations

from typing import Any

from hymar.data.benchmarks.base import (
    BenchmarkMapper,
    BenchmarkRowError,
    Row,
    choice_letter,
    lettered,
    row_id,
    text_of,
)
from hymar.data.benchmarks.images import example_image
from hymar.data.benchmarks.grading import DEFAULT_TOLERANCE, Grading
from hymar.rewards.rules.choice import parse_options

COLUMN_MAP = {"pid": "id", "query": "prompt", "decoded_image": "image", "answer": "answer", "metadata": "metadata"}
_TASKS = {"integer": "math", "float": "math", "list": "math", "text": "text"}


def map_row(row: Row) -> dict[str, Any]:
    """One MathVista row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    prompt = text_of(row, "prompt")
    answer = text_of(row, "answer")
    question_type = text_of(row, "question_type")
    answer_type = text_of(row, "answer_type", required=False) or "text"
    meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    grading = None
    if question_type == "multi_choice":
        choices = [str(c) for c in row.get("choices") or []]
        if len(choices) < 2:
            raise BenchmarkRowError(f"row {row_id(row)}: a multi_choice question needs >= 2 choices, got {choices}")
        answer = choice_letter(answer, choices, row)
        if len(parse_options(prompt)) != len(choices):  # the official query lists them; add them if not
            prompt = f"{prompt}\nChoices:\n{lettered(choices)}"
        task = "choice"
    elif question_type == "free_form":
        task = _TASKS.get(answer_type, "text")
        grading = _float_grading(answer, row.get("precision")) if answer_type == "float" else None
    else:
        raise BenchmarkRowError(f"row {row_id(row)}: unknown question_type {question_type!r}")
    return {
        "id": row.get("id"),
        "domain": meta.get("task") or "mathvista",
        "task": task,
        "prompt": prompt,
        "image": row.get("image"),
        "answer": answer,
        "metadata": {
            "benchmark": "mathvista",
            "question_type": question_type,
            "answer_type": answer_type,
            "choices": row.get("choices"),
            "unit": row.get("unit"),
            "precision": row.get("precision"),
            **{k: meta.get(k) for k in ("source", "category", "context", "grade", "skills") if k in meta},
        },
        "grading": grading,
    }


def _float_grading(answer: str, precision: Any) -> Grading | None:
    """Half a unit in the last of ``precision`` decimals, relative to the gold."""
    try:
        gold, places = float(answer), int(precision)
    except (TypeError, ValueError):
        return None
    if gold == 0 or places < 0:
        return None
    return Grading(tolerance=max(DEFAULT_TOLERANCE, 0.5 * 10.0**-places / abs(gold)))


def example_rows() -> list[dict[str, Any]]:
    """Two hand-written rows in the testmini format: a multiple-choice and a float free-form question."""
    meta = {
        "category": "math-targeted-vqa", "context": "geometry diagram", "grade": "high school", "img_height": 48,
        "img_width": 64, "language": "english", "skills": ["geometry reasoning", "algebraic reasoning"],
        "source": "Geometry3K", "split": "testmini", "task": "geometry problem solving",
    }  # fmt: skip
    return [
        {
            "pid": "5",
            "question": "Find $m\\angle H$",
            "image": "images/5.jpg",
            "decoded_image": example_image(text="H"),
            "choices": ["97", "102", "107", "122"],
            "unit": None,
            "precision": None,
            "answer": "97",
            "question_type": "multi_choice",
            "answer_type": "integer",
            "metadata": meta,
            "query": "Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, "
            "at the end.\nQuestion: Find $m\\angle H$\nChoices:\n(A) 97\n(B) 102\n(C) 107\n(D) 122",
        },
        {
            "pid": "8",
            "question": "What is the value of the smallest bar?",
            "image": "images/8.jpg",
            "decoded_image": example_image(text="bars"),
            "choices": None,
            "unit": None,
            "precision": 1.0,
            "answer": "1.4",
            "question_type": "free_form",
            "answer_type": "float",
            "metadata": {**meta, "context": "bar chart", "task": "figure question answering", "source": "PlotQA"},
            "query": "Hint: Please answer the question requiring a floating-point number with one decimal place "
            "and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.\nQuestion: What is the value of the "
            "smallest bar?",
        },
    ]


MAPPER = BenchmarkMapper(
    name="mathvista",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer", "question_type", "answer_type", "choices", "precision"),
    official_metric="GPT-4 answer extraction + normalisation + exact match (accuracy)",
    hymar_metric="rule extraction + hymar verifiers; choices graded by letter; float answers within half a unit of the given precision",
)
