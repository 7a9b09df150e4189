"""Domain "counting" (task "counting"): how many objects of a named colour and shape are drawn.

Scene: 1-5 target objects plus 0-3 distractors that differ in colour, shape or both, each in its own
cell of a 3x3 grid. Answer: the number of targets (1-5).
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import (
    Problem,
    demonstration,
    grid_cells,
    jitter,
    plural,
    prompt_text,
    shape,
)
from hymar.data.synthetic.render import COLOURS, SHAPES

MAX_COUNT = 5
MAX_DISTRACTORS = 3
_QUESTIONS = (
    "How many {colour} {shapes} are in the image?",
    "How many {colour} {shapes} are there?",
    "Count the {colour} {shapes} in the image.",
)


def sample_counting(rng: random.Random) -> Problem:
    """Draw one counting problem from ``rng`` (see the module docstring)."""
    colours, shapes = sorted(COLOURS), list(SHAPES)
    colour, kind = rng.choice(colours), rng.choice(shapes)
    count = rng.randint(1, MAX_COUNT)
    others = [(c, s) for c in colours for s in shapes if (c, s) != (colour, kind)]
    distractors = [rng.choice(others) for _ in range(rng.randint(0, MAX_DISTRACTORS))]
    objects = [(colour, kind)] * count + distractors
    scene = []
    for (c, s), (cx, cy, cell) in zip(objects, grid_cells(rng, 3, 3, len(objects)), strict=True):
        r = rng.uniform(0.3, 0.38) * cell
        scene.append(shape(s, c, cx + jitter(rng, cell), cy + jitter(rng, cell), r))
    question = rng.choice(_QUESTIONS).format(colour=colour, shapes=plural(kind, 2))
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    noun = plural(kind, count)
    return Problem(
        domain="counting",
        task="counting",
        text=prompt_text(rng, question, constraint),
        answer=str(count),
        reference=None,
        demonstration=demonstration(f"I see {count} {colour} {noun}.", str(count)),
        scene=tuple(scene),
        problem_key=f"{count} {colour} {noun}",
        facts={"colour": colour, "shape": kind, "count": count, "distractors": len(distractors)},
    )
