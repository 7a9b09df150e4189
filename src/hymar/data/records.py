"""The `hymar score` line format: JSON records <-> `Sample`, with errors that name the offending field.

Input line: {"id", "prompt" (string or chat messages), "completion", "answer"?, "reference"?, "task"?,
"images"? (list of file paths, relative to the input file's folder), "group"?, "constraints"?,
"metadata"?}. Unknown keys are kept in the output untouched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hymar.rewards.types import RewardResult, Sample


class RecordError(ValueError):
    """A record cannot become a Sample; the message names the field."""


_OPTIONAL_TEXT = ("answer", "reference", "task")


def sample_from_record(record: Any, base_dir: Path | None = None) -> Sample:
    """Build a Sample from one decoded JSON line.

    Raises:
        RecordError: naming the field that is missing or has the wrong type.
    """
    if not isinstance(record, Mapping):
        raise RecordError(f"a line must be a JSON object, got {type(record).__name__}")
    prompt = record.get("prompt", "")
    if not isinstance(prompt, (str, list)):
        raise RecordError("field 'prompt': must be a string or a list of chat messages")
    if isinstance(prompt, list):
        for i, message in enumerate(prompt):
            if not isinstance(message, Mapping) or "content" not in message:
                raise RecordError(f"field 'prompt[{i}]': a chat message needs 'role' and 'content'")
    if "completion" not in record:
        raise RecordError("field 'completion': missing")
    completion = record["completion"]
    if not isinstance(completion, str):
        raise RecordError(f"field 'completion': must be a string, got {type(completion).__name__}")
    fields: dict[str, Any] = {}
    for name in _OPTIONAL_TEXT:
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise RecordError(f"field {name!r}: must be a string or a number, got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise RecordError(f"field {name!r}: must be a finite number, got {value!r}")
        fields[name] = str(value)
    constraints = record.get("constraints")
    if constraints is not None and not isinstance(constraints, Mapping):
        raise RecordError("field 'constraints': must be an object")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise RecordError("field 'metadata': must be an object")
    images = _image_paths(record.get("images"), base_dir)
    return Sample(
        prompt=prompt,
        completion=completion,
        images=images,
        constraints=constraints,
        metadata=dict(metadata),
        **fields,
    )


def _image_paths(images: Any, base_dir: Path | None) -> tuple[str, ...]:
    if images is None:
        return ()
    if isinstance(images, str):
        images = [images]
    if not isinstance(images, list):
        raise RecordError("field 'images': must be a list of file paths")
    paths = []
    for i, image in enumerate(images):
        if not isinstance(image, str):
            raise RecordError(f"field 'images[{i}]': must be a file path string")
        if "\x00" in image:
            raise RecordError(f"field 'images[{i}]': contains a NUL byte")
        path = Path(image)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            found = path.is_file()
        except OSError as err:  # e.g. ENAMETOOLONG for a 5,000-character path: the line's fault only
            raise RecordError(f"field 'images[{i}]': cannot use this path ({err.strerror or type(err).__name__})") from None
        if not found:
            raise RecordError(f"field 'images[{i}]': file not found: {image[:200]}")
        paths.append(str(path))
    return tuple(paths)


def group_key(record: Mapping[str, Any], line_no: int) -> Any:
    """Rollouts sharing a "group" value are one group; a line without one is its own group."""
    group = record.get("group")
    if group is None:
        return ("__line__", line_no)
    if isinstance(group, (list, dict)):
        return repr(group)
    return group


def scored_record(record: Mapping[str, Any], result: RewardResult, i: int) -> dict[str, Any]:
    """The output record of sample ``i``, exactly as `hymar score` writes it.

    Args:
        record: the input record (unknown keys are kept).
        result: the batch's reward result.
        i: the sample's position in the batch.
    Returns:
        ``{**record, "reward": total or None, "components": {name: Score.to_dict()}}``, plus
        "reward_invalid" where the total is undefined.
    """
    components = {name: scores[i].to_dict() for name, scores in result.components.items()}
    total = result.rewards[i]
    out = {**record, "reward": total if math.isfinite(total) else None, "components": components}
    if not math.isfinite(total):
        out["reward_invalid"] = "every weighted component was invalid"
    return out
