"""The synthetic multimodal task suite (Pillow-rendered, deterministic by seed).

Public API (imported lazily, so `perturb` works without datasets or Pillow):
    build_task_suite(n_train, n_test, seed=0, image_size=56, *, domains=None, holdout="scene") -> DatasetDict
    task_corpus(dataset_dict) -> Iterator[str]
    DOMAINS, TASK_OF_DOMAIN, VERIFIABLE_DOMAINS
    perturb_reference, perturb_completion, perturb_answer, Perturbed, ASPECTS (see `perturb`)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_task_suite": "suite",
    "task_corpus": "suite",
    "generate_problems": "suite",
    "DOMAINS": "suite",
    "TASK_OF_DOMAIN": "suite",
    "VERIFIABLE_DOMAINS": "suite",
    "perturb_reference": "perturb",
    "perturb_completion": "perturb",
    "perturb_answer": "perturb",
    "Perturbed": "perturb",
    "ASPECTS": "perturb",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
