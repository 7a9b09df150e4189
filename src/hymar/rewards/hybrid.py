"""The hybrid combiner: routing, confidence blending, calibration, gating, normalisation and weights.

One `HybridReward` turns a YAML config (see `hymar.rewards.config`) into a batch reward:

1. every configured component scores the batch (components that need to know which rollouts are
   correct, such as the group-relative length penalty, are scored last and receive the correctness);
2. the ``hybrid`` term routes each sample: verifiable samples to the rule component, open-ended ones
   (task in ``model_tasks``, or no rule applies) and rule-invalid ones to the model component; a rule
   score whose confidence c is below ``blend_threshold`` is blended, r = c * r_rule + (1 - c) * r_model,
   never above r_rule (``hybrid.blend: down``, the default: an unsure wrong answer earns no model credit);
   model scores pass through the per-domain calibration first when one is configured;
3. gates zero a term where another component is below its threshold ("accuracy counts only with the
   right format");
4. normalisation: none, group mean-centring, GDPO (each weighted term normalised within its group
   before summing) or HERO (model scores stratified inside verifier classes);
5. the total is the weighted sum of the terms that apply, each weight at the current training step
   when the config gives it a schedule (`hymar.rewards.schedules`, `set_training_step`). Invalid scores never silently become 0: they
   are routed (hybrid) or masked (left out of the sum) and counted in ``invalid_rate``; a sample for
   which every weighted term is invalid gets a NaN total.

Every component runs inside a `ComponentGuard` (``hymar.rewards.guard``): an exception, a batch past the
component's ``timeout_s`` or a component whose circuit breaker is open gives invalid scores for that
batch (masked as above), never an exception out of ``__call__``. Only such component faults count
towards a breaker, never samples scored invalid; the built-in rule, aspect and length components have
no breaker unless their config sets ``failure_threshold``.

Example:
    >>> from hymar.rewards.hybrid import HybridReward
    >>> from hymar.rewards.types import Sample
    >>> reward = HybridReward.from_preset("rule-only")
    >>> reward([Sample(prompt="2+2?", completion="<answer>4</answer>", answer="4")]).rewards
    [1.0]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from hymar.rewards.base import RewardComponent
from hymar.rewards.config import (
    ConfigError,
    RewardConfig,
    load_config,
)
from hymar.rewards.guard import (
    ComponentGuard,
    GuardPolicy,
    default_failure_threshold,
    default_timeout_s,
)
from hymar.rewards.presets import load_preset, preset_names
from hymar.rewards.registry import build_component
from hymar.rewards.types import Reward, RewardResult, RewardSpec, Sample, Score, default_groups

HYBRID = "hybrid"


class HybridReward:
    """A composite reward built from a `RewardConfig`; call it on a batch of samples."""

    def __init__(self, config: RewardConfig, components: Mapping[str, RewardComponent] | None = None):
        self.config = config
        built = dict(components or {})
        for name, spec in config.components.items():
            if name not in built:
                try:
                    built[name] = build_component(config.component_type(name), spec.args)
                except (TypeError, ValueError) as err:
                    raise ConfigError(f"components.{name}: {err}") from err
        self.components: dict[str, RewardComponent] = {n: built[n] for n in config.components}
        self.guards: dict[str, ComponentGuard] = {n: _guard(n, c, config) for n, c in self.components.items()}
        self.calibration = _load_calibration(config)
        #: the trainer's (global_step, max_steps), set by `set_training_step` (the TRL adapter does)
        self.training_step: tuple[int | None, int | None] = (None, None)

    @classmethod
    def from_preset(cls, name: str, overrides: Mapping[str, Any] | None = None) -> HybridReward:
        return cls(load_preset(name, overrides))

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any]) -> HybridReward:
        return cls(load_config(dict(source) if isinstance(source, Mapping) else source))

    def set_training_step(self, step: int | None, max_steps: int | None = None) -> None:
        """Where training is, for the weight schedules (`hymar.rewards.schedules`); None = not training."""
        self.training_step = (step, max_steps)

    def current_weights(self) -> dict[str, float]:
        """Every term's weight at the current training step (schedules applied)."""
        from hymar.rewards.schedules import weight_at

        step, max_steps = self.training_step
        weights = {n: weight_at(spec.schedule, spec.weight, step, max_steps) for n, spec in self.config.components.items()}
        if self.config.hybrid is not None:
            weights[HYBRID] = weight_at(self.config.hybrid.schedule, self.config.hybrid.weight, step, max_steps)
        return weights

    def scheduled_weights(self) -> dict[str, float]:
        """The current weights of the terms that have a schedule (what the TRL adapter logs)."""
        scheduled = {n for n, spec in self.config.components.items() if spec.schedule is not None}
        if self.config.hybrid is not None and self.config.hybrid.schedule is not None:
            scheduled.add(HYBRID)
        return {n: w for n, w in self.current_weights().items() if n in scheduled}

    @property
    def model_component(self) -> str | None:
        """The name of the model-based component: the hybrid's ``model``, else the first component
        that declares ``uses_model``; None when there is none."""
        if self.config.hybrid is not None and self.config.hybrid.model is not None:
            return self.config.hybrid.model
        return next((n for n, c in self.components.items() if c.uses_model), None)

    def scoring_model_everywhere(self) -> HybridReward:
        """This reward with its model component scored on every sample (``hybrid.score_model: all``).

        Totals are unchanged (routing reads the model only where it needs it); evaluation uses it to
        report the model's score on every row from the same pass. The built components are shared.
        """
        cfg = self.config.hybrid
        if cfg is None or cfg.score_model == "all":
            return self
        config = self.config.model_copy(update={"hybrid": cfg.model_copy(update={"score_model": "all"})})
        twin = HybridReward(config, components=self.components)
        twin.calibration = self.calibration
        return twin

    @property
    def component_names(self) -> list[str]:
        names = list(self.components)
        if self.config.hybrid is not None:
            names.append(HYBRID)
        return names

    # ------------------------------------------------------------------ scoring
    def __call__(self, samples: Sequence[Sample], groups: Sequence[Hashable] | None = None) -> RewardResult:
        samples = list(samples)
        groups = default_groups(len(samples), groups)
        scores: dict[str, list[Score]] = {}
        deferred = []
        routed_model = self._routed_model()
        for name, component in self.components.items():
            if component.needs_correctness:
                deferred.append(name)
            elif name != routed_model:
                scores[name] = self.guards[name].score(samples, groups)
        if routed_model is not None:
            scores[routed_model] = self._score_where_routed(routed_model, samples, groups, scores)
        if self.config.hybrid is not None:
            scores[HYBRID] = self._hybrid_scores(samples, scores)
        if deferred:
            correct = self._correctness(scores)
            for name in deferred:
                scores[name] = self.guards[name].score(samples, groups, correct)
        ordered = {name: scores[name] for name in self.component_names}
        terms = self._weighted_terms(ordered, groups)
        return RewardResult(rewards=_sum_terms(terms, len(samples)), components=ordered)

    def _routed_model(self) -> str | None:
        """The hybrid's model component when its scores are needed only where routing asks for them.

        With ``hybrid.score_model: routed`` (the default) a zero-weight model component that no gate
        or HERO normalisation reads is scored only on the samples the rule does not settle (open-ended,
        rule invalid or not applicable, rule confidence below the blend threshold): on a verifiable
        batch this skips almost all model forward passes.
        """
        cfg = self.config.hybrid
        if cfg is None or cfg.model is None or cfg.score_model != "routed":
            return None
        model_spec = self.config.components[cfg.model]
        # a scheduled weight may leave 0 during training: then the model is needed everywhere
        if model_spec.weight != 0.0 or model_spec.schedule is not None or self.config.normalization == "hero":
            return None
        if any(cfg.model in (gate.target, gate.requires) for gate in self.config.gates):
            return None
        return cfg.model

    def _score_where_routed(self, name: str, samples: list[Sample], groups: list[Hashable], scores) -> list[Score]:
        cfg = self.config.hybrid
        rule = scores.get(cfg.rule) if cfg.rule else None
        needed = [
            i
            for i, sample in enumerate(samples)
            if rule is None
            or _is_open_ended(sample, cfg)
            or not rule[i].applies
            or rule[i].confidence < cfg.blend_threshold
        ]
        out = [Score.not_applicable("not scored: the rule verifier decided") for _ in samples]
        if needed:
            subset = self.guards[name].score([samples[i] for i in needed], [groups[i] for i in needed])
            for i, score in zip(needed, subset):
                out[i] = score
        return out

    def _hybrid_scores(self, samples: list[Sample], scores: dict[str, list[Score]]) -> list[Score]:
        cfg = self.config.hybrid
        assert cfg is not None
        rule = scores.get(cfg.rule) if cfg.rule else None
        model = scores.get(cfg.model) if cfg.model else None
        out = []
        for i, sample in enumerate(samples):
            model_score = self._calibrated(model[i], sample) if model is not None else None
            out.append(_route(sample, rule[i] if rule is not None else None, model_score, cfg))
        return out

    def _calibrated(self, score: Score, sample: Sample) -> Score:
        if self.calibration is None or not score.applies:
            return score
        domain = sample.task or "default"
        value = float(self.calibration.transform([score.value], domain)[0])
        return replace(score, value=value, info={**score.info, "raw": score.value})

    def _correctness(self, scores: Mapping[str, list[Score]]) -> list[bool | None]:
        """Per sample: True/False where the rule verifier (or the routed hybrid term) could judge."""
        cfg = self.config.hybrid
        source = scores.get(cfg.rule) if cfg is not None and cfg.rule else scores.get("accuracy")
        if source is None:
            return [None] * len(next(iter(scores.values()), []))
        return [s.correct for s in source]

    def _weighted_terms(self, scores: Mapping[str, list[Score]], groups: list[Hashable]) -> dict[str, list[float | None]]:
        """Per weighted term, per sample: weight * value, or None where the term is masked."""
        weights = self.current_weights()
        gated = _apply_gates(scores, self.config.gates)
        values: dict[str, list[float | None]] = {}
        for name, w in weights.items():
            if w == 0.0:
                continue
            values[name] = [_term_value(s) for s in gated[name]]
        norm = self.config.normalization
        if norm == "hero":
            values = self._hero(values, scores, groups)
        elif norm == "gdpo":
            from hymar.rewards.normalize import gdpo_normalize

            values = gdpo_normalize(values, groups)
        terms = {n: [None if v is None else weights[n] * v for v in vs] for n, vs in values.items()}
        if norm == "mean_center":
            from hymar.rewards.normalize import mean_center

            totals = _sum_terms(terms, len(groups))
            return {"total": [None if math.isnan(t) else t for t in mean_center(totals, groups)]}
        return terms

    def _hero(self, values: dict[str, list[float | None]], scores: Mapping[str, list[Score]], groups: list[Hashable]):
        """Replace the hybrid term of verifiable samples by HERO's stratified model score."""
        from hymar.rewards.normalize import hero_stratify, hero_weights

        cfg = self.config.hybrid
        assert cfg is not None and cfg.rule and cfg.model
        rule, model = scores[cfg.rule], scores[cfg.model]
        rm = [s.value if s.applies else None for s in model]
        correct = [s.correct for s in rule]
        stratified = hero_stratify(rm, correct, groups, alpha=self.config.hero.alpha, beta=self.config.hero.beta)
        weights = hero_weights(rm, groups) if self.config.hero.weighting else [1.0] * len(groups)
        if HYBRID in values:
            values[HYBRID] = [
                (st * w if st is not None and not math.isnan(st) and c is not None else old)
                for st, w, c, old in zip(stratified, weights, correct, values[HYBRID])
            ]
        return values

    # ------------------------------------------------------------- calibration
    def fit_calibration(self, samples: Sequence[Sample], labels: Sequence[float] | None = None, method: str = "isotonic"):
        """Fit per-domain calibration of the model score from labelled samples.

        Args:
            samples: samples with a ``task`` (the domain; None -> "default").
            labels: 1/0 correctness labels; when None, the rule verifier's judgement is used where it applies.
            method: "affine", "temperature" or "isotonic".
        Returns:
            The fitted `DomainCalibration` (also installed on this reward); save it with ``.save(path)``.
        """
        from hymar.rewards.calibration import DomainCalibration

        cfg = self.config.hybrid
        if cfg is None or cfg.model is None:
            raise ConfigError("fit_calibration needs hybrid.model in the config")
        samples = list(samples)
        groups = default_groups(len(samples), None)
        model_scores = self.guards[cfg.model].score(samples, groups)
        if labels is None:
            if cfg.rule is None:
                raise ConfigError("fit_calibration without labels needs hybrid.rule")
            rule_scores = self.guards[cfg.rule].score(samples, groups)
            labels = [s.value if s.applies else None for s in rule_scores]
        raw, ys, domains = [], [], []
        for sample, score, label in zip(samples, model_scores, labels):
            if score.applies and label is not None:
                raw.append(score.value)
                ys.append(float(label))
                domains.append(sample.task or "default")
        if not raw:
            raise ValueError("no sample has both a model score and a label")
        self.calibration = DomainCalibration.fit(raw, ys, domains, method=method)
        return self.calibration


