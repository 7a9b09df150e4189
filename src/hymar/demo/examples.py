"""A few test prompts with the base's and each policy's answers side by side, images saved as PNGs.

The rows are the first test row of each domain (in the suite's domain order), not picked by outcome, so
the examples show what the policies do, not the cases that flatter one of them. Each policy's answer is
its first seed's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

EXAMPLES_DIR = "examples"


def pick_rows(domains: Sequence[str], count: int) -> list[int]:
    """Indices of the first row of each domain, in first-seen order, at most ``count``."""
    seen: dict[str, int] = {}
    for i, domain in enumerate(domains):
        seen.setdefault(domain, i)
    return list(seen.values())[:count]


def write_examples(test: Any, generations: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], out_dir: str | Path, *, count: int) -> list[dict[str, Any]]:
    """Save the example images and return the examples for results.json / report.md.

    Args:
        test: the test split (``id``, ``domain``, ``image``, ``answer``, ``reference`` columns).
        generations: policy name -> per-seed ``eval.json`` generations (records with ``id``, ``completion``,
            ``correct``).
        out_dir: the demo folder; images go to ``out_dir/examples/<id>.png``.
        count: examples at most.

    Returns:
        [{"id", "domain", "prompt", "gold", "image", "answers": {policy: {"completion", "correct"}}}].
    """
    from hymar.atomic import atomic_write
    from hymar.rewards.types import prompt_to_text

    if count <= 0 or len(test) == 0:
        return []
    folder = Path(out_dir) / EXAMPLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    by_policy = {name: {str(g.get("id")): g for g in seeds[0]} for name, seeds in generations.items() if seeds}
    examples = []
    for index in pick_rows(list(test["domain"]), count):
        row = test[index]
        image_path = folder / f"{row['id']}.png"
        atomic_write(image_path, lambda handle, image=row["image"]: image.save(handle, format="PNG"))
        answers = {
            name: {"completion": (records.get(str(row["id"])) or {}).get("completion"), "correct": (records.get(str(row["id"])) or {}).get("correct")}
            for name, records in by_policy.items()
        }
        examples.append({
            "id": row["id"],
            "domain": row["domain"],
            "prompt": prompt_to_text(row["prompt"]),
            "gold": row["answer"] if row["answer"] is not None else row["reference"],
            "image": f"{EXAMPLES_DIR}/{image_path.name}",
            "answers": answers,
        })
    return examples
