"""`hymar train --set grpo.KEY=VALUE / trl.KEY=VALUE / dtype=VALUE`: training settings by dotted override.

The same ``--set`` that overrides reward config fields (`hymar.rewards.source.parse_set`, values read as
YAML scalars) also reaches the training settings when its first key is ``grpo``, ``trl`` or ``dtype``:
no reward config has those top-level keys, so the split is unambiguous and a recipe's ``reward.set``
keeps meaning reward overrides. The values are validated by the recipe schema (the ``grpo`` section is
generated from `GRPOSettings`), so an unknown field or a bad type is an error naming ``grpo.<field>``.
These overrides are the last layer: they win over the recipe and over the flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from hymar.rewards.source import parse_set

#: first keys of a ``--set`` item that mean training settings, not reward config fields
TRAIN_SET_ROOTS = ("grpo", "trl", "dtype")


def is_train_item(item: str) -> bool:
    """Whether the ``--set`` item ``item`` overrides a training setting."""
    root = item.partition("=")[0].split(".", 1)[0].strip()
    return root in TRAIN_SET_ROOTS


def split_set_items(items: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """``(training items, reward items)`` of a ``--set`` list, each in the order given."""
    items = list(items or ())
    return [i for i in items if is_train_item(i)], [i for i in items if not is_train_item(i)]


def train_set_fields(items: Sequence[str]) -> dict[str, Any]:
    """The `GRPOSettings` fields the training ``--set`` items name, validated.

    Args:
        items: ``grpo.KEY=VALUE``, ``trl.KEY=VALUE`` or ``dtype=VALUE`` items.

    Returns:
        GRPOSettings field -> value (``trl.*`` items as one ``trl_args`` mapping).

    Raises:
        ValueError: a malformed item, an unknown ``grpo`` field, a value of the wrong type, a ``trl`` key
            hymar derives from a ``grpo`` field; the message names the ``--set`` key.
    """
    if not items:
        return {}
    from hymar.recipes.train.load import derived_trl_keys
    from hymar.recipes.train.schema import GRPOSection, TrainRecipe

    tree = parse_set(items)
    fields: dict[str, Any] = {}
    grpo = tree.get("grpo", {})
    if not isinstance(grpo, dict):
        raise ValueError("--set grpo: give a field, e.g. grpo.learning_rate=1e-6")
    try:
        section = GRPOSection.model_validate(grpo)
    except ValidationError as err:
        raise ValueError("; ".join(f"--set grpo.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())) from None
    fields.update(section.model_dump(exclude_unset=True))
    if "dtype" in tree:
        try:
            TrainRecipe.model_validate({"policy": "-", "output_dir": "-", "dtype": tree["dtype"]})
        except ValidationError as err:
            raise ValueError(f"--set dtype: {err.errors()[0]['msg']}") from None
        fields["dtype"] = tree["dtype"]
    if "trl" in tree:
        trl = tree["trl"]
        if not isinstance(trl, dict):
            raise ValueError("--set trl: give a trl.GRPOConfig argument, e.g. trl.num_iterations=2")
        problems = [f"--set trl.{key}: {msg}" for key, msg in derived_trl_keys(trl).items()]
        if problems:
            raise ValueError("; ".join(problems))
        fields["trl_args"] = trl
    return fields
