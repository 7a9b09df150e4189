"""Row mappers for public multimodal benchmarks, selected by name in an eval recipe (``mapper: mathvista``).

Each module holds one benchmark's mapper (a `base.BenchmarkMapper`): what a plain column map cannot
express (choice text -> letter, several acceptable answers, relaxed numeric tolerance, option strings,
interleaved images) and a built-in example row in the real dataset's column format. `load` runs a
recipe's dataset through ``datasets.load_dataset`` -> column map -> mapper -> the task layout.

Nothing heavy is imported here; `get_mapper` imports one module.
"""

from __future__ import annotations

import importlib

from hymar.data.benchmarks.base import BenchmarkMapper

#: mapper name -> module holding its ``MAPPER``
MAPPERS: dict[str, str] = {
    "generic": "hymar.data.benchmarks.generic",
    "mathvista": "hymar.data.benchmarks.mathvista",
    "mathverse": "hymar.data.benchmarks.mathverse",
    "mathvision": "hymar.data.benchmarks.mathvision",
    "chartqa": "hymar.data.benchmarks.chartqa",
    "docvqa": "hymar.data.benchmarks.docvqa",
    "mmmu": "hymar.data.benchmarks.mmmu",
}


def mapper_names() -> list[str]:
    """The registered mapper names."""
    return list(MAPPERS)


def get_mapper(name: str | None) -> BenchmarkMapper:
    """The mapper registered as ``name`` (None: "generic").

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    key = name or "generic"
    if key not in MAPPERS:
        raise ValueError(f"unknown mapper {name!r}; choose one of: {', '.join(MAPPERS)}")
    return importlib.import_module(MAPPERS[key]).MAPPER
