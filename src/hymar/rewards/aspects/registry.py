"""A strict name -> class registry of instruction-adherence aspects.

Each aspect module registers its class with ``@register_aspect("name")``; ``get_aspect(name, **kwargs)``
builds one. Duplicate names are refused and unknown names get a "did you mean" hint (the habit of
lm-eval's ``lm_eval/api/registry.py``), so a typo in a config fails loudly instead of silently
dropping an aspect.

Example:
    >>> from hymar.rewards.aspects import get_aspect
    >>> get_aspect("format", style="boxed").style
    'boxed'
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from hymar.rewards.base import RewardComponent

T = TypeVar("T", bound=type[RewardComponent])

_ASPECTS: dict[str, type[RewardComponent]] = {}


class UnknownAspectError(KeyError):
    """An aspect name that is not registered; the message carries close matches."""

    def __str__(self) -> str:  # KeyError would repr() the message, quoting it
        return str(self.args[0]) if self.args else ""


def register_aspect(name: str) -> Callable[[T], T]:
    """Class decorator: register an aspect class under ``name`` and set its ``name`` attribute.

    Args:
        name: the aspect's public name (also the default log name of the component).

    Returns:
        The decorator, which returns the class unchanged apart from ``name``.

    Raises:
        ValueError: ``name`` is empty or already registered.
    """
    if not name or not isinstance(name, str):
        raise ValueError(f"aspect name must be a non-empty string, got {name!r}")

    def decorate(cls: T) -> T:
        if name in _ASPECTS:
            raise ValueError(f"aspect {name!r} is already registered (by {_ASPECTS[name].__qualname__})")
        if not (isinstance(cls, type) and issubclass(cls, RewardComponent)):
            raise TypeError(f"@register_aspect({name!r}) needs a RewardComponent subclass, got {cls!r}")
        cls.name = name
        _ASPECTS[name] = cls
        return cls

    return decorate


def _load_builtins() -> None:
    # The built-in aspects register themselves on import; importing the package imports them all.
    importlib.import_module("hymar.rewards.aspects")


def aspect_names() -> list[str]:
    """Sorted names of all registered aspects."""
    _load_builtins()
    return sorted(_ASPECTS)


def aspect_class(name: str) -> type[RewardComponent]:
    """The class registered under ``name``.

    Raises:
        UnknownAspectError: (a KeyError) unknown name, with close matches suggested.
    """
    _load_builtins()
    try:
        return _ASPECTS[name]
    except KeyError:
        hint = difflib.get_close_matches(str(name), list(_ASPECTS), n=3)
        suggestion = f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        raise UnknownAspectError(
            f"unknown aspect {name!r}{suggestion} (known: {', '.join(sorted(_ASPECTS))})"
        ) from None


def get_aspect(name: str, **kwargs: Any) -> RewardComponent:
    """Build the aspect registered under ``name`` with its constructor kwargs.

    Args:
        name: a registered aspect name (see `aspect_names`).
        **kwargs: the aspect's configuration.

    Returns:
        A new aspect component.
    """
    return aspect_class(name)(**kwargs)
