"""`POST /score`: `hymar score` records in, the same records with "reward" and "components" out.

Each item of the body is one `hymar score` input line (see `hymar.data.records`). The body must be a
JSON list of objects (else 4xx); inside that, a record that cannot become a Sample gets an error record
``{"id", "index", "error"}`` in its place, as a bad line does in `hymar score` (which writes "line"
where the server writes "index"). Rollouts sharing a "group" value form one group; all the request's
valid samples are scored in one reward call, so a group is never split. Faults stay on their record:
a record that cannot become a Sample for any reason (a wrong type, an image path the OS refuses), a
group whose scoring raises (`hymar.rewards.isolation`), or a scored record too deeply nested to encode
gets an error record; the other records of the request are answered as if it were not there.

Images: a path in a request is resolved inside ``image_root`` and refused if it leaves it (``..``,
absolute paths, symlinks); without an image root, records with images are refused, so a client can
never make the server open an arbitrary file.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.data.jsonsafe import dumps_json
from hymar.data.records import RecordError, group_key, sample_from_record, scored_record
from hymar.integrations.server.protocol import RequestError, json_type, require_list
from hymar.rewards.isolation import score_isolated
from hymar.rewards.types import RewardResult, Sample

RewardCall = Callable[[Sequence[Sample], Sequence[Hashable]], RewardResult]


def check_images(record: Mapping[str, Any], image_root: Path | None) -> None:
    """Refuse image paths that are not files inside ``image_root``.

    Raises:
        RecordError: naming the field ('images' or 'images[i]').
    """
    images = record.get("images")
    if images is None or images == []:
        return
    if image_root is None:
        raise RecordError("field 'images': this server accepts no image paths (start it with --image-root DIR)")
    items = [images] if isinstance(images, str) else images
    if not isinstance(items, list):
        raise RecordError("field 'images': must be a list of file paths")
    root = image_root.resolve()
    for i, image in enumerate(items):
        if not isinstance(image, str):
            raise RecordError(f"field 'images[{i}]': must be a file path string")
        if "\x00" in image:
            raise RecordError(f"field 'images[{i}]': contains a NUL byte")
        try:
            resolved = (root / image).resolve()
        except OSError as err:
            raise RecordError(f"field 'images[{i}]': cannot use this path ({err.strerror or type(err).__name__})") from None
        if not resolved.is_relative_to(root):
            raise RecordError(f"field 'images[{i}]': outside the server's image root")


def to_sample(record: Any, image_root: Path | None) -> Sample:
    """One record as a Sample, under the server's image policy.

    Raises:
        RecordError: naming the field at fault, whatever went wrong (an OSError from an odd image
            path included: it is the record's fault, never the server's).
    """
    try:
        if isinstance(record, Mapping):
            check_images(record, image_root)
        return sample_from_record(record, image_root.resolve() if image_root is not None else None)
    except RecordError:
        raise
    except Exception as err:  # noqa: BLE001 - a record that breaks anything is refused alone
        raise RecordError(f"cannot use this record: {type(err).__name__}: {str(err)[:200]}") from None


def score_records(
    body: Any,
    reward: RewardCall,
    max_samples: int,
    image_root: Path | None,
    component_names: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Score a decoded /score body.

    Args:
        body: the decoded JSON (must be a list of objects).
        reward: called once with the valid samples and their group ids (then once per group if that
            call raises).
        max_samples: most items accepted.
        image_root: folder image paths are resolved in, or None to refuse images.
        component_names: the reward's components (for failed groups; default: ``reward.component_names``).
    Returns:
        One output record per item, in order.
    Raises:
        RequestError: 422 when the body is not a list of objects or is too long.
    """
    items = require_list(body, "body", max_samples)
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise RequestError(422, f"body[{i}]: expected a JSON object (a `hymar score` record), got {json_type(item)}")
    outputs: list[dict[str, Any] | None] = [None] * len(items)
    good: list[int] = []
    samples: list[Sample] = []
    groups: list[Hashable] = []
    for i, record in enumerate(items):
        try:
            samples.append(to_sample(record, image_root))
        except RecordError as err:
            outputs[i] = {"id": record.get("id"), "index": i, "error": f"body[{i}]: {err}"}
            continue
        good.append(i)
        groups.append(group_key(record, i))
    if samples:
        scored = score_isolated(reward, samples, groups, component_names)
        for j, i in enumerate(good):
            error = scored.errors[j]
            if error is None:
                outputs[i] = scored_record(items[i], scored.result, j)
            else:
                outputs[i] = {"id": items[i].get("id"), "index": i, "error": f"body[{i}]: {error}"}
    return [out for out in outputs if out is not None]


def encode_records(outputs: list[dict[str, Any]]) -> bytes:
    """The /score response body, one record at a time: a record too deep to encode (its echoed fields
    nested near the parser's limit) becomes that record's error record instead of failing the request."""
    parts = []
    for i, out in enumerate(outputs):
        try:
            parts.append(dumps_json(out, compact=True))
        except (RecursionError, ValueError, TypeError) as err:
            error = f"body[{i}]: cannot encode the scored record: {type(err).__name__}"
            parts.append(dumps_json({"id": None, "index": i, "error": error}, compact=True))
    return ("[" + ",".join(parts) + "]").encode("ascii")
