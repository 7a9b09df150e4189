"""Domain "choice" (task "choice"): a multiple-choice question about the image, options listed in
the prompt as "A. red" lines, answer a letter.

Questions: "Which colour is the largest shape?" (one shape clearly larger than the others) and
"What shape is the <colour> object?". 2-3 shapes of distinct colours, one per cell of a 2x2 grid.
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import (
    Problem,
    demonstration,
    grid_cells,
    jitter,
    prompt_text,
    shape,
)
from hymar.data.synthetic.render import COLOURS, SHAPES

LETTERS = "ABCD"
ADHERENCE_HINT = "Answer with the option's letter."


def sample_choice(rng: random.Random) -> Problem:
    """Draw one multiple-choice problem from ``rng`` (see the module docstring)."""
    n = rng.randint(2, 3)
    colours = rng.sample(sorted(COLOURS), n)
    kinds = [rng.choice(SHAPES) for _ in range(n)]
    cells = grid_cells(rng, 2, 2, n)
    largest = rng.randrange(n)
    scene = []
    for i, (colour, kind, (cx, cy, cell)) in enumerate(zip(colours, kinds, cells, strict=True)):
        # the largest is ~1.8x the others: unambiguous even at 56 px
        r = (rng.uniform(0.4, 0.44) if i == largest else rng.uniform(0.2, 0.24)) * cell
        scene.append(shape(kind, colour, cx + jitter(rng, cell, 0.04), cy + jitter(rng, cell, 0.04), r))
    if rng.random() < 0.5:
        question = "Which colour is the largest shape?"
        correct = colours[largest]
        pool = [c for c in sorted(COLOURS) if c != correct]
        options = [correct, *rng.sample(pool, rng.randint(2, 3))]
        reasoning = f"The largest shape is a {colours[largest]} {kinds[largest]}."
        ask = f"largest {correct}"
    else:
        i = rng.randrange(n)
        question = f"What shape is the {colours[i]} object?"
        correct = kinds[i]
        options = list(SHAPES)
        reasoning = f"The {colours[i]} object is a {kinds[i]}."
        ask = f"shape of {colours[i]} {correct}"
    rng.shuffle(options)
    letter = LETTERS[options.index(correct)]
    listing = "\n".join(f"{LETTERS[j]}. {opt}" for j, opt in enumerate(options))
    hint = ADHERENCE_HINT if rng.random() < 0.7 else ""
    text = f"{question}\n{listing}\n" + prompt_text(rng, "", hint)
    return Problem(
        domain="choice",
        task="choice",
        text=text,
        answer=letter,
        reference=None,
        demonstration=demonstration(reasoning, letter),
        scene=tuple(scene),
        problem_key=f"{ask}; options {','.join(options)}",
        facts={
            "options": options,
            "correct": correct,
            "objects": list(zip(colours, kinds, strict=True)),
            "largest": largest,
        },
    )
