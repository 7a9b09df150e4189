"""Map user datasets onto hymar's columns: `load_mapped_dataset` (tasks) and `load_preference_dataset`
(preference pairs for reward-model training).

Sources:
- a local JSONL file (path ending in ".jsonl"; one JSON object per line); relative image paths are
  resolved against ``image_root`` or else the file's folder. Read with the json module, not the
  datasets "json" builder, so a bad line is reported by number and mixed value types (an answer
  that is 3 on one line and "3" on the next) do not break Arrow type inference;
- a local folder or a Hugging Face Hub name: ``datasets.load_dataset(source, split=split,
  **load_kwargs)`` (e.g. ``load_kwargs={"name": "main"}`` for a config). A local folder holding only
  JSONL files goes through datasets' "json" builder; relative image paths resolve against
  ``image_root`` or the folder. (Hub names cannot be tested offline here; the tests use a folder);
- an in-memory `datasets.Dataset`.

``column_map`` maps user columns to hymar columns, e.g. {"question": "prompt", "gt": "answer",
"image_path": "image"}. A user column already named like a hymar column is used as that column
unless the map sends it elsewhere or maps another column onto the same name. Output columns are
those of `hymar.data.synthetic.schema` (TASK_FEATURES / PREFERENCE_FEATURES); other user columns are
dropped ("metadata" may be mapped and is stored as JSON text in metadata_json).

Prompts: a string becomes one user message whose content is [image part, text part] when the row
has an image (just [text part] otherwise); chat messages are normalised to list-of-parts content,
and an image part is put first in the first user message when the row has an image but the
messages carry no image part.

Images: a path (str), a {"bytes", "path"} dict (as datasets stores images), a PIL image, or a list of
at most one of these; None or [] means a text-only row. Every path is checked: a missing or
unreadable image raises ValueError naming the row and the user's column.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import datasets
from datasets import Dataset, Features
from PIL import Image as PILImage

from hymar.data.synthetic.schema import PREFERENCE_FEATURES, TASK_FEATURES, user_message

Source = str | os.PathLike[str] | Dataset


class MappingError(ValueError):
    """A user dataset cannot be mapped onto hymar's columns; for a bad value or image the message
    names the row and the user's column."""


#: hymar columns a task dataset's column_map may target ("images" is read as "image")
TASK_TARGETS = ("id", "domain", "task", "prompt", "image", "images", "answer", "reference", "demonstration", "metadata")
#: hymar columns a preference dataset's column_map may target
PREFERENCE_TARGETS = ("id", "prompt", "image", "images", "chosen", "rejected")


def load_mapped_dataset(
    source: Source,
    *,
    split: str = "train",
    column_map: Mapping[str, str] | None = None,
    image_root: str | os.PathLike[str] | None = None,
    task: str | None = None,
    load_kwargs: Mapping[str, Any] | None = None,
) -> Dataset:
    """Load a user dataset as a hymar task dataset (columns of `TASK_FEATURES`).

    Args:
        source: JSONL path, local folder, Hub name or Dataset (see the module docstring).
        split: split to load (folders and Hub names; also used in generated ids).
        column_map: user column -> hymar column (targets in `TASK_TARGETS`).
        image_root: folder that relative image paths are relative to.
        task: task tag for rows without one ("math", "choice", "open", ...).
        load_kwargs: extra arguments for ``datasets.load_dataset`` (name, revision, cache_dir, ...).

    Returns:
        A Dataset with the columns id, domain, task, prompt, image, answer, reference,
        demonstration, metadata_json.

    Raises:
        ValueError: a column_map naming an unknown user column (the message lists the available
            ones) or target; no prompt column; a bad JSONL line. `MappingError` (a ValueError): a
            row with a missing/unreadable image or a value of the wrong type (the message names
            the row and the user's column).
        FileNotFoundError: a ".jsonl" path that does not exist.
    """
    raw, base_dir, columns = _load_raw(source, split, load_kwargs)
    mapping = resolve_column_map(columns, column_map, TASK_TARGETS, required=("prompt",))
    roots = _roots(image_root, base_dir)

    def convert(row: Mapping[str, Any], index: int) -> dict[str, Any]:
        return _task_row(row, index, mapping, roots, task, split)

    return _convert_all(raw, mapping, convert, TASK_FEATURES)


