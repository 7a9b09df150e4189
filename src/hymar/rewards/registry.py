"""The one registry of reward components: a strict map from names to classes, plus "pkg.module:attr".

Every name a reward config, `InstructionAdherence.aspects` or the CLI can use lives here: the rule
verifier, each instruction-adherence aspect, the length penalty and the model rewards. Entries are
"module:attr" import paths, imported only when built, so naming a rule component never imports torch
(the lazy habit of verl's ``reward_manager/registry.py``). Duplicate names are refused; an unknown
name gets a "did you mean" hint (lm-eval's ``lm_eval/api/registry.py``).

Each entry has a kind: ``"aspect"`` for the instruction-adherence checks `InstructionAdherence` can
fold in, ``"component"`` for everything else. Adding a built-in is one line in `_BUILTIN`; user code
calls `register_component` (also usable as a class decorator).

Example:
    >>> from hymar.rewards.registry import build_component
    >>> build_component("format", {"style": "boxed"}).style
    'boxed'
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

from hymar.rewards.base import RewardComponent

Kind = Literal["aspect", "component"]
T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """One registered name: what to build (a "module:attr" path or a factory) and its kind."""

    target: str | Callable[..., RewardComponent]
    kind: Kind = "component"


_BUILTIN: dict[str, Entry] = {
    # rule-based correctness
    "accuracy": Entry("hymar.rewards.rules.verifier:AccuracyReward"),
    # instruction adherence: the aspects, then their weighted mean
    "format": Entry("hymar.rewards.aspects.format:FormatAspect", "aspect"),
    "answer_form": Entry("hymar.rewards.aspects.answer_form:AnswerFormAspect", "aspect"),
    "length_limit": Entry("hymar.rewards.aspects.length_limits:LengthLimitAspect", "aspect"),
    "keywords": Entry("hymar.rewards.aspects.keywords:KeywordAspect", "aspect"),
    "language": Entry("hymar.rewards.aspects.language:LanguageAspect", "aspect"),
    "reasoning": Entry("hymar.rewards.aspects.reasoning:ReasoningAspect", "aspect"),
    "adherence": Entry("hymar.rewards.aspects.adherence:InstructionAdherence"),
    # ANLS (DocVQA's metric) for OCR / document answers
    "anls": Entry("hymar.rewards.anls:ANLSReward"),
    # grounding (boxes, IoU)
    "grounding": Entry("hymar.rewards.grounding.component:GroundingIoU"),
    # n-gram repetition penalty
    "repetition": Entry("hymar.rewards.repetition:RepetitionPenalty"),
    # generalized length penalty
    "length": Entry("hymar.rewards.length:LengthPenalty"),
    # model-based
    "similarity": Entry("hymar.rewards.model.embedding:EmbeddingSimilarity"),
    "reward_model": Entry("hymar.rewards.model.learned:LearnedRewardModel"),
    "judge": Entry("hymar.rewards.model.judge:LLMJudge"),
}

_REGISTERED: dict[str, Entry] = dict(_BUILTIN)


class UnknownComponentError(KeyError):
    """A name that is not registered; the message carries close matches."""

    def __str__(self) -> str:  # KeyError would repr() the message, quoting it
        return str(self.args[0]) if self.args else ""


@overload
def register_component(name: str, target: None = None, *, kind: Kind = "component") -> Callable[[T], T]: ...
@overload
def register_component(name: str, target: Callable[..., RewardComponent] | str, *, kind: Kind = "component") -> None: ...
def register_component(name, target=None, *, kind="component"):
    """Register a component class, factory or "module:attr" path under ``name``.

    Called with a target it registers it; called without one it returns a class decorator that
    registers the class and sets its ``name`` (the default log name) to ``name``.

    Args:
        name: the public name a config uses (``components.X.type``) or `InstructionAdherence` folds in.
        target: a RewardComponent subclass, a factory returning one, or a "module:attr" path.
        kind: ``"aspect"`` for an instruction-adherence check (an `Aspect`), else ``"component"``.

    Raises:
        ValueError: ``name`` is empty or already registered, or ``kind`` is unknown.
        TypeError: the decorator is applied to something that is not a RewardComponent subclass.
    """
    if not name or not isinstance(name, str):
        raise ValueError(f"component name must be a non-empty string, got {name!r}")
    if kind not in ("aspect", "component"):
        raise ValueError(f"kind must be 'aspect' or 'component', got {kind!r}")
    if name in _REGISTERED:
        raise ValueError(f"reward component {name!r} is already registered ({_describe(_REGISTERED[name].target)})")
    if target is not None:
        _REGISTERED[name] = Entry(target, kind)
        return None

    def decorate(cls: T) -> T:
        if not (isinstance(cls, type) and issubclass(cls, RewardComponent)):
            raise TypeError(f"@register_component({name!r}) needs a RewardComponent subclass, got {cls!r}")
        register_component(name, cls, kind=kind)
        cls.name = name
        return cls

    return decorate


def unregister_component(name: str) -> None:
    """Remove a user registration (tests and notebooks re-running a cell); built-ins stay."""
    if name in _BUILTIN:
        raise ValueError(f"{name!r} is a built-in component and cannot be unregistered")
    _REGISTERED.pop(name, None)


def component_names(kind: Kind | None = None) -> list[str]:
    """Sorted registered names, all of them or those of one ``kind``."""
    return sorted(n for n, e in _REGISTERED.items() if kind is None or e.kind == kind)


def aspect_names() -> list[str]:
    """Sorted names of the instruction-adherence aspects (the names `InstructionAdherence` accepts)."""
    return component_names("aspect")


def entry(name: str) -> Entry:
    """The entry registered under ``name``.

    Raises:
        UnknownComponentError: (a KeyError) unknown name, with close matches suggested.
    """
    found = _REGISTERED.get(name) if isinstance(name, str) else None
    if found is None:
        hint = difflib.get_close_matches(str(name), list(_REGISTERED), n=3)
        suggestion = f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        raise UnknownComponentError(
            f"unknown reward component type {name!r}{suggestion} (known: {', '.join(component_names())})"
        )
    return found


def resolve_component(type_name: str) -> Callable[..., RewardComponent]:
    """Return the class/factory for a registered name or a "pkg.module:attr" path.

    Raises:
        UnknownComponentError: (a KeyError) unknown name, with close matches suggested.
        ImportError: the module of a "module:attr" path (or of a built-in's optional dependency) is
            missing; the message says which extra to install.
    """
    if isinstance(type_name, str) and type_name not in _REGISTERED and ":" in type_name:
        return _import_attr(type_name)
    target = entry(type_name).target
    return target if callable(target) else _import_attr(target)


def build_component(type_name: str, args: dict[str, Any] | None = None) -> RewardComponent:
    """Build the component registered under ``type_name`` (or at a "module:attr" path) with ``args``."""
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


def _describe(target: str | Callable[..., Any]) -> str:
    return target if isinstance(target, str) else getattr(target, "__qualname__", repr(target))


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