def resolve_reward(reward: RewardSpec) -> Reward:
    """Turn a reward spec into a callable hybrid reward.

    Args:
        reward: a `HybridReward` (or any object with ``component_names`` and
            ``__call__(samples, groups) -> RewardResult``), a preset name ("rule-only", "harmo", ...),
            a path to a YAML/JSON reward config, or a config mapping.
    Returns:
        The reward object.
    Raises:
        ValueError: a string that is neither a preset nor an existing config file.
        TypeError: anything else.
    """
    if isinstance(reward, (str, PathLike)):
        text = fspath(reward)
        if text in preset_names():
            return HybridReward.from_preset(text)
        if Path(text).is_file():
            return HybridReward.from_config(text)
        raise ValueError(f"{text!r} is neither a preset ({', '.join(preset_names())}) nor an existing reward config file")
    if isinstance(reward, Mapping):
        return HybridReward.from_config(reward)
    if isinstance(reward, Reward):
        return reward
    raise TypeError(f"expected a HybridReward, preset name, config path or mapping, got {type(reward).__name__}")


# ---------------------------------------------------------------------- helpers
def _guard(name: str, component: RewardComponent, config: RewardConfig) -> ComponentGuard:
    """The component wrapped in its deadline and circuit breaker (see `hymar.rewards.guard`)."""
    spec = config.components[name]
    timeout = spec.timeout_s if spec.timeout_s is not None else default_timeout_s(component)
    threshold = spec.failure_threshold if spec.failure_threshold is not None else default_failure_threshold(component)
    policy = GuardPolicy(timeout_s=timeout, failure_threshold=threshold, cooldown_s=spec.cooldown_s)
    return ComponentGuard(name, component, policy)


