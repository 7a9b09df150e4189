"""Lazy package exports: `from hymar.models import load_policy` without importing torch up front."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], exports: Mapping[str, str]) -> tuple[Callable, Callable]:
    """Module ``__getattr__`` and ``__dir__`` for a package whose names live in submodules.

    Args:
        package: the package's ``__name__``.
        namespace: the package's ``globals()``; a resolved name is cached there so later look-ups
            skip the hook.
        exports: exported name -> absolute module path that defines it.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
