"""Scored JSONL lines (the `hymar score` output) read into `Rollout`s, with group-relative advantages.

A line that is not a JSON object, or an error record (``{"id", "line", "error"}``), becomes a rollout
with ``error`` set, so the page shows it instead of dropping it.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: GRPO's advantage epsilon (TRL's default): (r - group mean) / (group std + EPS)
ADVANTAGE_EPS = 1e-4
#: components read, first present wins, to call a rollout right or wrong (the verl adapter's ``acc``)
CORRECTNESS_SOURCES = ("accuracy", "hybrid")


@dataclass
class ComponentView:
    """One component's score of one rollout, as the scored line states it.

    ``valid`` False: the component could not judge (``reason`` says why). A valid score without a
    value does not apply to the rollout (no gold answer, an open-ended task).
    """

    name: str
    value: float | None
    confidence: float | None
    valid: bool
    reason: str | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def applies(self) -> bool:
        return self.valid and self.value is not None


@dataclass
class Rollout:
    """One scored line, ready to render.

    Attributes:
        index: 0-based position in the file.
        group: the group id ("group" field; a line without one is its own group).
        images: image paths, resolved against the JSONL's folder.
        reward: the total, None where it is undefined (null/NaN) or the line is an error record.
        advantage: the group-relative advantage (`group_advantages`), None without a reward.
        correct: True/False from the `CORRECTNESS_SOURCES` component, None where none applies.
        error: the error record's message, or why the line could not be read.
    """

    index: int
    id: str
    group: str
    prompt: str = ""
    completion: str = ""
    answer: str | None = None
    reference: str | None = None
    task: str | None = None
    images: list[Path] = field(default_factory=list)
    reward: float | None = None
    components: list[ComponentView] = field(default_factory=list)
    advantage: float | None = None
    correct: bool | None = None
    error: str | None = None

    @property
    def invalid(self) -> list[ComponentView]:
        return [c for c in self.components if not c.valid]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def prompt_text(prompt: Any) -> str:
    """A prompt as text: a string as is, chat messages as ``role: content`` lines."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        lines = []
        for message in prompt:
            if isinstance(message, Mapping):
                content = message.get("content")
                if isinstance(content, list):  # multimodal parts: keep the text ones
                    content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text")
                lines.append(f"{message.get('role', '?')}: {content if isinstance(content, str) else _text(content)}")
        return "\n".join(lines)
    return _text(prompt) or ""


def _component(name: str, raw: Any) -> ComponentView:
    if not isinstance(raw, Mapping):  # a bare number (or null: does not apply)
        return ComponentView(name, _number(raw), None, True, None)
    value = _number(raw.get("value"))
    valid = raw.get("valid", True) is not False
    reason = raw.get("reason") or raw.get("invalid_reason") or raw.get("error")
    details = {k: v for k, v in raw.items() if k not in ("value", "confidence", "valid", "reason", "invalid_reason", "error")}
    return ComponentView(name, value, _number(raw.get("confidence")), valid, None if reason is None else str(reason), details)


def rollout_from_record(record: Any, index: int, base_dir: Path | None = None, line_no: int | None = None) -> Rollout:
    """One `Rollout` from a decoded line (never raises; an unusable line is an error rollout).

    ``line_no`` (1-based, default ``index + 1``) names a line that has no id.
    """
    name = f"line {index + 1 if line_no is None else line_no}"
    if not isinstance(record, Mapping):
        return Rollout(index, name, name, error=f"not a JSON object ({type(record).__name__})")
    rid = str(record.get("id") if record.get("id") is not None else name)
    group = record.get("group")
    rollout = Rollout(index, rid, rid if group is None else str(group))
    if record.get("error") is not None and "reward" not in record:
        rollout.error = str(record["error"])
        return rollout
    rollout.prompt = prompt_text(record.get("prompt", ""))
    completion = record.get("completion", "")
    rollout.completion = completion if isinstance(completion, str) else completion_text(completion)
    rollout.answer, rollout.reference, rollout.task = (_text(record.get(k)) for k in ("answer", "reference", "task"))
    images = record.get("images") or []
    for image in [images] if isinstance(images, str) else images if isinstance(images, list) else []:
        if isinstance(image, str) and "\x00" not in image:
            path = Path(image)
            rollout.images.append(path if path.is_absolute() or base_dir is None else base_dir / path)
    rollout.reward = _number(record.get("reward"))
    components = record.get("components")
    if isinstance(components, Mapping):
        rollout.components = [_component(str(name), raw) for name, raw in components.items()]
    rollout.correct = _correctness(rollout.components)
    return rollout


def completion_text(completion: Any) -> str:
    """A conversational completion's assistant text (as the TRL adapter scores it)."""
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, Mapping) and m.get("role", "assistant") == "assistant")
    return _text(completion) or ""


def _correctness(components: Iterable[ComponentView]) -> bool | None:
    by_name = {c.name: c for c in components}
    for name in CORRECTNESS_SOURCES:
        c = by_name.get(name)
        if c is not None and c.applies and c.value is not None:
            return c.value >= 0.5
    return None


def group_advantages(rollouts: list[Rollout]) -> None:
    """Set each rollout's GRPO advantage: (reward - group mean) / (group std + `ADVANTAGE_EPS`).

    As TRL's GRPO computes it by default (sample standard deviation within the group). Rollouts
    without a reward are left out of their group's statistics and get None; a group with one scored
    rollout gives it 0.0.
    """
    groups: dict[str, list[Rollout]] = {}
    for r in rollouts:
        if r.reward is not None:
            groups.setdefault(r.group, []).append(r)
    for members in groups.values():
        rewards = [r.reward for r in members if r.reward is not None]
        mean = statistics.fmean(rewards)
        std = statistics.stdev(rewards) if len(rewards) > 1 else 0.0
        for r in members:
            assert r.reward is not None
            r.advantage = (r.reward - mean) / (std + ADVANTAGE_EPS)


def load_rollouts(path: str | Path) -> list[Rollout]:
    """Every line of a scored JSONL file as a `Rollout` (blank lines skipped), advantages set.

    Raises:
        OSError: the file cannot be read.
    """
    source = Path(path)
    rollouts = []
    with open(source, encoding="utf-8-sig", errors="replace") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            index = len(rollouts)
            try:
                record = json.loads(line)
            except (ValueError, RecursionError) as err:
                name = f"line {line_no}"
                rollouts.append(Rollout(index, name, name, error=f"not JSON: {str(err)[:200]}"))
                continue
            rollouts.append(rollout_from_record(record, index, source.parent, line_no))
    group_advantages(rollouts)
    return rollouts
