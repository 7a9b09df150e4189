"""Domain "describe" (task "open"): "Describe the image in one sentence."; the reference is a
templated sentence naming each shape left to right ("A red circle and a blue square on a white
background."). No rule applies (answer None); only the model-based reward can judge it.
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text, shape
from hymar.data.synthetic.render import BACKGROUND_NAME, COLOURS, SHAPES

#: every instruction states a limit the length-limit aspect recognises; the reference meets all
INSTRUCTIONS = (
    "Describe the image in one sentence.",
    "Describe the image in at most 12 words.",
    "Describe the image in one sentence of at most 12 words.",
)


def describe_objects(objects: list[tuple[str, str]]) -> str:
    """The reference sentence for (colour, shape) pairs listed left to right."""
    named = " and ".join(f"a {colour} {kind}" for colour, kind in objects)
    return f"{named[0].upper()}{named[1:]} on a {BACKGROUND_NAME} background."


def sample_describe(rng: random.Random) -> Problem:
    """Draw one description problem from ``rng`` (see the module docstring)."""
    n = rng.randint(1, 2)
    pairs = [(c, s) for c in sorted(COLOURS) for s in SHAPES]
    objects = rng.sample(pairs, n)  # distinct, so the sentence names what is visibly different
    xs = [0.5] if n == 1 else [0.27, 0.73]
    scene = tuple(
        shape(kind, colour, x + rng.uniform(-0.04, 0.04), 0.5 + rng.uniform(-0.15, 0.15), rng.uniform(0.13, 0.18))
        for (colour, kind), x in zip(objects, xs, strict=True)
    )
    reference = describe_objects(objects)
    seen = " and ".join(f"a {c} {s}" for c, s in objects)
    return Problem(
        domain="describe",
        task="open",
        text=prompt_text(rng, rng.choice(INSTRUCTIONS)),
        answer=None,
        reference=reference,
        demonstration=demonstration(f"I see {seen}.", reference),
        scene=scene,
        problem_key=reference,
        facts={"objects": objects},
    )
