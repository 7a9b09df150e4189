"""Core value types of the reward layer: one rollout (`Sample`), one judgement (`Score`) and the
combined output of a reward (`RewardResult`)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Protocol, runtime_checkable

ChatMessages = list[dict[str, Any]]


@dataclass(frozen=True)
class Sample:
    """One rollout to be scored.

    Args:
        prompt: the prompt as text or as chat messages ({"role", "content"} dicts; content may be a
            string or a list of {"type": "text"|"image", ...} parts).
        completion: the model's response text (untrusted).
        images: image paths or PIL images that went with the prompt (may be empty).
        answer: gold answer for verifiable tasks.
        reference: reference response for open-ended tasks.
        task: domain tag ("math", "choice", "counting", "yesno", "text", "open", ...); None lets the
            verifier infer the answer type from ``answer``.
        constraints: instruction constraints stated as data (see ``hymar.rewards.aspects``).
        metadata: free-form extra fields, passed through untouched.
    """

    prompt: str | ChatMessages = ""
    completion: str = ""
    images: Sequence[Any] = ()
    answer: str | None = None
    reference: str | None = None
    task: str | None = None
    constraints: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def prompt_text(self) -> str:
        """The prompt flattened to plain text (text parts of chat messages joined by newlines)."""
        return prompt_to_text(self.prompt)


def prompt_to_text(prompt: str | ChatMessages | None) -> str:
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    parts: list[str] = []
    for message in prompt:
        content = message.get("content", "") if isinstance(message, Mapping) else message
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, Sequence):
            for part in content:
                if isinstance(part, Mapping) and part.get("type") == "text":
                    parts.append(str(part.get("text", "")))
    return "\n".join(parts)


#: the value from which a correctness score counts as "correct" (verifier scores are 1.0 or 0.0;
#: a blended hybrid score counts as correct from the midpoint)
CORRECT_AT = 0.5


@dataclass(frozen=True)
class Score:
    """One component's judgement of one sample.

    Args:
        value: the reward, or None when the component does not apply to this sample.
        confidence: in [0, 1], how far the value can be trusted (1.0 = unambiguous extraction and
            exact comparison; lower for fallbacks, tolerances, fuzzy matches; 0 when invalid).
        valid: False when the component could not judge (timeout, parse failure, model error).
            An invalid score never silently counts as 0: the combiner routes or masks it.
        info: small dict for debugging and logging (extracted answer, method, invalid reason).
    """

    value: float | None
    confidence: float = 1.0
    valid: bool = True
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"Score.value must be finite or None, got {self.value!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"Score.confidence must be in [0, 1], got {self.confidence!r}")

    @classmethod
    def invalid(cls, reason: str, **info: Any) -> Score:
        """A score for a sample the component could not judge."""
        return cls(value=None, confidence=0.0, valid=False, info={"reason": reason, **info})

    @classmethod
    def not_applicable(cls, reason: str = "not applicable", **info: Any) -> Score:
        """A valid 'does not apply' score (e.g. a math verifier on an open-ended sample)."""
        return cls(value=None, confidence=0.0, valid=True, info={"reason": reason, **info})

    @property
    def applies(self) -> bool:
        return self.valid and self.value is not None

    @property
    def correct(self) -> bool | None:
        """Read as a correctness verdict (the rule verifier, the hybrid term): True when the value is at
        least `CORRECT_AT`, False below it, None when the score does not apply or is invalid."""
        return bool(self.value >= CORRECT_AT) if self.applies else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form used by `hymar score` output lines."""
        return {"value": self.value, "confidence": self.confidence, "valid": self.valid, **dict(self.info)}


@dataclass
class RewardResult:
    """What a composite reward returns for a batch.

    Attributes:
        rewards: the total reward per sample (a float; NaN only where nothing applied and the
            combiner was configured to leave it so).
        components: per component name, one Score per sample.
    """

    rewards: list[float]
    components: dict[str, list[Score]]

    def metrics(self, prefix: str = "rewards") -> dict[str, float]:
        """Stable log names: ``{prefix}/<component>/mean|std|confidence|invalid_rate``."""
        out: dict[str, float] = {}
        for name, scores in self.components.items():
            out.update(component_metrics(name, scores, prefix))
        finite = [r for r in self.rewards if math.isfinite(r)]
        out[f"{prefix}/total/mean"] = _mean(finite)
        out[f"{prefix}/total/std"] = _std(finite)
        return out


def component_metrics(name: str, scores: Sequence[Score], prefix: str = "rewards") -> dict[str, float]:
    values = [s.value for s in scores if s.applies]
    confidences = [s.confidence for s in scores if s.applies]
    n = len(scores)
    invalid = sum(1 for s in scores if not s.valid)
    return {
        f"{prefix}/{name}/mean": _mean(values),
        f"{prefix}/{name}/std": _std(values),
        f"{prefix}/{name}/confidence": _mean(confidences),
        f"{prefix}/{name}/invalid_rate": invalid / n if n else 0.0,
    }


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def _std(xs: Sequence[float]) -> float:
    if not xs:
        return float("nan")
    m = _mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


def default_groups(n: int, groups: Sequence[Hashable] | None) -> list[Hashable]:
    """Each sample its own group when no group ids are given; validates the length otherwise."""
    if groups is None:
        return list(range(n))
    groups = list(groups)
    if len(groups) != n:
        raise ValueError(f"got {len(groups)} group ids for {n} samples")
    return groups


def group_indices(groups: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    """Group id -> indices of its samples, in first-seen order."""
    out: dict[Hashable, list[int]] = {}
    for i, g in enumerate(groups):
        out.setdefault(g, []).append(i)
    return out


@runtime_checkable
class Reward(Protocol):
    """A batch reward: what every consumer (TRL and verl adapters, the server, training, evaluation) calls.

    `HybridReward` is one; so is `hymar.integrations.remote.RemoteReward` and any test double with the
    two members. ``component_names`` lists the keys of ``RewardResult.components``.
    """

    @property
    def component_names(self) -> Sequence[str]: ...

    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> RewardResult: ...


#: what the entry points accept for "a reward": a `Reward`, a preset name, a config file path or a
#: config mapping (resolved by `hymar.rewards.hybrid.resolve_reward`)
RewardSpec = Reward | str | PathLike | Mapping[str, Any]
