"""Instruction adherence: all applicable aspects folded into one Score.

This is the component a reward config usually names (``adherence: {weight: 1.0}``): the paper's
multi-aspect instruction-adherence reward (HARMO, arXiv 2510.05283, "instruction adherence, at least
the output format, and constraints the prompt states") as one number in [0, 1].

    value      = sum(w_a * v_a) / sum(w_a)       over applicable aspects a (valid, value not None)
    confidence = sum(w_a * c_a) / sum(w_a + invalid weights)

Not-applicable aspects drop out (a prompt with no length limit is not scored on length); an aspect
that cannot judge (invalid) drops out of the value too, but its weight lowers the confidence, and
it is listed in info. All aspects invalid -> invalid; none applicable -> not applicable. The format
aspect applies to every sample, so in the default set something always applies.

info holds each aspect's value (None when it did not apply) under its name, and "invalid":
{name: reason} when any aspect could not judge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hymar.rewards.aspects.base import Aspect, oversized
from hymar.rewards.aspects.constraints import Constraints, constraints_for
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.registry import build_component, entry
from hymar.rewards.types import Sample, Score

#: the aspects `InstructionAdherence` folds in by default
DEFAULT_ASPECTS = ("format", "answer_form", "length_limit", "keywords", "language", "reasoning")


@dataclass(frozen=True, eq=False)
class InstructionAdherence(PerSampleComponent):
    """Weighted mean of the applicable aspects.

    Args:
        aspects: names of the aspects to fold in (registered aspect names, see `hymar.rewards.registry.aspect_names`).
        weights: name -> non-negative weight (missing names weigh 1.0).
        aspect_kwargs: name -> constructor kwargs of that aspect, e.g. {"format": {"style": "boxed"}}.

    Example:
        >>> s = Sample(prompt="Answer with a single word.", completion="<think>Capital.</think><answer>Paris</answer>")
        >>> InstructionAdherence().score_one(s).value
        1.0
    """

    name = "adherence"
    default_failure_threshold = None  # a pure function of the sample: no breaker unless configured

    aspects: Sequence[str] = DEFAULT_ASPECTS
    weights: Mapping[str, float] | None = None
    aspect_kwargs: Mapping[str, Mapping[str, Any]] | None = None
    _built: tuple[Aspect, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.aspects, str) or not all(isinstance(a, str) for a in self.aspects):
            raise TypeError(f"InstructionAdherence.aspects: expected a list of aspect names, got {self.aspects!r}")
        names = tuple(self.aspects)
        if not names:
            raise ValueError("InstructionAdherence.aspects: needs at least one aspect")
        if len(set(names)) != len(names):
            raise ValueError(f"InstructionAdherence.aspects: duplicate names in {list(names)}")
        if "adherence" in names:
            raise ValueError("InstructionAdherence.aspects: cannot contain 'adherence' itself")
        weights = dict(self.weights or {})
        kwargs = {k: dict(v) for k, v in (self.aspect_kwargs or {}).items()}
        for label, mapping in (("weights", weights), ("aspect_kwargs", kwargs)):
            stray = sorted(set(mapping) - set(names))
            if stray:
                raise ValueError(f"InstructionAdherence.{label}: {stray} not among the aspects {list(names)}")
        for name, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
                raise ValueError(f"InstructionAdherence.weights[{name!r}]: expected a non-negative number, got {weight!r}")
        built = []
        for name in names:
            if entry(name).kind != "aspect":
                raise TypeError(f"InstructionAdherence.aspects: {name!r} is not an aspect")
            aspect = build_component(name, kwargs.get(name, {}))
            if not isinstance(aspect, Aspect):
                raise TypeError(f"InstructionAdherence.aspects: {name!r} built a {type(aspect).__name__}, not an Aspect")
            built.append(aspect)
        object.__setattr__(self, "aspects", names)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "aspect_kwargs", kwargs)
        object.__setattr__(self, "_built", tuple(built))

    def score_aspects(self, sample: Sample) -> dict[str, Score]:
        """Each aspect's Score for ``sample`` (the prompt is parsed once for all of them).

        Returns:
            name -> Score; every Score invalid with the reason when the constraints are malformed.
        """
        too_long = oversized(sample)
        if too_long is not None:
            return {name: too_long for name in self.aspects}
        try:
            constraints = constraints_for(sample)
        except (TypeError, ValueError) as err:
            bad = Score.invalid(f"bad constraints: {err}")
            return {name: bad for name in self.aspects}
        return self.judge_all(sample, constraints)

    def judge_all(self, sample: Sample, constraints: Constraints) -> dict[str, Score]:
        """Each aspect's Score against given constraints."""
        return {name: aspect.judge(sample, constraints) for name, aspect in zip(self.aspects, self._built)}

    def score_one(self, sample: Sample) -> Score:
        return combine(self.score_aspects(sample), self.weights or {})


def combine(scores: Mapping[str, Score], weights: Mapping[str, float]) -> Score:
    """Fold per-aspect Scores into one (formula in the module docstring).

    Args:
        scores: aspect name -> Score.
        weights: aspect name -> weight (missing = 1.0).

    Returns:
        The aggregate Score.
    """
    info: dict[str, Any] = {name: s.value for name, s in scores.items()}
    invalid = {name: str(s.info.get("reason", "invalid")) for name, s in scores.items() if not s.valid}
    if invalid:
        info["invalid"] = invalid
    applicable = [(weights.get(name, 1.0), s) for name, s in scores.items() if s.applies]
    total = sum(w for w, _ in applicable)
    if not applicable or total <= 0:
        if invalid and len(invalid) == len(scores):
            return Score.invalid("no aspect could judge", **info)
        return Score.not_applicable("no aspect applies", **info)
    value = sum(w * (s.value or 0.0) for w, s in applicable) / total
    invalid_weight = sum(weights.get(name, 1.0) for name in invalid)
    confidence = sum(w * s.confidence for w, s in applicable) / (total + invalid_weight)
    return Score(value, confidence=min(1.0, max(0.0, confidence)), info=info)


_DEFAULT: InstructionAdherence | None = None


def score_aspects(sample: Sample) -> dict[str, Score]:
    """Every default aspect's Score for ``sample`` (default configurations).

    Args:
        sample: the rollout.

    Returns:
        name -> Score for each name in `DEFAULT_ASPECTS`.
    """
    global _DEFAULT  # built once: the default aspects are stateless
    if _DEFAULT is None:
        _DEFAULT = InstructionAdherence()
    return _DEFAULT.score_aspects(sample)
