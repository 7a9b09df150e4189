"""What a domain generator returns (`Problem`) and the pieces every domain shares: the answer-format
instructions, grid placement and plural nouns."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

#: appended to every prompt; both ask for the <think>/<answer> format the format aspect checks
FORMAT_INSTRUCTIONS = (
    "Think briefly, then give the final answer in <answer></answer> tags.",
    "Put your reasoning in <think></think> tags and the final answer in <answer></answer> tags.",
)


@dataclass(frozen=True)
class Problem:
    """One synthetic example before rendering.

    Attributes:
        domain: "counting" | "arithmetic" | "chart" | "choice" | "describe".
        task: hymar task tag ("counting" | "math" | "choice" | "open"), see `normalize_task`.
        text: the full prompt text (question, options, constraints, format instruction).
        answer: gold answer (verifiable domains) or None.
        reference: reference response (open-ended domain) or None.
        demonstration: "<think>...</think><answer>...</answer>", correct by construction.
        scene: primitives to draw (see `render`), JSON-able.
        problem_key: what is being asked, independent of layout (e.g. "3 red circles"); used for
            problem-level train/test holdout.
        facts: the generator's own record of what it drew and asked (e.g. {"count": 3}), for tests.
    """

    domain: str
    task: str
    text: str
    answer: str | None
    reference: str | None
    demonstration: str
    scene: tuple[dict[str, Any], ...]
    problem_key: str
    facts: dict[str, Any]


def demonstration(reasoning: str, final: str) -> str:
    """The SFT target: short reasoning then the final answer, in the tags the prompt asks for."""
    return f"<think>{reasoning}</think><answer>{final}</answer>"


def prompt_text(rng: random.Random, question: str, *constraints: str) -> str:
    """Question, then any constraint sentences, then one format instruction (picked by ``rng``)."""
    parts = [question, *constraints, rng.choice(FORMAT_INSTRUCTIONS)]
    return " ".join(p for p in parts if p)


def grid_cells(rng: random.Random, rows: int, cols: int, n: int) -> list[tuple[float, float, float]]:
    """``n`` distinct cells of a rows x cols grid over the image, as (cx, cy, cell_size), shuffled.

    Each object gets its own cell so nothing overlaps and every object stays countable.
    """
    if n > rows * cols:
        raise ValueError(f"{n} objects do not fit a {rows}x{cols} grid")
    cell = 1.0 / max(rows, cols)
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    chosen = rng.sample(cells, n)
    return [((c + 0.5) * cell, (r + 0.5) * cell, cell) for r, c in chosen]


def plural(noun: str, n: int) -> str:
    """English plural for the few nouns the suite uses (all regular)."""
    return noun if n == 1 else noun + "s"


def shape(kind: str, colour: str, cx: float, cy: float, r: float) -> dict[str, Any]:
    """A shape primitive with coordinates rounded (stable JSON keys and hashes)."""
    return {"kind": kind, "colour": colour, "cx": round(cx, 4), "cy": round(cy, 4), "r": round(r, 4)}
