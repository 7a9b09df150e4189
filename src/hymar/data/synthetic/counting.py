"""Domain "counting" (task "counting"): how many shapes are drawn.

Scene: 1-5 shapes of one colour (shape kinds mixed), each filling one cell of a 3x3 grid. The grid
is the image-token grid at the demo's 84 px (28-px tokens: one shape per image token, at every image
size that is a multiple of 84 a whole number of tokens per shape). Answer: the number of shapes.

Why this simple (measured, issue 8): the tiny policy's vision features already separate an empty
token from a drawn one, but it could not learn "count the red circles among distractors" from a
few thousand rows (validation accuracy stayed at the blank-image level); counting every shape is
learned to ~100% and is still a VLM task (a blank image gives chance, 20%).
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import (
    Problem,
    demonstration,
    grid_cells,
    prompt_text,
    shape,
)
from hymar.data.synthetic.render import COLOURS, SHAPES

MAX_COUNT = 5
GRID = 3
QUESTION = "How many shapes are there?"
#: half-size of a shape as a fraction of its cell: large, but never touching a neighbour
RADIUS = 0.38


def sample_counting(rng: random.Random) -> Problem:
    """Draw one counting problem from ``rng`` (see the module docstring)."""
    count = rng.randint(1, MAX_COUNT)
    colour = rng.choice(sorted(COLOURS))
    kinds = [rng.choice(SHAPES) for _ in range(count)]
    scene = tuple(
        shape(kind, colour, cx, cy, RADIUS * cell)
        for kind, (cx, cy, cell) in zip(kinds, grid_cells(rng, GRID, GRID, count), strict=True)
    )
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    return Problem(
        domain="counting",
        task="counting",
        text=prompt_text(rng, QUESTION, constraint),
        answer=str(count),
        reference=None,
        demonstration=demonstration(f"I see {count}.", str(count)),
        scene=scene,
        problem_key=f"{count} shapes",
        facts={"count": count, "colour": colour, "kinds": kinds},
    )