def _is_open_ended(sample: Sample, cfg) -> bool:
    from hymar.rewards.rules.answer_type import normalize_task

    task = (sample.task or "").strip().lower()
    return task in cfg.model_tasks or normalize_task(sample.task) == "open"


def _route(sample: Sample, rule: Score | None, model: Score | None, cfg) -> Score:
    open_ended = _is_open_ended(sample, cfg)
    if not open_ended and rule is not None and rule.applies:
        c = rule.confidence
        if c < cfg.blend_threshold and model is not None and model.applies:
            value = c * rule.value + (1.0 - c) * model.value
            if cfg.blend == "down":
                # uncertainty must never pay: the model may veto an unsure verdict, not lift it
                value = min(value, rule.value)
            conf = c + (1.0 - c) * model.confidence
            return Score(value, min(1.0, conf), True, {"route": "blend", "rule": rule.value, "model": model.value})
        return Score(rule.value, rule.confidence, True, {"route": "rule"})
    if model is not None and model.applies:
        route = "model" if open_ended or rule is None or rule.valid else "model_fallback"
        info = {"route": route}
        if rule is not None and not rule.valid:
            info["rule_invalid"] = rule.info.get("reason", "invalid")
        return Score(model.value, model.confidence, True, info)
    invalid = [s for s in (rule, model) if s is not None and not s.valid]
    if invalid:
        return Score.invalid("; ".join(str(s.info.get("reason", "invalid")) for s in invalid))
    return Score.not_applicable("no rule or model score applies")