def load_preference_dataset(
    source: Source,
    *,
    split: str = "train",
    column_map: Mapping[str, str] | None = None,
    image_root: str | os.PathLike[str] | None = None,
    load_kwargs: Mapping[str, Any] | None = None,
) -> Dataset:
    """Load preference pairs in the common {prompt, images, chosen, rejected} layout.

    ``chosen`` / ``rejected`` may be strings or chat messages (the last assistant message's text is
    taken, as in conversational preference datasets). Other arguments as in `load_mapped_dataset`.

    Returns:
        A Dataset with the columns id, prompt, image, chosen, rejected (`PREFERENCE_FEATURES`).

    Raises:
        ValueError: as in `load_mapped_dataset`; also a missing prompt, chosen or rejected column.
    """
    raw, base_dir, columns = _load_raw(source, split, load_kwargs)
    mapping = resolve_column_map(columns, column_map, PREFERENCE_TARGETS, required=("prompt", "chosen", "rejected"))
    roots = _roots(image_root, base_dir)

    def convert(row: Mapping[str, Any], index: int) -> dict[str, Any]:
        image = _image_of(row, index, mapping, roots)
        return {
            "id": _id(row, index, mapping, split),
            "prompt": _prompt(row.get(mapping["prompt"]), image is not None, index, mapping["prompt"]),
            "image": image,
            "chosen": _response_text(row.get(mapping["chosen"]), index, mapping["chosen"]),
            "rejected": _response_text(row.get(mapping["rejected"]), index, mapping["rejected"]),
        }

    return _convert_all(raw, mapping, convert, PREFERENCE_FEATURES)


def resolve_column_map(
    available: list[str],
    column_map: Mapping[str, str] | None,
    targets: tuple[str, ...],
    required: tuple[str, ...] = (),
) -> dict[str, str]:
    """hymar column -> user column, from identically named columns overridden by ``column_map``.

    Raises:
        ValueError: an unknown user column (lists ``available``), an unknown target (lists
            ``targets``), two user columns onto one target, or a required target left unmapped.
    """
    column_map = dict(column_map or {})
    unknown = [c for c in column_map if c not in available]
    if unknown:
        raise ValueError(
            f"column_map names columns {unknown} that the dataset does not have; available columns: {available}"
        )
    bad = {c: t for c, t in column_map.items() if t not in targets}
    if bad:
        raise ValueError(f"column_map targets {bad} are not hymar columns; expected one of {list(targets)}")
    seen: dict[str, str] = {}
    for user, target in column_map.items():
        target = "image" if target == "images" else target
        if target in seen:
            raise ValueError(f"column_map maps both {seen[target]!r} and {user!r} onto {target!r}")
        seen[target] = user
    mapping: dict[str, str] = {}
    for name in available:  # identity first: a column already called "answer" is the answer
        target = "image" if name == "images" else name
        if target in targets and name not in column_map and target not in mapping:
            mapping[target] = name
    mapping.update(seen)
    missing = [t for t in required if t not in mapping]
    if missing:
        raise ValueError(f"no column for {missing}: map one with column_map; available columns: {available}")
    return mapping


# --- loading ---------------------------------------------------------------------------------------


def _load_raw(
    source: Source, split: str, load_kwargs: Mapping[str, Any] | None
) -> tuple[Dataset | list[dict], Path | None, list[str]]:
    """(rows, folder relative image paths start from, column names)."""
    if isinstance(source, Dataset):
        return source, None, list(source.column_names)
    path = Path(source)
    if path.suffix == ".jsonl" or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"no such JSONL file: {path}")
        records = _read_jsonl(path)
        columns: dict[str, None] = {}
        for record in records:
            columns.update(dict.fromkeys(record))
        return records, path.parent, list(columns)
    base = path if path.is_dir() else None
    data = datasets.load_dataset(str(source), split=split, **dict(load_kwargs or {}))
    if not isinstance(data, Dataset):
        raise MappingError(f"{source!r} split {split!r} did not load as one Dataset (got {type(data).__name__})")
    return data, base, list(data.column_names)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}: line {line_no} is not valid JSON: {err}") from err
            if not isinstance(record, dict):
                raise MappingError(f"{path}: line {line_no} must be a JSON object, got {type(record).__name__}")
            records.append(record)
    return records


def _convert_all(raw: Dataset | list[dict], mapping: dict[str, str], convert: Any, features: Features) -> Dataset:
    if isinstance(raw, list):
        rows = [convert(record, i) for i, record in enumerate(raw)]
        return Dataset.from_dict({c: [r[c] for r in rows] for c in features}, features=features)
    image_column = mapping.get("image")
    if image_column is not None:
        raw = _undecoded(raw, image_column)
    # map, not a Python list: a Hub dataset may not fit in memory; map writes Arrow batches
    return raw.map(
        convert, with_indices=True, remove_columns=raw.column_names, features=features, desc="hymar: mapping columns"
    )


def _undecoded(data: Dataset, column: str) -> Dataset:
    # Pass stored image bytes through as they are instead of decoding to PIL and re-encoding.
    feature = data.features[column]
    if isinstance(feature, datasets.Image):
        return data.cast_column(column, datasets.Image(decode=False))
    if isinstance(feature, datasets.List) and isinstance(feature.feature, datasets.Image):
        return data.cast_column(column, datasets.List(datasets.Image(decode=False)))
    return data


def _roots(image_root: str | os.PathLike[str] | None, base_dir: Path | None) -> list[Path]:
    if image_root is not None:
        return [Path(image_root)]
    return [base_dir] if base_dir is not None else []


# --- one row -----------------------------------------------------------------------------------------


