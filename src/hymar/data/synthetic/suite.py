"""The synthetic multimodal task suite: `build_task_suite` and `task_corpus`.

Determinism: each (seed, split, domain) has its own `random.Random`, seeded from a BLAKE2 hash (not
Python's salted `hash`), so a seed gives the same rows in every process and at every image size,
and the first k rows do not depend on how many rows are asked for (rows cycle through the domains).

Train/test disjointness by construction: every drawn problem has a key, and a fixed 20% of the key
space (by BLAKE2 hash) belongs to the test split and the rest to train; each split draws until it
gets a key of its own part. ``holdout="scene"`` (default) keys on the whole example (prompt text +
every drawn primitive), so no image/question pair appears in both splits while problems such as
"3 + 4" may recur with a different rendering (an i.i.d. split, as in CLEVR-style suites).
``holdout="problem"`` keys on what is asked, layout ignored (e.g. "3 red circles", "7 + 4"), so the
test split asks only questions never asked in training (harder: it tests generalisation).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from datasets import Dataset, DatasetDict

from hymar.data.synthetic.arithmetic import sample_arithmetic
from hymar.data.synthetic.chart import sample_chart
from hymar.data.synthetic.choice import sample_choice
from hymar.data.synthetic.counting import sample_counting
from hymar.data.synthetic.describe import sample_describe
from hymar.data.synthetic.grounding import sample_grounding
from hymar.data.synthetic.perturb import corpus_extras
from hymar.data.synthetic.problem import Problem
from hymar.data.synthetic.render import render_scene
from hymar.data.synthetic.schema import TASK_FEATURES, user_message
from hymar.rewards.types import prompt_to_text

#: domain -> generator; the order is the order rows cycle through
DOMAINS: dict[str, Callable[[random.Random], Problem]] = {
    "counting": sample_counting,
    "arithmetic": sample_arithmetic,
    "chart": sample_chart,
    "choice": sample_choice,
    "describe": sample_describe,
}
#: domains a suite has only when asked for by name (never in the default list, so the demo is unchanged)
OPT_IN_DOMAINS: dict[str, Callable[[random.Random], Problem]] = {"grounding": sample_grounding}
_GENERATORS = {**DOMAINS, **OPT_IN_DOMAINS}
TASK_OF_DOMAIN = {"counting": "counting", "arithmetic": "math", "chart": "math", "choice": "choice", "describe": "open",
                  "grounding": "grounding"}  # fmt: skip
VERIFIABLE_DOMAINS = ("counting", "arithmetic", "chart", "choice")
HOLDOUTS = ("scene", "problem")
#: 3x3 image tokens of 28 px (patch 14, merge 2): one grid cell per token
DEFAULT_IMAGE_SIZE = 84
#: share of the key space that belongs to the test split
TEST_SHARE = 0.2
_BUCKETS = 10_000
_MAX_DRAWS = 1_000


def build_task_suite(
    n_train: int,
    n_test: int,
    seed: int = 0,
    image_size: int = DEFAULT_IMAGE_SIZE,
    *,
    domains: Sequence[str] | None = None,
    holdout: str = "scene",
) -> DatasetDict:
    """Generate the suite as a DatasetDict with "train" and "test" splits.

    Args:
        n_train, n_test: rows per split (cycling through ``domains``, so each gets ~n/len(domains)).
        seed: the whole suite is a function of it.
        image_size: side of the square images in pixels (`DEFAULT_IMAGE_SIZE`; multiples of 84 keep
            every grid cell on whole image tokens).
        domains: names from `DOMAINS` or `OPT_IN_DOMAINS` to generate (default all of `DOMAINS`, in
            order; opt-in domains such as "grounding" only when named).
        holdout: "scene" or "problem" (see the module docstring).

    Returns:
        DatasetDict; columns as in `hymar.data.synthetic.schema` (metadata_json holds the scene and
        the generator's facts).

    Raises:
        ValueError: negative sizes, unknown domain or holdout, image_size < 16.

    Example:
        >>> suite = build_task_suite(5, 5)
        >>> suite["train"][0]["domain"], suite["train"][0]["image"].size
        ('counting', (84, 84))
    """
    if n_train < 0 or n_test < 0:
        raise ValueError(f"n_train and n_test must be >= 0, got {n_train}, {n_test}")
    if image_size < 16:
        raise ValueError(f"image_size must be >= 16 pixels, got {image_size}")
    if holdout not in HOLDOUTS:
        raise ValueError(f"holdout must be one of {HOLDOUTS}, got {holdout!r}")
    names = list(DOMAINS) if domains is None else list(domains)
    unknown = [d for d in names if d not in _GENERATORS]
    if unknown or not names:
        raise ValueError(f"unknown or no domains {unknown or names}; known: {list(_GENERATORS)}")
    splits = {"train": n_train, "test": n_test}
    return DatasetDict(
        {
            split: _to_dataset(
                [_row(split, i, p, image_size) for i, p in enumerate(generate_problems(split, n, seed, names, holdout))]
            )
            for split, n in splits.items()
        }
    )


def generate_problems(split: str, n: int, seed: int, domains: Sequence[str], holdout: str = "scene") -> list[Problem]:
    """The ``n`` problems of ``split`` (no rendering): row i is from ``domains[i % len(domains)]``.

    Raises:
        ValueError: unknown split.
        RuntimeError: a domain has no key in this split's part of the key space (cannot happen for
            the built-in domains; guards custom ones).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    rngs = {d: random.Random(derive_seed(seed, split, d)) for d in domains}
    problems = []
    for i in range(n):
        domain = domains[i % len(domains)]
        problems.append(_draw_in_split(_GENERATORS[domain], rngs[domain], split, holdout))
    return problems


