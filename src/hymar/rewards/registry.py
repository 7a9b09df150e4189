"""Component registry: a strict map from names to component classes, plus "pkg.module:attr" for user code.

Built-in entries are stored as import paths and imported only when built, so naming a rule component
never imports torch. Duplicate names are refused; an unknown name gets a "did you mean" hint.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import Any

from hymar.rewards.base import RewardComponent

_BUILTIN: dict[str, str] = {
    # rule-based correctness
    "accuracy": "hymar.rewards.rules.verifier:AccuracyReward",
    # instruction adherence
    "format": "hymar.rewards.aspects.format:FormatAspect",
    "answer_form": "hymar.rewards.aspects.answer_form:AnswerFormAspect",
    "length_limit": "hymar.rewards.aspects.length_limits:LengthLimitAspect",
    "keywords": "hymar.rewards.aspects.keywords:KeywordAspect",
    "language": "hymar.rewards.aspects.language:LanguageAspect",
    "adherence": "hymar.rewards.aspects.adherence:InstructionAdherence",
    # ANLS (DocVQA's metric) for OCR / document answers
    "anls": "hymar.rewards.anls:ANLSReward",
    # grounding (boxes, IoU)
    "grounding": "hymar.rewards.grounding.component:GroundingIoU",
    # n-gram repetition penalty
    "repetition": "hymar.rewards.repetition:RepetitionPenalty",
    # generalized length penalty
    "length": "hymar.rewards.length:LengthPenalty",
    # model-based
    "similarity": "hymar.rewards.model.embedding:EmbeddingSimilarity",
    "reward_model": "hymar.rewards.model.learned:LearnedRewardModel",
    "judge": "hymar.rewards.model.judge:LLMJudge",
}

_REGISTERED: dict[str, str | Callable[..., RewardComponent]] = dict(_BUILTIN)


def register_component(name: str, factory: Callable[..., RewardComponent] | str) -> None:
    """Register a component class (or "module:attr" path) under ``name``; refuses duplicates."""
    if name in _REGISTERED:
        raise ValueError(f"reward component {name!r} is already registered")
    _REGISTERED[name] = factory


def component_names() -> list[str]:
    return sorted(_REGISTERED)


def resolve_component(type_name: str) -> Callable[..., RewardComponent]:
    """Return the class/factory for a registered name or a "pkg.module:attr" path.

    Raises:
        KeyError: unknown name, with close matches suggested.
        ImportError: the module of a "module:attr" path (or of a built-in's optional dependency) is
            missing; the message says which extra to install.
    """
    target = _REGISTERED.get(type_name)
    if target is None and ":" in type_name:
        target = type_name
    if target is None:
        hint = difflib.get_close_matches(type_name, _REGISTERED, n=3)
        suggestion = f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        raise KeyError(f"unknown reward component type {type_name!r}{suggestion} (known: {', '.join(component_names())})")
    if callable(target):
        return target
    return _import_attr(target)


def build_component(type_name: str, args: dict[str, Any] | None = None) -> RewardComponent:
    factory = resolve_component(type_name)
    args = dict(args or {})
    # Components with named presets (e.g. the length family) take {"preset": NAME, **overrides}.
    if "preset" in args and callable(getattr(factory, "from_preset", None)):
        component = factory.from_preset(**args)
    else:
        component = factory(**args)
    if not isinstance(component, RewardComponent):
        raise TypeError(f"{type_name!r} built a {type(component).__name__}, not a RewardComponent")
    return component


def _import_attr(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        missing = err.name or module_name
        if missing.split(".")[0] in {"torch", "transformers", "sentence_transformers", "PIL"}:
            raise ImportError(
                f"{path} needs {missing!r}; install the model extra: pip install 'hymar[model]' "
                f"(or use a rule-only preset)"
            ) from err
        raise
    try:
        return getattr(module, attr)
    except AttributeError as err:
        raise ImportError(f"module {module_name!r} has no attribute {attr!r}") from err
