"""``hymar eval RECIPE --dry-run``: check an eval recipe end to end without downloading weights or data.

What is checked (each failure is one ``<field>: <problem>`` line):

- dataset: the mapper exists; the column map's sources exist in the mapper's built-in example rows
  (hand-written in the real dataset's column format) and its targets are hymar columns; the mapper
  converts every example row; for each mapped example the verifier that would grade it (the task
  tag's answer type, or the type inferred from the gold) grades the gold itself, written as a
  completion, as right (so a gold the verifier cannot read, e.g. a letter without options, fails);
- prompt: the template and suffixes (applied to the examples, shown in the report);
- generation: `hymar.eval.generate.GenerationSettings` accepts the values;
- reward: the preset/config loads and every component type is registered (no model is built).

Returns a report with the resolved configuration, the ``datasets.load_dataset`` call a real run
makes, and each example as the hymar sample it becomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hymar.recipes.eval.recipe import EvalRecipe

#: shown characters of a mapped example's prompt
PROMPT_PREVIEW = 400


@dataclass(frozen=True)
class DryRunReport:
    """The outcome of a dry run.

    Args:
        config: the resolved recipe (JSON-ready) plus the load call.
        examples: per built-in example row: the mapped sample and its verifier.
        errors: one line per problem; empty when the recipe is usable.
    """

    config: dict[str, Any]
    examples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "config": self.config, "examples": self.examples, "errors": list(self.errors)}


def load_call(recipe: EvalRecipe) -> list[str]:
    """The ``datasets.load_dataset`` calls a real run makes (one per config)."""
    spec = recipe.dataset
    calls = []
    for name in spec.configs:
        args = [repr(spec.source)] + ([f"name={name!r}"] if name else []) + [f"split={spec.split!r}"]
        args += [f"{k}={v!r}" for k, v in spec.load_kwargs.items()]
        calls.append(f"datasets.load_dataset({', '.join(args)})")
    return calls


def dry_run(recipe: EvalRecipe) -> DryRunReport:
    """Validate ``recipe`` and map the mapper's example rows (no download; see the module docstring).

    Args:
        recipe: a loaded recipe with any command-line overrides applied.

    Returns:
        The `DryRunReport`.
    """
    config = recipe.model_dump(mode="json")
    config["load"] = load_call(recipe)
    errors: list[str] = []
    if recipe.policy is None:
        config["policy"] = None
        config.setdefault("warnings", []).append("no policy: give --policy for a real run")
    examples = _check_examples(recipe, errors)
    _check_generation(recipe, errors)
    _check_reward(recipe, errors, config)
    return DryRunReport(config=config, examples=examples, errors=errors)


def _check_examples(recipe: EvalRecipe, errors: list[str]) -> list[dict[str, Any]]:
    from hymar.data.adapter import TASK_TARGETS, resolve_column_map
    from hymar.data.benchmarks import get_mapper
    from hymar.data.benchmarks.load import map_rows

    spec = recipe.dataset
    try:
        mapper = get_mapper(spec.mapper)
    except ValueError as err:
        errors.append(f"dataset.mapper: {err}")
        return []
    raw = mapper.example_rows()
    column_map = spec.column_map or dict(mapper.column_map)
    if mapper.name == "generic" and spec.column_map:
        # the generic example is in hymar's names, not the dataset's: only the targets can be checked
        return [{"note": "generic mapper: the column map's sources are checked when the data loads"}]
    columns = list(dict.fromkeys(k for row in raw for k in row))
    try:
        resolve_column_map(columns, column_map, TASK_TARGETS, required=("prompt",))
    except ValueError as err:
        errors.append(f"dataset.column_map: {err}")
        return []
    try:
        data = map_rows(
            raw, column_map=column_map, mapper=mapper.name, split=spec.split, task=spec.task,
            prompt_format=recipe.prompt.to_format(),
        )  # fmt: skip
    except ValueError as err:
        errors.append(f"dataset.mapper: {mapper.name}: {err}")
        return []
    return [_describe(dict(row), errors) for row in data]


def _describe(row: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """The mapped example as a sample, the verifier that grades it, and a self-check on its gold."""
    from hymar.data.benchmarks.grading import grading_of_row
    from hymar.eval.grading import grade, is_verifiable
    from hymar.rewards.rules.answer_type import infer_answer_type, normalize_task
    from hymar.rewards.types import prompt_to_text

    prompt = prompt_to_text(row["prompt"])
    grading = grading_of_row(row)
    answer_type = normalize_task(row["task"])
    out: dict[str, Any] = {
        "id": row["id"],
        "domain": row["domain"],
        "task": row["task"],
        "prompt": prompt if len(prompt) <= PROMPT_PREVIEW else prompt[:PROMPT_PREVIEW] + "...",
        "image": None if row["image"] is None else list(row["image"].size),
        "answer": row["answer"],
        "golds": list(grading.golds(row["answer"])),
        "tolerance": grading.tolerance,
        "relaxed_numeric": grading.relaxed_numeric,
    }
    if not is_verifiable(row["answer"], row["task"]):
        out["verifier"] = "none (open-ended or no gold: not counted in accuracy)"
        return out
    golds = grading.golds(row["answer"])
    types = sorted({answer_type or infer_answer_type(g) for g in golds})
    out["verifier"] = ", ".join(types) + (" (from the task tag)" if answer_type else " (inferred from the gold)")
    checks = {}
    for gold in golds:
        score = grade(f"<think>...</think><answer>{gold}</answer>", row["answer"], task=row["task"], prompt=prompt, grading=grading)
        checks[gold] = score.value
        if score.value != 1.0:
            reason = score.info.get("reason", "graded wrong")
            errors.append(f"dataset.mapper: example {row['id']}: the verifier does not accept its own gold {gold!r}: {reason}")
    out["gold_as_completion"] = checks
    return out


def _check_generation(recipe: EvalRecipe, errors: list[str]) -> None:
    from hymar.eval.generate import GenerationSettings

    gen = recipe.generation
    try:
        GenerationSettings(max_new_tokens=gen.max_new_tokens, batch_size=gen.batch_size, temperature=gen.temperature, seed=gen.seed)
    except ValueError as err:
        errors.append(f"generation: {err}")


def _check_reward(recipe: EvalRecipe, errors: list[str], config: dict[str, Any]) -> None:
    if recipe.reward is None:
        return
    from hymar.rewards.config import ConfigError
    from hymar.rewards.registry import component_names

    try:
        reward_config = recipe.reward.load()
    except (ConfigError, ValueError) as err:
        errors.append(f"reward: {err}")
        return
    known = set(component_names())
    types = {name: reward_config.component_type(name) for name in reward_config.components}
    for name, kind in types.items():
        if kind not in known and ":" not in kind:  # "pkg.module:attr" paths are resolved when built
            errors.append(f"reward: components.{name}: unknown component type {kind!r}")
    config["reward_components"] = types
