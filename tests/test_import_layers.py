"""Imports run one way: no module imports a module of a higher layer (docs/architecture.md, "Layers").

Every ``import`` and ``from ... import`` of a hymar module is checked, also those inside functions
(a lazy import is still a dependency); imports under ``if TYPE_CHECKING:`` are annotations only and
are skipped. A module that fits no layer fails the test too, so a new package gets a place in the
order (and in the docs) when it is added.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: lowest first; a module may import its own layer and the layers below. Entries are module names
#: matched exactly or as a dotted prefix; the longest match decides. Keep in sync with the table in
#: docs/architecture.md.
LAYERS: list[tuple[str, ...]] = [
    ("hymar._lazy", "hymar.atomic", "hymar.output_path"),
    ("hymar.models",),
    ("hymar.rewards.types", "hymar.rewards.cancel", "hymar.rewards.rules.limits", "hymar.rewards.schedules"),
    ("hymar.rewards.base", "hymar.rewards"),
    ("hymar.rewards.registry", "hymar.rewards.config", "hymar.rewards.completion"),
    (
        "hymar.rewards.rules",
        "hymar.rewards.length",
        "hymar.rewards.normalize",
        "hymar.rewards.isolation",
        "hymar.rewards.guard",
        "hymar.rewards.calibration",
        "hymar.rewards.presets",
    ),
    (
        "hymar.rewards.aspects",
        "hymar.rewards.model",
        "hymar.rewards.anls",
        "hymar.rewards.grounding",
        "hymar.rewards.repetition",
    ),
    ("hymar.rewards.hybrid",),
    ("hymar.rewards.source",),
    ("hymar.data",),
    ("hymar.integrations", "hymar.scoring"),
    ("hymar.eval", "hymar.probe", "hymar.view"),
    ("hymar.train",),
    ("hymar.demo", "hymar.recipes"),
    ("hymar.commands",),
    ("hymar.cli", "hymar.__main__", "hymar"),
]


def layer_of(module: str) -> int | None:
    best, best_len = None, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best_len:
                best, best_len = index, len(name)
    return best


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def hymar_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every hymar import outside ``if TYPE_CHECKING:`` blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "hymar")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "hymar":
            found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def upward_imports() -> list[str]:
    problems = []
    for path in sorted((SRC / "hymar").rglob("*.py")):
        module = _module_name(path)
        own = layer_of(module)
        if own is None:
            problems.append(f"{module}: in no layer (add it to LAYERS and docs/architecture.md)")
            continue
        for line, target in hymar_imports(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                problems.append(f"{path.relative_to(SRC)}:{line}: {module} (layer {own}) imports {target} (layer {theirs})")
    return problems


def test_no_upward_imports():
    assert upward_imports() == []


@pytest.mark.parametrize(
    "code, expected",
    [
        ("from hymar.eval.grading import Grading\n", ["hymar.eval.grading"]),
        ("def f():\n    import hymar.train.grpo\n", ["hymar.train.grpo"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hymar.eval import x\n", []),
        ("from . import sibling\nimport json\n", []),
    ],
    ids=["top-level", "inside a function", "type-checking only", "relative and stdlib"],
)
def test_the_checker_sees_what_it_must(code, expected):
    # reason: a checker that misses lazy imports would let the old cycles back in unnoticed
    assert [m for _, m in hymar_imports(ast.parse(code))] == expected


def test_layer_order_examples():
    # reason: the order is the documented one; these are the edges issue 11 turned around
    assert layer_of("hymar.models.loading") < layer_of("hymar.rewards.model.learned")
    assert layer_of("hymar.data.benchmarks.mathvista") < layer_of("hymar.eval.grading")
    assert layer_of("hymar.eval.generate") < layer_of("hymar.train.grpo.data")
    assert layer_of("hymar.recipes.train.checks") < layer_of("hymar.commands.reward_args")
    assert layer_of("hymar.rewards.rules.limits") < layer_of("hymar.rewards.completion.parsed") < layer_of("hymar.rewards.rules.extract")
