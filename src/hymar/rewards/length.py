"""The generalized length-penalty family: one parameterised, group-relative component that covers
several published length rewards as named presets.

Every member computes a length L per rollout (chars, words or tokens), a reference from the
rollout's group (or a fixed budget), and maps the two through a shape:

=================  ==========================================  =====================================
shape              value                                       references it accepts
=================  ==========================================  =====================================
``linear_band``    d = (L - L_ref) / L_ref (signed; ``sides``   ``group_correct_mean`` (HARMO),
                   keeps |d|, max(d, 0) or max(-d, 0));        ``fixed`` (L_ref = ``max_len``)
                   0 if d <= tau else -min(P_max, d - tau)
``soft_overlong``  -P_max * clip((L - (L_max - L_cache)) /      ``fixed``
                   L_cache, 0, 1); DAPO has P_max = 1
``cosine``         progress p in [0, 1]; decay f = (1 + cos(    ``fixed`` (p = L / L_max),
                   pi p)) / 2; r = lo + (hi - lo) f             ``group_min_max`` (p = (L - min) /
``kimi``           same with linear decay f = 1 - p             (max - min) within the group)
=================  ==========================================  =====================================

``correct_range`` = (lo, hi) is the value range of correct rollouts under ``cosine``/``kimi``
(hi at the shortest length, lo at the longest). ``wrong_mode`` says what wrong rollouts get:
``same`` (correctness-blind), ``swap`` (open-r1: ``wrong_range`` = (min_value_wrong,
max_value_wrong) with the ends swapped, so longer wrong answers are penalised less), ``min_zero``
(Kimi k1.5: min(0, value a correct rollout would get)) or ``zero`` (the term is off for them).

Correctness: ``sample.metadata["correct"]`` (bool; the combiner fills it from the accuracy
component), or the ``correct`` argument of :meth:`LengthPenalty.score_with_correctness`, which
wins where it is not None. It is needed by ``group_correct_mean``, by ``gating =
"group_has_correct"`` and by any ``wrong_mode`` other than ``same``.

Where the term does not apply (no correct rollout in the group, all lengths equal, a wrong
rollout under ``wrong_mode="zero"``) the score is a valid 0.0 (penalty off) with ``info["reason"]``
saying why; where it cannot be decided (correctness unknown) it is 0.0 with confidence 0.
A length that cannot be measured (tokenizer error) gives ``Score.invalid``.

Sources: DAPO (arXiv 2503.14476, Eq. 13), Kimi k1.5 (arXiv 2501.12599, Sec. 2.3.3; also
open-r1 ``len_reward``), open-r1 ``get_cosine_scaled_reward`` (huggingface/open-r1
src/open_r1/rewards.py; from "Demystifying Long CoT", arXiv 2502.03373), and our reconstruction
of the HARMO penalty (arXiv 2510.05283 describes a group-relative, two-sided penalty with P_max and
tau and no formula; `band_penalty` is our reading, docs/length.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hymar.rewards.base import RewardComponent
from hymar.rewards.types import CORRECT_AT, Sample, Score, default_groups, group_indices

UNITS = ("chars", "words", "tokens")
REFERENCES = ("fixed", "group_correct_mean", "group_min_max")
SHAPES = ("linear_band", "soft_overlong", "cosine", "kimi")
SIDES = ("both", "longer", "shorter")
GATINGS = ("always", "group_has_correct")
WRONG_MODES = ("same", "swap", "min_zero", "zero")

# Which references and wrong-modes each shape supports (checked in LengthPenaltyConfig).
_SHAPE_REFERENCES = {
    "linear_band": ("group_correct_mean", "fixed"),
    "soft_overlong": ("fixed",),
    "cosine": ("fixed", "group_min_max"),
    "kimi": ("fixed", "group_min_max"),
}
_SHAPE_WRONG_MODES = {
    # a penalty that is never positive gains nothing from swap/min_zero
    "linear_band": ("same", "zero"),
    "soft_overlong": ("same", "zero"),
    "cosine": WRONG_MODES,
    "kimi": WRONG_MODES,
}


def _check_choice(field: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"LengthPenaltyConfig.{field} must be one of {list(choices)}, got {value!r}")


def _as_range(field: str, value: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"LengthPenaltyConfig.{field} must be a pair of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"LengthPenaltyConfig.{field} must be finite, got {value!r}")
    return lo, hi


@dataclass(frozen=True)
class LengthPenaltyConfig:
    """Parameters of the length-penalty family (defaults = the HARMO reconstruction).

    Args:
        unit: how length is counted: "chars", "words" (whitespace split) or "tokens".
        tokenizer: HF tokenizer name or path for ``unit="tokens"`` (loaded lazily, on first use).
        length_key: optional metadata key holding a precomputed length (e.g. the number of
            completion token ids an integration already has); used when present on a sample.
        reference: "fixed" (``max_len``), "group_correct_mean" (mean length of the group's correct
            rollouts) or "group_min_max" (shortest and longest rollout of the group).
        shape: "linear_band", "soft_overlong", "cosine" or "kimi" (see the module docstring).
        sides: for "linear_band": "both" (two-sided), "longer" or "shorter" (one-sided).
        tau: tolerance band of "linear_band", a relative deviation (0.2 = within 20%).
        p_max: cap on the penalty magnitude ("linear_band", "soft_overlong").
        max_len: L_max for ``reference="fixed"``.
        cache_len: L_cache of "soft_overlong" (the ramp width before ``max_len``); 0 = hard cut.
        clip_progress: for "cosine"/"kimi" with a fixed reference, lengths past ``max_len`` stay at
            the long end (TRL's fix); False reproduces open-r1's unclamped cosine, which rises again.
        gating: "always", or "group_has_correct" (penalty active only when the group has at least
            one correct rollout).
        correct_range: (lo, hi) value range of correct rollouts for "cosine"/"kimi".
        wrong_range: (min_value_wrong, max_value_wrong) for ``wrong_mode="swap"``.
        wrong_mode: what wrong rollouts get: "same", "swap", "min_zero" or "zero".

    Raises:
        ValueError: naming the field, for unknown choices, negative ``tau``, non-positive
            ``p_max``/``max_len``, ``cache_len`` > ``max_len`` and unsupported combinations.
    """

    unit: str = "chars"
    tokenizer: str | None = None
    length_key: str | None = None
    reference: str = "group_correct_mean"
    shape: str = "linear_band"
    sides: str = "both"
    tau: float = 0.2
    p_max: float = 0.5
    max_len: float | None = None
    cache_len: float = 0.0
    clip_progress: bool = True
    gating: str = "group_has_correct"
    correct_range: tuple[float, float] = (0.5, 1.0)
    wrong_range: tuple[float, float] = (-1.0, -0.5)
    wrong_mode: str = "same"

    def __post_init__(self) -> None:
        for field, choices in (
            ("unit", UNITS),
            ("reference", REFERENCES),
            ("shape", SHAPES),
            ("sides", SIDES),
            ("gating", GATINGS),
            ("wrong_mode", WRONG_MODES),
        ):
            _check_choice(field, getattr(self, field), choices)
        # YAML gives lists: store tuples so the config stays hashable and frozen in spirit
        object.__setattr__(self, "correct_range", _as_range("correct_range", self.correct_range))
        object.__setattr__(self, "wrong_range", _as_range("wrong_range", self.wrong_range))
        if not (isinstance(self.tau, int | float) and math.isfinite(self.tau) and self.tau >= 0):
            raise ValueError(f"LengthPenaltyConfig.tau must be a finite number >= 0, got {self.tau!r}")
        if not (isinstance(self.p_max, int | float) and math.isfinite(self.p_max) and self.p_max > 0):
            raise ValueError(f"LengthPenaltyConfig.p_max must be a finite number > 0, got {self.p_max!r}")
        if self.max_len is not None and not (
            isinstance(self.max_len, int | float) and math.isfinite(self.max_len) and self.max_len > 0
        ):
            raise ValueError(f"LengthPenaltyConfig.max_len must be a finite number > 0, got {self.max_len!r}")
        if not (isinstance(self.cache_len, int | float) and math.isfinite(self.cache_len) and self.cache_len >= 0):
            raise ValueError(f"LengthPenaltyConfig.cache_len must be a finite number >= 0, got {self.cache_len!r}")
        if self.max_len is not None and self.cache_len > self.max_len:
            raise ValueError(
                f"LengthPenaltyConfig.cache_len ({self.cache_len}) must not exceed max_len ({self.max_len})"
            )
        if self.reference not in _SHAPE_REFERENCES[self.shape]:
            raise ValueError(
                f"LengthPenaltyConfig.reference={self.reference!r} does not fit shape={self.shape!r}; "
                f"use one of {list(_SHAPE_REFERENCES[self.shape])}"
            )
        if self.reference == "fixed" and self.max_len is None:
            raise ValueError("LengthPenaltyConfig.max_len is required when reference='fixed'")
        if self.wrong_mode not in _SHAPE_WRONG_MODES[self.shape]:
            raise ValueError(
                f"LengthPenaltyConfig.wrong_mode={self.wrong_mode!r} does not fit shape={self.shape!r}; "
                f"use one of {list(_SHAPE_WRONG_MODES[self.shape])}"
            )

    @property
    def needs_correctness(self) -> bool:
        return self.reference == "group_correct_mean" or self.gating == "group_has_correct" or self.wrong_mode != "same"


#: Named members of the family. DAPO's budget is the paper's (20480 tokens, 4096 cache); the
#: cosine and Kimi presets count characters as open-r1 does; HARMO's tau/P_max are our choice.
LENGTH_PRESETS: dict[str, LengthPenaltyConfig] = {
    "harmo": LengthPenaltyConfig(),
    "dapo_overlong": LengthPenaltyConfig(
        unit="tokens", reference="fixed", shape="soft_overlong", max_len=20480, cache_len=4096,
        p_max=1.0, gating="always",
    ),
    "kimi": LengthPenaltyConfig(
        unit="chars", reference="group_min_max", shape="kimi", correct_range=(-0.5, 0.5),
        wrong_mode="min_zero", gating="always",
    ),
    "cosine": LengthPenaltyConfig(
        unit="chars", reference="fixed", shape="cosine", max_len=1000, correct_range=(0.5, 1.0),
        wrong_range=(-1.0, -0.5), wrong_mode="swap", gating="always",
    ),
}


# ---------------------------------------------------------------- pure shape functions


def band_penalty(length: float, ref: float, tau: float, p_max: float, sides: str = "both") -> float:
    """HARMO-style banded penalty (our reconstruction of arXiv 2510.05283, which gives no formula).

    Args:
        length: the rollout's length L.
        ref: the reference length L_ref (> 0).
        tau: tolerance band on the relative deviation.
        p_max: cap on the penalty magnitude.
        sides: "both" uses |d|, "longer" only d > 0, "shorter" only d < 0.

    Returns:
        0.0 if the deviation d = (L - L_ref) / L_ref is within tau, else -min(p_max, d - tau).
    """
    d = (length - ref) / ref
    if sides == "longer":
        d = max(d, 0.0)
    elif sides == "shorter":
        d = max(-d, 0.0)
    else:
        d = abs(d)
    return 0.0 if d <= tau else -min(p_max, d - tau)


def soft_overlong_penalty(length: float, max_len: float, cache_len: float, p_max: float = 1.0) -> float:
    """DAPO soft overlong punishment (arXiv 2503.14476, Eq. 13), scaled by ``p_max``.

    Returns:
        0 for L <= L_max - L_cache; (L_max - L_cache - L) / L_cache * p_max on the ramp; -p_max
        beyond L_max. With ``cache_len == 0`` it is a hard cut at ``max_len``.
    """
    start = max_len - cache_len
    if length <= start:
        return 0.0
    if cache_len == 0 or length > max_len:
        return -p_max
    return p_max * (start - length) / cache_len


def cosine_decay(progress: float) -> float:
    """(1 + cos(pi p)) / 2: 1 at p = 0, 0 at p = 1 (open-r1 / "Demystifying Long CoT")."""
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def linear_decay(progress: float) -> float:
    """1 - p: with range (-0.5, 0.5) this is Kimi k1.5's lam = 0.5 - p."""
    return 1.0 - progress


# ---------------------------------------------------------------- the component


def _as_correct(value: Any) -> bool | None:
    """bool (incl. numpy bool) as is; a finite number as an accuracy score (correct from `CORRECT_AT`)."""
    if value is None:
        return None
    if type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return value >= CORRECT_AT
    return None


class LengthPenalty(RewardComponent):
    """Group-relative length reward, one member of the family per config (see module docstring).

    Args:
        config: the family parameters (default: the HARMO preset).
        count_tokens: callable ``text -> int`` for ``unit="tokens"``; must be picklable (a
            module-level function or a callable object) for rollout workers. Wins over
            ``config.tokenizer``.
        name: the name the combiner logs it under (default "length").

    Raises:
        ValueError: if ``unit="tokens"`` and no tokenizer, ``count_tokens`` or ``length_key`` is given.

    Example:
        >>> pen = LengthPenalty.from_preset("harmo")
        >>> ss = [Sample(completion="x" * n, metadata={"correct": c}) for n, c in [(10, True), (20, False)]]
        >>> [s.value for s in pen(ss, groups=[0, 0])]
        [0.0, -0.5]
    """

    name = "length"
    needs_correctness = True  # group-relative: active only in groups with a correct rollout
    default_failure_threshold = None  # a pure function of the group: no breaker unless configured

    def __init__(
        self,
        config: LengthPenaltyConfig | None = None,
        *,
        count_tokens: Callable[[str], int] | None = None,
        name: str | None = None,
    ) -> None:
        self.config = config if config is not None else LengthPenaltyConfig()
        self.count_tokens = count_tokens
        if name is not None:
            self.name = name
        self._tokenizer: Any = None
        cfg = self.config
        if cfg.unit == "tokens" and count_tokens is None and cfg.tokenizer is None and cfg.length_key is None:
            raise ValueError(
                "LengthPenalty with unit='tokens' needs a token counter: pass count_tokens=..., set "
                "config.tokenizer to an HF tokenizer path, or set config.length_key"
            )

    @classmethod
    def from_preset(
        cls, preset: str, *, count_tokens: Callable[[str], int] | None = None, name: str | None = None, **overrides: Any
    ) -> LengthPenalty:
        """Build a named member of the family (``LENGTH_PRESETS``), with field overrides.

        Example: ``LengthPenalty.from_preset("dapo_overlong", unit="chars", max_len=4000, cache_len=500)``.
        """
        if preset not in LENGTH_PRESETS:
            raise ValueError(f"unknown length preset {preset!r}; known: {sorted(LENGTH_PRESETS)}")
        fields = {f.name for f in dataclasses.fields(LengthPenaltyConfig)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"unknown LengthPenaltyConfig field(s) {unknown}; known: {sorted(fields)}")
        return cls(dataclasses.replace(LENGTH_PRESETS[preset], **overrides), count_tokens=count_tokens, name=name)

    # picklable: drop the lazily loaded tokenizer, it is reloaded on first use
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_tokenizer"] = None
        return state

    def __repr__(self) -> str:
        return f"LengthPenalty({self.config!r})"

    # ---------------------------------------------------------------- lengths

    def measure(self, sample: Sample) -> float:
        """Length of one completion in ``config.unit`` (a precomputed ``length_key`` wins)."""
        key = self.config.length_key
        if key is not None and key in sample.metadata:
            value = sample.metadata[key]
            if isinstance(value, Sequence) and not isinstance(value, str):
                value = len(value)  # e.g. a list of completion token ids
            value = float(value)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"metadata[{key!r}] is not a length: {value!r}")
            return value
        text = sample.completion or ""
        if self.config.unit == "chars":
            return float(len(text))
        if self.config.unit == "words":
            return float(len(text.split()))
        return float(self._token_counter()(text))

    def _token_counter(self) -> Callable[[str], int]:
        if self.count_tokens is not None:
            return self.count_tokens
        if self.config.tokenizer is None:
            raise ValueError(f"no token counter and metadata has no {self.config.length_key!r}")
        if self._tokenizer is None:
            from transformers import (
                AutoTokenizer,  # lazy: the reward core imports no transformers
            )

            self._tokenizer = AutoTokenizer.from_pretrained(self.config.tokenizer)
        tok = self._tokenizer
        return lambda text: len(tok.encode(text, add_special_tokens=False))

    # ---------------------------------------------------------------- scoring

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return self.score_with_correctness(samples, groups, None)

    def score_with_correctness(
        self,
        samples: Sequence[Sample],
        groups: Sequence[Hashable] | None = None,
        correct: Sequence[bool | None] | None = None,
    ) -> list[Score]:
        """Score a batch with explicit correctness.

        Args:
            samples: the rollouts.
            groups: one group id per sample (rollouts of one prompt share it); None = each alone.
            correct: per sample True/False, or None to read ``sample.metadata["correct"]``.

        Returns:
            One Score per sample (see the module docstring for when it is 0.0 and why).
        """
        samples = list(samples)
        gids = default_groups(len(samples), groups)
        if correct is not None and len(correct) != len(samples):
            raise ValueError(f"got {len(correct)} correctness flags for {len(samples)} samples")
        flags = [
            _as_correct(correct[i]) if correct is not None and correct[i] is not None
            else _as_correct(s.metadata.get("correct"))
            for i, s in enumerate(samples)
        ]
        lengths: list[float | None] = []
        out: list[Score | None] = [None] * len(samples)
        for i, s in enumerate(samples):
            try:
                lengths.append(self.measure(s))
            except Exception as exc:  # a tokenizer failing on odd text must not crash the batch
                lengths.append(None)
                out[i] = Score.invalid("length unavailable", error=f"{type(exc).__name__}: {exc}"[:200])
        for idx in group_indices(gids).values():
            for i, score in zip(idx, self._score_group([lengths[i] for i in idx], [flags[i] for i in idx])):
                if out[i] is None:
                    out[i] = score
        return [s if s is not None else Score.invalid("length unavailable") for s in out]

    def _score_group(self, lengths: list[float | None], flags: list[bool | None]) -> list[Score]:
        cfg = self.config
        unit = cfg.unit if cfg.length_key is None else "length"
        known = [(n, c) for n, c in zip(lengths, flags) if n is not None]

        def off(reason: str, confidence: float = 1.0) -> list[Score]:
            return [Score(0.0, confidence, True, {"reason": reason, "length": n, "unit": unit}) for n in lengths]

        if cfg.needs_correctness and known and all(c is None for _, c in known):
            return off("correctness unknown for the whole group", 0.0)
        has_correct = any(c is True for _, c in known)
        if cfg.gating == "group_has_correct" and not has_correct:
            return off("no correct rollout in group")

        ref_info: dict[str, float] = {}
        if cfg.reference == "fixed":
            ref = float(cfg.max_len)  # type: ignore[arg-type]  # validated in the config
            ref_info = {"max_len": ref}
        elif cfg.reference == "group_correct_mean":
            correct_lengths = [n for n, c in known if c is True]
            if not correct_lengths:
                return off("no correct rollout in group")
            ref = sum(correct_lengths) / len(correct_lengths)
            if ref <= 0:
                return off("reference length is 0")
            ref_info = {"ref_length": ref}
        else:  # group_min_max
            if not known:
                return off("no measurable rollout in group")
            lo_len, hi_len = min(n for n, _ in known), max(n for n, _ in known)
            if hi_len == lo_len:  # Kimi: all rewards 0 when every length is the same
                return off("all lengths equal in group")
            ref_info = {"min_length": lo_len, "max_length": hi_len}

        scores = []
        for n, c in zip(lengths, flags):
            if n is None:  # already an invalid score; placeholder never used
                scores.append(Score.invalid("length unavailable"))
                continue
            info: dict[str, Any] = {"length": n, "unit": unit, **ref_info}
            if c is False and cfg.wrong_mode == "zero":
                scores.append(Score(0.0, 1.0, True, {**info, "reason": "wrong rollout (wrong_mode='zero')"}))
                continue
            if c is None and cfg.wrong_mode != "same":
                scores.append(Score(0.0, 0.0, True, {**info, "reason": "correctness unknown"}))
                continue
            scores.append(Score(self._value(n, c, ref_info), 1.0, True, info))
        return scores

    def _value(self, n: float, correct: bool | None, ref_info: Mapping[str, float]) -> float:
        cfg = self.config
        if cfg.shape == "linear_band":
            ref = ref_info.get("ref_length", ref_info.get("max_len"))
            return band_penalty(n, float(ref), cfg.tau, cfg.p_max, cfg.sides)  # type: ignore[arg-type]
        if cfg.shape == "soft_overlong":
            return soft_overlong_penalty(n, float(cfg.max_len), cfg.cache_len, cfg.p_max)  # type: ignore[arg-type]
        if cfg.reference == "fixed":
            progress = n / float(cfg.max_len)  # type: ignore[arg-type]
            if cfg.clip_progress:
                progress = min(progress, 1.0)
        else:
            lo_len, hi_len = ref_info["min_length"], ref_info["max_length"]
            progress = (n - lo_len) / (hi_len - lo_len)
        f = cosine_decay(progress) if cfg.shape == "cosine" else linear_decay(progress)
        lo, hi = cfg.correct_range
        as_correct = lo + (hi - lo) * f  # hi for the shortest rollout, lo for the longest
        if correct is False and cfg.wrong_mode == "swap":
            lo_w, hi_w = cfg.wrong_range
            # open-r1 swaps min/max for wrong answers: lo_w at the shortest, hi_w at the longest
            return hi_w + (lo_w - hi_w) * f
        if correct is False and cfg.wrong_mode == "min_zero":
            return min(0.0, as_correct)
        return as_correct