def _apply_gates(scores: Mapping[str, list[Score]], gates) -> dict[str, list[Score]]:
    out = dict(scores)
    for gate in gates:
        required = out[gate.requires]
        target = list(out[gate.target])
        for i, (t, r) in enumerate(zip(target, required)):
            if t.applies and not (r.applies and r.value >= gate.threshold):
                target[i] = Score(0.0, t.confidence, True, {**t.info, "gated_by": gate.requires})
        out[gate.target] = target
    return out


def _term_value(score: Score) -> float | None:
    """Value that enters the sum: not-applicable counts 0, invalid is masked (None)."""
    if not score.valid:
        return None
    return 0.0 if score.value is None else float(score.value)


def _sum_terms(terms: Mapping[str, list[float | None]], n: int) -> list[float]:
    totals = []
    for i in range(n):
        parts = [vs[i] for vs in terms.values()]
        present = [p for p in parts if p is not None and not math.isnan(p)]
        if terms and not present:
            totals.append(float("nan"))
        else:
            totals.append(float(sum(present)))
    return totals


def _load_calibration(config: RewardConfig):
    if config.calibration is None or config.calibration.path is None:
        return None
    from hymar.rewards.calibration import DomainCalibration

    try:
        return DomainCalibration.load(config.calibration.path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"calibration.path: cannot load {config.calibration.path!r}: {err}") from err
