"""verl adapter: hymar rewards as verl custom reward functions.

verl loads a custom reward function from a file (``custom_reward_function.path`` / ``.name``, under
``reward.`` in newer releases) and calls it

- per sample (naive / dapo / prime reward managers):
  ``compute_score(data_source, solution_str, ground_truth, extra_info=None, **reward_kwargs)``;
- per batch (``reward_manager=batch``):
  ``compute_score(data_sources=, solution_strs=, ground_truths=, extra_infos=, **reward_kwargs)``,
  expecting one result per sample.

A result may be a float or a dict with a ``"score"`` key; every other key is collected per sample into
``reward_extra_info`` (so all samples must return the same keys, with numeric values for verl's
validation metrics). ``reward_kwargs`` come from ``custom_reward_function.reward_kwargs`` in the config.

The reward is chosen, first match wins, by ``extra_info["hymar_preset"]``, the ``hymar_preset`` reward
kwarg, the ``HYMAR_PRESET`` environment variable, else `DEFAULT_PRESET` ("harmo"). Each value may be a preset name or a
path to a reward config; reward objects are built once per process and cached.

Returned dict: ``score`` (the total; 0.0 where the hybrid total is undefined, because verl has no way to
mask a NaN reward and it would poison the advantages), ``scorable`` (1.0/0.0, whether the total was
defined), ``acc`` (1.0 where the ``accuracy`` component, else the ``hybrid`` term, scored >= 0.5,
otherwise 0.0) and one key per component with its value (NaN where it does not apply or is invalid).
A component whose name collides with those keys is reported as ``hymar_<name>``.

Faults: a reward that raises costs only the groups that make it raise (`hymar.rewards.isolation`):
their samples return ``score`` 0.0 and ``scorable`` 0.0, and a warning is logged; verl's reward loop
never sees the exception.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from hymar.rewards.hybrid import resolve_reward
from hymar.rewards.presets import DEFAULT_PRESET
from hymar.rewards.isolation import score_isolated
from hymar.rewards.types import Reward, RewardResult, Sample

logger = logging.getLogger(__name__)

ENV_VAR = "HYMAR_PRESET"
PRESET_KEY = "hymar_preset"
GROUP_KEYS = ("hymar_group", "uid", "group")
"""extra_info keys taken as an explicit group id (first present wins)."""

_RESERVED = frozenset({"score", "acc", "scorable"})
_ACC_SOURCES = ("accuracy", "hybrid")

_rewards: dict[str, Any] = {}
_rewards_lock = threading.Lock()


def get_reward(spec: str) -> Any:
    """The reward for a preset name or config path, built once per process (thread-safe)."""
    with _rewards_lock:
        reward = _rewards.get(spec)
        if reward is None:
            reward = _rewards[spec] = resolve_reward(spec)
        return reward


def _spec(extra_info: Mapping[str, Any], kwargs: Mapping[str, Any]) -> str:
    for source in (extra_info.get(PRESET_KEY), kwargs.get(PRESET_KEY), os.environ.get(ENV_VAR)):
        if source:
            return str(source)
    return DEFAULT_PRESET


# ----------------------------------------------------------------------------- verl args -> Samples
def build_sample(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Mapping[str, Any] | None) -> Sample:
    """One `Sample` from verl's arguments.

    ``ground_truth`` may be a string/number (the gold answer) or a mapping with answer/reference/task/
    constraints keys. From ``extra_info``: prompt (or question), reference, task, constraints, images;
    the rest, with ``data_source``, goes to ``metadata``.
    """
    info = dict(extra_info or {})
    fields: dict[str, Any] = {}
    if isinstance(ground_truth, Mapping):
        fields = {k: ground_truth.get(k) for k in ("answer", "reference", "task", "constraints")}
    elif ground_truth is not None:
        fields["answer"] = ground_truth
    for key in ("reference", "task", "constraints"):
        if fields.get(key) is None and info.get(key) is not None:
            fields[key] = info[key]
    prompt = info.get("prompt", info.get("question", ""))
    images = info.get("images") or ()
    used = {"prompt", "question", "reference", "task", "constraints", "images", PRESET_KEY}
    metadata = {"data_source": data_source, **{k: v for k, v in info.items() if k not in used}}
    constraints = fields.get("constraints")
    return Sample(
        prompt=prompt if isinstance(prompt, (str, list)) else str(prompt),
        completion=solution_str if isinstance(solution_str, str) else str(solution_str),
        images=tuple(images) if isinstance(images, (list, tuple)) else (images,),
        answer=None if fields.get("answer") is None else str(fields["answer"]),
        reference=None if fields.get("reference") is None else str(fields["reference"]),
        task=None if fields.get("task") is None else str(fields["task"]),
        constraints=constraints if isinstance(constraints, Mapping) else None,
        metadata=metadata,
    )


def batch_groups(data_sources: Sequence[Any], samples: Sequence[Sample], extra_infos: Sequence[Mapping[str, Any]]) -> list[Hashable]:
    """Group ids for a verl batch, independent of order.

    verl repeats each prompt ``rollout.n`` times but may reorder the batch before scoring
    (``trainer.balance_batch``), so groups cannot be consecutive runs. An explicit id in extra_info
    (``hymar_group``, ``uid`` or ``group``) wins; otherwise the group is the hash of (data_source,
    extra_info["index"], prompt text, gold answer): identical prompts in one batch share a group.
    """
    groups: list[Hashable] = []
    for source, sample, info in zip(data_sources, samples, extra_infos):
        explicit = next((info[k] for k in GROUP_KEYS if info.get(k) is not None), None)
        if explicit is not None:
            groups.append(str(explicit))
            continue
        parts = (str(source), str(info.get("index", "")), sample.prompt_text, sample.answer or "")
        groups.append(hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16])
    return groups


# ----------------------------------------------------------------------------- results
def result_dicts(result: RewardResult, nan_score: float = 0.0) -> list[dict[str, float]]:
    """verl result dicts (see module docstring), one per sample, all with the same keys."""
    out = []
    for i, total in enumerate(result.rewards):
        scorable = math.isfinite(total)
        row: dict[str, float] = {"score": float(total) if scorable else nan_score, "scorable": float(scorable)}
        row["acc"] = _acc(result, i)
        for name, scores in result.components.items():
            s = scores[i]
            row[f"hymar_{name}" if name in _RESERVED else name] = float(s.value) if s.applies else float("nan")
        out.append(row)
    return out


def _acc(result: RewardResult, i: int) -> float:
    for name in _ACC_SOURCES:
        if name in result.components:
            s = result.components[name][i]
            return 1.0 if s.correct else 0.0
    return 0.0


# ----------------------------------------------------------------------------- entry points
def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Mapping[str, Any] | None = None, **kwargs: Any
) -> dict[str, float]:
    """verl per-sample custom reward function.

    Group-relative components (length penalty, group normalisation) see a group of one here; use
    `compute_score_batch` with verl's batch reward manager for them.

    Args:
        data_source: verl's dataset tag (kept in ``Sample.metadata``).
        solution_str: the decoded response.
        ground_truth: gold answer, or a mapping with answer/reference/task/constraints.
        extra_info: the row's extra_info (prompt, task, constraints, images, hymar_preset, ...).
        **kwargs: verl's ``reward_kwargs`` (``hymar_preset`` is read).
    Returns:
        ``{"score", "scorable", "acc", <component>: value, ...}``.
    """
    info = dict(extra_info or {})
    sample = build_sample(data_source, solution_str, ground_truth, info)
    return result_dicts(_score(get_reward(_spec(info, kwargs)), [sample], [0]))[0]


def batch_samples(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
) -> tuple[list[Sample], list[Hashable], list[dict[str, Any]]]:
    """verl's per-sample lists as hymar Samples with their group ids (`batch_groups`).

    Raises:
        ValueError: the lists differ in length.

    Returns:
        ``(samples, groups, extra_infos as dicts)``.
    """
    n = len(solution_strs)
    infos = [dict(e or {}) for e in (extra_infos if extra_infos is not None else [None] * n)]
    if not (len(data_sources) == len(ground_truths) == len(infos) == n):
        raise ValueError("data_sources, solution_strs, ground_truths and extra_infos must have equal lengths")
    samples = [build_sample(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, infos)]
    return samples, batch_groups(data_sources, samples, infos), infos


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **kwargs: Any,
) -> list[dict[str, float]]:
    """verl batch custom reward function (``reward_manager=batch``), with groups for group-relative terms.

    Samples are scored in one call per reward spec (a batch may mix presets via extra_info; keep one
    preset per run so every sample returns the same keys).

    Args:
        data_sources, solution_strs, ground_truths, extra_infos: verl's per-sample lists.
        **kwargs: verl's ``reward_kwargs`` (``hymar_preset`` is read).
    Returns:
        One result dict per sample, in order.
    """
    samples, groups, infos = batch_samples(data_sources, solution_strs, ground_truths, extra_infos)
    n = len(samples)
    by_spec: dict[str, list[int]] = {}
    for i, info in enumerate(infos):
        by_spec.setdefault(_spec(info, kwargs), []).append(i)
    out: list[dict[str, float]] = [{} for _ in range(n)]
    for spec, idx in by_spec.items():
        result = _score(get_reward(spec), [samples[i] for i in idx], [groups[i] for i in idx])
        for i, row in zip(idx, result_dicts(result)):
            out[i] = row
    return out


def _score(reward: Reward, samples: list[Sample], groups: list[Hashable]) -> RewardResult:
    scored = score_isolated(reward, samples, groups)
    if scored.failed:
        reason = next(e for e in scored.errors if e is not None)
        logger.warning("hymar verl: %s; %d of %d samples unscorable (score 0.0)", reason, scored.failed, len(samples))
    return scored.result


__all__ = ["build_sample", "batch_groups", "compute_score", "compute_score_batch", "get_reward", "result_dicts"]