def _task_row(
    row: Mapping[str, Any], index: int, mapping: dict[str, str], roots: list[Path], task: str | None, split: str
) -> dict[str, Any]:
    image = _image_of(row, index, mapping, roots)
    row_task = _optional_text(row, index, mapping, "task") or task
    metadata = row.get(mapping["metadata"]) if "metadata" in mapping else None
    return {
        "id": _id(row, index, mapping, split),
        "domain": _optional_text(row, index, mapping, "domain") or row_task or "default",
        "task": row_task,
        "prompt": _prompt(row.get(mapping["prompt"]), image is not None, index, mapping["prompt"]),
        "image": image,
        "answer": _optional_text(row, index, mapping, "answer", numbers=True),
        "reference": _optional_text(row, index, mapping, "reference"),
        "demonstration": _optional_text(row, index, mapping, "demonstration"),
        "metadata_json": None if metadata is None else json.dumps(metadata, default=str),
    }


def _where(index: int, column: str) -> str:
    return f"row {index}, column {column!r}"


def _id(row: Mapping[str, Any], index: int, mapping: dict[str, str], split: str) -> str:
    value = row.get(mapping["id"]) if "id" in mapping else None
    return f"{split}-{index:06d}" if value is None else str(value)


def _optional_text(
    row: Mapping[str, Any], index: int, mapping: dict[str, str], target: str, numbers: bool = False
) -> str | None:
    if target not in mapping:
        return None
    value = row.get(mapping[target])
    if value is None or isinstance(value, str):
        return value
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # JSON golds are often numbers
    expected = "a string or a number" if numbers else "a string"
    raise MappingError(f"{_where(index, mapping[target])}: expected {expected}, got {type(value).__name__}")


def _prompt(value: Any, with_image: bool, index: int, column: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return user_message(value, with_image)
    if not isinstance(value, list) or not value:
        raise MappingError(
            f"{_where(index, column)}: a prompt must be a string or a non-empty list of chat messages, "
            f"got {type(value).__name__}"
        )
    messages = []
    has_image_part = False
    for i, message in enumerate(value):
        if not isinstance(message, Mapping) or "content" not in message:
            raise MappingError(f"{_where(index, column)}: message {i} needs 'role' and 'content'")
        parts = _parts(message["content"], index, column, i)
        has_image_part |= any(p["type"] == "image" for p in parts)
        messages.append({"role": str(message.get("role", "user")), "content": parts})
    if has_image_part and not with_image:
        raise MappingError(f"{_where(index, column)}: the prompt has an image part but the row has no image")
    if with_image and not has_image_part:
        first_user = next((m for m in messages if m["role"] == "user"), messages[0])
        first_user["content"].insert(0, {"type": "image", "text": None})
    return messages


def _parts(content: Any, index: int, column: str, message: int) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise MappingError(f"{_where(index, column)}: message {message} content must be a string or a list of parts")
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            parts.append({"type": "text", "text": str(part.get("text") or "")})
        elif kind == "image":
            parts.append({"type": "image", "text": None})  # the image itself lives in the image column
        else:
            raise MappingError(
                f"{_where(index, column)}: message {message} has a part of type {kind!r}; expected 'text' or 'image'"
            )
    return parts


def _response_text(value: Any, index: int, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = [value]
    if isinstance(value, list) and value and all(isinstance(m, Mapping) for m in value):
        assistant = [m for m in value if m.get("role") == "assistant"] or value
        content = assistant[-1].get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "".join(
                str(p.get("text") or "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"
            )
    raise MappingError(
        f"{_where(index, column)}: expected a response string or chat messages, got {type(value).__name__}"
    )


def _image_of(row: Mapping[str, Any], index: int, mapping: dict[str, str], roots: list[Path]) -> Any:
    if "image" not in mapping:
        return None
    column = mapping["image"]
    value = row.get(column)
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise MappingError(f"{_where(index, column)}: {len(value)} images; a hymar row holds one image")
        value = value[0] if value else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, PILImage.Image):
        return value
    if isinstance(value, Mapping):
        if value.get("bytes"):
            _check_readable(io.BytesIO(value["bytes"]), index, column, "stored image bytes")
            return {"bytes": value["bytes"], "path": value.get("path")}
        value = value.get("path")
        if not value:
            return None
    if isinstance(value, (str, os.PathLike)):
        path = _resolve(Path(value), roots)
        if not path.is_file():
            raise MappingError(
                f"{_where(index, column)}: image file not found: {value} (looked in {[str(r) for r in roots] or ['.']})"
            )
        _check_readable(path, index, column, str(path))
        return {"path": str(path), "bytes": None}
    raise MappingError(
        f"{_where(index, column)}: expected an image path, bytes or PIL image, got {type(value).__name__}"
    )


def _resolve(path: Path, roots: list[Path]) -> Path:
    if path.is_absolute() or not roots:
        return path
    return roots[0] / path


def _check_readable(file: Path | io.BytesIO, index: int, column: str, what: str) -> None:
    try:
        with PILImage.open(file) as image:
            image.verify()  # parses the file without decoding all pixels
    except Exception as err:  # PIL raises many types for corrupt files
        raise MappingError(f"{_where(index, column)}: cannot read image {what}: {type(err).__name__}: {err}") from err
