"""A benchmark dataset as a hymar task dataset: ``datasets.load_dataset`` -> column map -> mapper -> rows.

Per row: the recipe's ``column_map`` renames columns onto hymar names (validated by
`hymar.data.adapter.resolve_column_map`; other columns keep their names so mappers can read them),
the mapper (`hymar.data.benchmarks.get_mapper`) builds the hymar row, and `finalize_row` applies the
prompt format, puts the prompt in chat form (`user_message`: image part first) and stores the
grading options under ``metadata_json["grading"]`` (read back by `hymar.eval.grading`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hymar.data.adapter import TASK_TARGETS, resolve_column_map
from hymar.data.benchmarks import get_mapper
from hymar.data.benchmarks.base import BenchmarkMapper, BenchmarkRowError
from hymar.data.benchmarks.grading import GRADING_KEY, Grading
from hymar.rewards.rules.answer_type import normalize_task

PROMPT_FIELD = "{prompt}"


@dataclass(frozen=True)
class PromptFormat:
    """How the mapped question becomes the prompt text.

    Args:
        template: text with one ``{prompt}`` placeholder (replaced literally, so braces elsewhere, e.g.
            ``\\boxed{}``, need no escaping).
        suffix: appended on a new line to every prompt (None: nothing).
        suffix_by_task: task tag -> suffix, used instead of ``suffix`` for rows with that tag
            ("choice": "Answer with the option's letter."); the key "none" matches rows without a tag.
    """

    template: str = PROMPT_FIELD
    suffix: str | None = None
    suffix_by_task: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.template.count(PROMPT_FIELD) != 1:
            raise ValueError(f"the prompt template must contain {PROMPT_FIELD} exactly once, got {self.template!r}")

    def apply(self, text: str, task: str | None) -> str:
        """The prompt text for a row with ``task``."""
        out = self.template.replace(PROMPT_FIELD, text)
        suffix = self.suffix_by_task.get(task if task else "none", self.suffix)
        return f"{out}\n{suffix}" if suffix else out


def rename_row(row: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """The row with hymar columns taken from their mapped sources (``mapping``: target -> source).

    Columns that are not hymar targets keep their names; a raw column named like a target but not its
    source (MathVista's path column "image" when "decoded_image" is the image) is dropped."""
    out = {k: v for k, v in row.items() if k not in TASK_TARGETS}
    out.update({target: row.get(source) for target, source in mapping.items()})
    return out


def finalize_row(
    mapped: Mapping[str, Any], index: int, *, split: str, prompt_format: PromptFormat, default_task: str | None
) -> dict[str, Any]:
    """A mapper's output in the task layout (`hymar.data.synthetic.schema.TASK_FEATURES`)."""
    from hymar.data.synthetic.schema import user_message

    image = _image(mapped.get("image"), mapped)
    task = mapped.get("task") or default_task
    metadata = dict(mapped.get("metadata") or {})
    grading = mapped.get("grading")
    if isinstance(grading, Grading):
        metadata[GRADING_KEY] = grading.to_dict()
    answer = mapped.get("answer")
    row_id = mapped.get("id")
    return {
        "id": f"{split}-{index:06d}" if row_id is None else str(row_id),
        "domain": str(mapped.get("domain") or task or "default"),
        "task": task,
        "prompt": user_message(prompt_format.apply(str(mapped["prompt"]), task), image is not None),
        "image": image,
        "answer": None if answer is None else str(answer),
        "reference": mapped.get("reference"),
        "demonstration": None,
        "metadata_json": json.dumps(metadata, default=str, ensure_ascii=False) if metadata else None,
    }


def map_row(
    row: Mapping[str, Any],
    index: int,
    *,
    mapping: Mapping[str, str],
    mapper: BenchmarkMapper,
    split: str,
    prompt_format: PromptFormat,
    default_task: str | None,
) -> dict[str, Any]:
    """One raw row -> one task row (rename, map, finalize)."""
    renamed = rename_row(row, mapping)
    missing = [c for c in mapper.requires if c not in renamed]
    if missing:
        raise BenchmarkRowError(f"mapper {mapper.name!r} needs columns {missing} (after column_map); row has {sorted(renamed)}")
    return finalize_row(mapper.map_row(renamed), index, split=split, prompt_format=prompt_format, default_task=default_task)


def map_rows(
    raw: Any,
    *,
    column_map: Mapping[str, str] | None = None,
    mapper: str | None = None,
    split: str = "test",
    task: str | None = None,
    prompt_format: PromptFormat = PromptFormat(),
) -> Any:
    """Map a raw benchmark dataset (a ``datasets.Dataset`` or a list of row dicts) to a task dataset.

    Args:
        raw: the rows as loaded (real column names; images decoded to PIL by ``datasets``).
        column_map: raw column -> hymar column (targets in `hymar.data.adapter.TASK_TARGETS`).
        mapper: mapper name (None: the generic one).
        split: used in generated ids.
        task: task tag for rows the mapper leaves without one.
        prompt_format: template and suffixes for the prompt text.

    Returns:
        A ``datasets.Dataset`` with the columns of `TASK_FEATURES`.

    Raises:
        ValueError: a bad column map, an unknown mapper or task tag, or a row the mapper rejects.
    """
    from datasets import Dataset

    from hymar.data.synthetic.schema import TASK_FEATURES

    chosen = get_mapper(mapper)
    _check_task(task)
    if isinstance(raw, Dataset):
        columns = list(raw.column_names)
    else:
        raw = list(raw)
        columns = list(dict.fromkeys(k for row in raw for k in row))
    mapping = resolve_column_map(columns, column_map or chosen.column_map, TASK_TARGETS, required=("prompt",))
    mapping = {("image" if t == "images" else t): s for t, s in mapping.items()}

    def convert(row: Mapping[str, Any], index: int) -> dict[str, Any]:
        return map_row(row, index, mapping=mapping, mapper=chosen, split=split, prompt_format=prompt_format, default_task=task)

    if isinstance(raw, Dataset):
        # map (not a Python list): a benchmark split with its images need not fit in memory
        return raw.map(convert, with_indices=True, remove_columns=raw.column_names, features=TASK_FEATURES, desc="hymar: mapping rows")
    rows = [convert(row, i) for i, row in enumerate(raw)]
    return Dataset.from_dict({c: [r[c] for r in rows] for c in TASK_FEATURES}, features=TASK_FEATURES)


def load_benchmark(
    source: str,
    *,
    split: str,
    config: str | Sequence[str] | None = None,
    column_map: Mapping[str, str] | None = None,
    mapper: str | None = None,
    task: str | None = None,
    prompt_format: PromptFormat = PromptFormat(),
    load_kwargs: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> Any:
    """Load a Hub (or local) benchmark with ``datasets.load_dataset`` and map it (see `map_rows`).

    Args:
        source: Hub id or local folder, e.g. "AI4Math/MathVista".
        split: split name, e.g. "testmini".
        config: a config name, or several (e.g. MMMU's subjects) loaded in order and concatenated.
        limit: keep the first ``limit`` rows (over all configs; later configs are not loaded once
            the limit is reached).
        column_map, mapper, task, prompt_format: as in `map_rows`.
        load_kwargs: more arguments for ``datasets.load_dataset`` (revision, cache_dir, ...).

    Returns:
        The task dataset.
    """
    import datasets

    configs: list[str | None] = [config] if config is None or isinstance(config, str) else list(config)
    parts, remaining = [], limit
    for name in configs:
        kwargs = dict(load_kwargs or {})
        if name is not None:
            kwargs["name"] = name
        data = datasets.load_dataset(str(source), split=split, **kwargs)
        if not isinstance(data, datasets.Dataset):
            raise ValueError(f"{source!r} config {name!r} split {split!r} did not load as one Dataset")  # noqa: TRY004 -- a bad recipe value, reported like the others
        if remaining is not None:
            data = data.select(range(min(remaining, len(data))))
            remaining -= len(data)
        parts.append(data)
        if remaining == 0:
            break
    raw = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
    return map_rows(raw, column_map=column_map, mapper=mapper, split=split, task=task, prompt_format=prompt_format)


def _check_task(task: str | None) -> None:
    if task is not None and normalize_task(task) is None:
        raise ValueError(f"unknown task tag {task!r}; see hymar.rewards.rules.answer_type")


def _image(value: Any, mapped: Mapping[str, Any]) -> Any:
    from PIL import Image

    if value is None or isinstance(value, Image.Image):
        return value
    if isinstance(value, Mapping) and (value.get("bytes") or value.get("path")):
        return {"bytes": value.get("bytes"), "path": value.get("path")}
    if isinstance(value, (str, Path)) and str(value).strip():
        if not Path(value).is_file():
            raise BenchmarkRowError(f"row {mapped.get('id')}: image file not found: {value}")
        return {"path": str(value), "bytes": None}
    if isinstance(value, str):
        return None
    raise BenchmarkRowError(f"row {mapped.get('id')}: expected an image, got {type(value).__name__}")