def split_of(problem: Problem, holdout: str = "scene") -> str:
    """Which split owns this problem's key: "test" for a fixed `TEST_SHARE` of keys, else "train"."""
    return "test" if _bucket(holdout_key(problem, holdout)) < TEST_SHARE * _BUCKETS else "train"


def holdout_key(problem: Problem, holdout: str = "scene") -> str:
    """The key that decides the split: the whole example ("scene") or what is asked ("problem")."""
    if holdout == "problem":
        return f"{problem.domain}|{problem.problem_key}"
    return json.dumps([problem.domain, problem.text, problem.scene], sort_keys=True)


def derive_seed(seed: int, *parts: str) -> int:
    """A 64-bit seed from ``seed`` and labels, stable across processes and Python versions."""
    digest = hashlib.blake2b(json.dumps([seed, *parts]).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def task_corpus(data: DatasetDict | Dataset | Iterable[Dataset]) -> Iterator[str]:
    """Every text a tokenizer trained for the suite should know: prompt texts, demonstrations,
    references, then the vocabulary of `perturb` (padding and off-topic sentences).

    Args:
        data: a DatasetDict (all splits), one Dataset, or several.

    Yields:
        Strings; images are never decoded.
    """
    if isinstance(data, Dataset):
        parts: Iterable[Dataset] = [data]
    elif isinstance(data, DatasetDict):
        parts = data.values()
    else:
        parts = data
    for part in parts:
        columns = [c for c in ("prompt", "demonstration", "reference") if c in part.column_names]
        for row in part.select_columns(columns):
            yield prompt_to_text(row.get("prompt"))
            for name in ("demonstration", "reference"):
                if row.get(name):
                    yield row[name]
    yield from corpus_extras()


def _bucket(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % _BUCKETS


def _draw_in_split(sample: Callable[[random.Random], Problem], rng: random.Random, split: str, holdout: str) -> Problem:
    # Rejection sampling on the key: ~1.25 draws per train row, ~5 per test row (drawing is cheap;
    # only the accepted problem is rendered).
    for _ in range(_MAX_DRAWS):
        problem = sample(rng)
        if split_of(problem, holdout) == split:
            return problem
    raise RuntimeError(f"no {split} problem in {_MAX_DRAWS} draws from {sample.__name__} (holdout={holdout!r})")


def _to_dataset(rows: list[dict[str, Any]]) -> Dataset:
    # from_dict, not from_list: an empty split still needs its columns
    return Dataset.from_dict({c: [r[c] for r in rows] for c in TASK_FEATURES}, features=TASK_FEATURES)


def _row(split: str, index: int, problem: Problem, image_size: int) -> dict[str, Any]:
    return {
        "id": f"{split}-{problem.domain}-{index:06d}",
        "domain": problem.domain,
        "task": problem.task,
        "prompt": user_message(problem.text, with_image=True),
        "image": render_scene(problem.scene, image_size),
        "answer": problem.answer,
        "reference": problem.reference,
        "demonstration": problem.demonstration,
        "metadata_json": json.dumps(
            {"scene": problem.scene, "facts": problem.facts, "problem_key": problem.problem_key}
        ),
    }
