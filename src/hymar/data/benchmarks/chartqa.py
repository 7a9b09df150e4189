"""ChartQA (HuggingFaceM4/ChartQA, split test: 2,500 rows; also val).

Columns (dataset card, https://huggingface.co/datasets/HuggingFaceM4/ChartQA): image, query (the
question), label (a LIST of answer strings, usually one), human_or_machine (class label: 0 human,
1 machine = the "augmented" set).

Mapping: prompt = query; every label is an acceptable gold (the first is ``answer``); no task tag, so
the comparer follows each gold (number -> numeric, yes/no, text); grading uses ChartQA's relaxed
accuracy: a relative tolerance of 5% (``tolerance: 0.05``) and, for two plain numbers, the relaxed
match also between integers (`hymar.eval.grading.relaxed_numeric_match`). Domain: "human" or
"augmented" (the official report gives both and their mean).

Official metric: relaxed accuracy (arXiv:2203.10244 sec. 5.1; lmms-eval tasks/chartqa/utils.py):
numbers within 5% of the gold, other answers by exact (case-insensitive) match of the whole output.
hymar first extracts the final answer (answer tag, box, "the answer is"), and its text comparer also
ignores articles/punctuation and accepts close matches (token F1 >= 0.8), so it is slightly more lenient
on text answers.
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

COLUMN_MAP = {"query": "prompt", "image": "image", "label": "answer"}
RELAXED_TOLERANCE = 0.05
_SPLITS = {0: "human", 1: "augmented", "human": "human", "machine": "augmented"}


def map_row(row: Row) -> dict[str, Any]:
    """One ChartQA row (columns renamed by `COLUMN_MAP`) -> a hymar row."""
    golds = [g.strip() for g in string_list(row.get("answer"), row, "label") if g.strip()]
    if not golds:
        raise BenchmarkRowError(f"row {row_id(row)}: column 'label' has no answer")
    kind = _SPLITS.get(row.get("human_or_machine"), "chartqa")
    return {
        "id": row.get("id"),
        "domain": kind,
        "task": None,
        "prompt": text_of(row, "prompt"),
        "image": row.get("image"),
        "answer": golds[0],
        "metadata": {"benchmark": "chartqa", "human_or_machine": kind},
        "grading": Grading(answers=tuple(golds), tolerance=RELAXED_TOLERANCE, relaxed_numeric=True),
    }


def example_rows() -> list[dict[str, Any]]:
    """Hand-written rows in the HuggingFaceM4/ChartQA format: a numeric (human) and a text (augmented) one."""
    return [
        {"image": example_image(text="bars"), "query": "How many food items are shown in the bar graph?",
         "label": ["14"], "human_or_machine": 0},
        {"image": example_image(text="pie"), "query": "Which country has the largest share?",
         "label": ["Brazil"], "human_or_machine": 1},
    ]  # fmt: skip


MAPPER = BenchmarkMapper(
    name="chartqa",
    map_row=map_row,
    example_rows=example_rows,
    column_map=COLUMN_MAP,
    requires=("prompt", "answer"),
    official_metric="relaxed accuracy: numbers within 5% of the gold, else exact match",
    hymar_metric="rule extraction + hymar verifiers against every label; numbers within 5% (relaxed, integers too)",
)
