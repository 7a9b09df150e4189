"""`POST /get_reward`: OpenRLHF's remote reward model protocol on top of a hymar reward.

What OpenRLHF sends and reads (``openrlhf/utils/remote_rm_utils.py`` and the experience maker, as of
the 0.6-0.9 releases; ``--remote_rm_url http://host:port/get_reward``):

- request ``{"query": [str], "prompts": [str], "labels": [...]}``: ``query[i]`` is the decoded
  prompt + response (chat template applied, special tokens possibly kept), ``prompts[i]`` the
  templated prompt, ``labels[i]`` the dataset's ``--label_key`` value for that prompt. One request
  carries a contiguous slice of a rollout batch (the ``n_samples_per_prompt`` rollouts of a prompt
  are adjacent; with several server URLs the batch is split in contiguous chunks);
- response ``{"rewards": [float], "scores": [float], "extra_logs": {key: [float]}}``: every list has
  one entry per query and goes through ``torch.as_tensor``, so it must be all numbers (no nulls).
  "rewards" drive the advantages, "scores" dynamic filtering and the logged "score", and each
  extra_logs key is logged as a per-sample info field.

Mapping onto hymar samples:

- prompt = ``prompts[i]`` ("" when "prompts" is absent);
- completion = ``query[i]`` with the prompt removed from its front when the prompt is a prefix of the
  query, else the whole query (``hymar_prompt_matched`` is then 0.0); afterwards every server
  ``--strip-suffix`` string (e.g. ``<|im_end|>``, ``<|endoftext|>``) is removed from the end, repeatedly;
- ``labels[i]``: a string or number is the gold answer; null means none; an object, or a string
  holding a JSON object, is read as `hymar score` record fields (answer, reference, task,
  constraints, metadata, group, images);
- group = the label object's "group" when given, else the prompt: identical prompts in one request
  are one group (OpenRLHF's rollouts of a prompt), so group-relative terms see them together.

Response: ``rewards[i]`` = the hymar total, 0.0 where it is undefined (every weighted term invalid;
NaN would poison the advantages); ``scores`` = ``rewards``; ``extra_logs`` has ``hymar_scorable``
(1.0/0.0: whether the total was defined), ``hymar_prompt_matched`` (1.0/0.0) and
``hymar_<component>`` for every component: its value, 0.0 where it does not apply or is invalid.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.data.records import RecordError
from hymar.integrations.server.protocol import RequestError, json_type, require_list
from hymar.integrations.server.records import to_sample
from hymar.rewards.isolation import score_isolated
from hymar.rewards.types import RewardResult, Sample

RewardCall = Callable[[Sequence[Sample], Sequence[Hashable]], RewardResult]
PREFIX = "hymar_"


def split_query(query: str, prompt: str, strip_suffixes: Sequence[str] = ()) -> tuple[str, bool]:
    """The response part of an OpenRLHF query.

    Args:
        query: prompt + response as OpenRLHF decoded it.
        prompt: the templated prompt.
        strip_suffixes: strings removed from the end of the response, repeatedly, in any order.
    Returns:
        (response, whether ``prompt`` was a non-empty prefix of ``query``).
    """
    matched = bool(prompt) and query.startswith(prompt)
    response = query[len(prompt):] if matched else query
    changed = True
    while changed and strip_suffixes:
        changed = False
        for suffix in strip_suffixes:
            if response.endswith(suffix):
                response = response[: -len(suffix)]
                changed = True
    return response, matched


def label_fields(label: Any, index: int) -> dict[str, Any]:
    """The record fields a label stands for.

    Raises:
        RequestError: 422 naming ``labels[index]`` for a list, boolean or other unusable value.
    """
    if label is None:
        return {}
    if isinstance(label, str):
        if label.lstrip().startswith("{"):
            try:
                decoded = json.loads(label)
            except (ValueError, RecursionError):
                decoded = None
            if isinstance(decoded, dict):
                return dict(decoded)
        return {"answer": label}
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        if not math.isfinite(label):
            raise RequestError(422, f"labels[{index}]: must be finite")
        return {"answer": label}
    if isinstance(label, Mapping):
        return dict(label)
    raise RequestError(422, f"labels[{index}]: expected a string, number, object or null, got {json_type(label)}")


def parse_request(
    body: Any, max_samples: int, strip_suffixes: Sequence[str] = (), image_root: Path | None = None
) -> tuple[list[Sample], list[Hashable], list[bool]]:
    """Samples, group ids and prompt-matched flags from a decoded /get_reward body.

    Raises:
        RequestError: 422 naming the field and index at fault.
    """
    if not isinstance(body, Mapping):
        raise RequestError(422, f"body: expected a JSON object with 'query', got {json_type(body)}")
    if "query" not in body:
        raise RequestError(422, "query: missing")
    queries = require_list(body["query"], "query", max_samples)
    n = len(queries)
    prompts = _optional_list(body, "prompts", n, max_samples)
    labels = _optional_list(body, "labels", n, max_samples)
    samples: list[Sample] = []
    groups: list[Hashable] = []
    matched: list[bool] = []
    for i, query in enumerate(queries):
        if not isinstance(query, str):
            raise RequestError(422, f"query[{i}]: expected a string, got {json_type(query)}")
        prompt = "" if prompts is None else prompts[i]
        if prompt is None:
            prompt = ""
        if not isinstance(prompt, str):
            raise RequestError(422, f"prompts[{i}]: expected a string, got {json_type(prompt)}")
        completion, ok = split_query(query, prompt, strip_suffixes)
        fields = label_fields(None if labels is None else labels[i], i)
        for key in ("prompt", "completion"):
            if key in fields:
                raise RequestError(422, f"labels[{i}]: must not set {key!r} (it comes from query/prompts)")
        record = {**fields, "prompt": prompt, "completion": completion}
        try:
            samples.append(to_sample(record, image_root))
        except RecordError as err:
            raise RequestError(422, f"labels[{i}]: {err}") from None
        group = fields.get("group")
        groups.append(("prompt", prompt) if group is None else ("group", json.dumps(group, sort_keys=True)))
        matched.append(ok)
    return samples, groups, matched


def _optional_list(body: Mapping[str, Any], key: str, n: int, max_samples: int) -> list[Any] | None:
    value = body.get(key)
    if value is None:
        return None
    items = require_list(value, key, max_samples)
    if len(items) != n:
        raise RequestError(422, f"{key}: {len(items)} items for {n} queries; they must line up one to one")
    return items


def response(result: RewardResult, matched: Sequence[bool]) -> dict[str, Any]:
    """The OpenRLHF response for a scored batch (see the module docstring); every number finite."""
    rewards = [float(t) if math.isfinite(t) else 0.0 for t in result.rewards]
    logs: dict[str, list[float]] = {
        f"{PREFIX}scorable": [1.0 if math.isfinite(t) else 0.0 for t in result.rewards],
        f"{PREFIX}prompt_matched": [1.0 if m else 0.0 for m in matched],
    }
    for name, scores in result.components.items():
        logs[f"{PREFIX}{name}"] = [float(s.value) if s.applies else 0.0 for s in scores]
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}


def score_openrlhf(
    body: Any,
    reward: RewardCall,
    component_names: Sequence[str],
    max_samples: int,
    strip_suffixes: Sequence[str] = (),
    image_root: Path | None = None,
) -> dict[str, Any]:
    """Score a decoded /get_reward body; see the module docstring for the mapping.

    Args:
        body: the decoded JSON.
        reward: called once with all samples and their group ids.
        component_names: the reward's components (an empty request still gets every extra_logs key).
        max_samples: most queries accepted.
        strip_suffixes: see `split_query`.
        image_root: folder label image paths are resolved in, or None to refuse images.
    Returns:
        ``{"rewards", "scores", "extra_logs"}``.
    Raises:
        RequestError: 422 naming the field and index at fault.
    """
    samples, groups, matched = parse_request(body, max_samples, strip_suffixes, image_root)
    if not samples:
        return response(RewardResult(rewards=[], components={n: [] for n in component_names}), [])
    # A group whose scoring raises gets NaN totals (sent as 0.0 with hymar_scorable 0.0), the others
    # their own rewards: OpenRLHF has no per-sample error, and a 500 would cost it the whole batch.
    return response(score_isolated(reward, samples, groups, component_names).result, matched)
