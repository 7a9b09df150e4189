"""The default mapper (a recipe without ``mapper:``): the renamed columns are already hymar's.

prompt: a string; answer: a string, a number, or a LIST of acceptable answers (the first becomes
``answer``, all are golds); image: an image, {"bytes", "path"}, or a list of at most one; id, domain,
task, reference, metadata: as given.
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


def map_row(row: Row) -> dict[str, Any]:
    """A renamed row -> a hymar row (lists of answers become several golds)."""
    answer, grading = row.get("answer"), None
    if isinstance(answer, (list, tuple)):
        golds = [g for g in string_list(answer, row, "answer") if g.strip()]
        answer = golds[0] if golds else None
        grading = Grading(answers=tuple(golds)) if len(golds) > 1 else None
    elif answer is not None:
        answer = text_of(row, "answer", required=False) or None
    image = row.get("image")
    if isinstance(image, (list, tuple)):
        if len(image) > 1:
            raise BenchmarkRowError(f"row {row_id(row)}: {len(image)} images; use a mapper that combines them")
        image = image[0] if image else None
    metadata = row.get("metadata")
    return {
        "id": row.get("id"),
        "domain": row.get("domain"),
        "task": row.get("task"),
        "prompt": text_of(row, "prompt"),
        "image": image,
        "answer": answer,
        "reference": row.get("reference"),
        "metadata": metadata if isinstance(metadata, dict) else ({} if metadata is None else {"value": metadata}),
        "grading": grading,
    }


def example_rows() -> list[dict[str, Any]]:
    """One row already in hymar's column names."""
    return [{"id": "ex-1", "prompt": "How many circles are there?", "image": example_image(text="o o o"), "answer": "3"}]


MAPPER = BenchmarkMapper(
    name="generic",
    map_row=map_row,
    example_rows=example_rows,
    requires=("prompt",),
    official_metric="-",
    hymar_metric="hymar verifiers (several golds when the answer column holds a list)",
)
