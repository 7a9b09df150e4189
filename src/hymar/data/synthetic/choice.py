"""Domain "choice" (task "choice"): a multiple-choice question about one large shape, options listed
in the prompt as "A. red" lines, answer a letter.

Questions: "What colour is the shape?" (four colour options) and "What kind of shape is it?" (circle,
square, triangle). Options keep one order (colours alphabetical): with shuffled options the tiny
policy named the colour right in its reasoning 80-100% of the time yet picked the letter at chance,
since mapping a colour to a letter listed in the prompt is an in-context lookup it does not learn
from a few thousand rows (issue 8). The answer still needs the image (a blank image gives chance).
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text, shape
from hymar.data.synthetic.render import COLOURS, SHAPES

LETTERS = "ABCD"
ADHERENCE_HINT = "Answer with the option's letter."
COLOUR_QUESTION = "What colour is the shape?"
SHAPE_QUESTION = "What kind of shape is it?"


def colour_options(colour: str) -> list[str]:
    """Four colours in alphabetical order, ``colour`` among them (the first four unless it is the last)."""
    names = sorted(COLOURS)
    return names[:4] if colour in names[:4] else names[-4:]


def sample_choice(rng: random.Random) -> Problem:
    """Draw one multiple-choice problem from ``rng`` (see the module docstring)."""
    colour, kind = rng.choice(sorted(COLOURS)), rng.choice(SHAPES)
    radius = rng.uniform(0.25, 0.35)
    scene = (shape(kind, colour, 0.5 + rng.uniform(-0.05, 0.05), 0.5 + rng.uniform(-0.05, 0.05), radius),)
    if rng.random() < 0.5:
        question, correct, options, ask = COLOUR_QUESTION, colour, colour_options(colour), "colour"
    else:
        question, correct, options, ask = SHAPE_QUESTION, kind, list(SHAPES), "shape"
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
        demonstration=demonstration(f"It is {correct}.", letter),
        scene=scene,
        problem_key=f"{ask} of a {colour} {kind}",
        facts={"options": options, "correct": correct, "objects": [(colour, kind)], "question": ask},
    )
