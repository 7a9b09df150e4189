"""Domain "chart" (task "math"): a bar chart of three coloured bars of distinct integer heights
(no labels: the value is read from the bar's height, 1 unit = 1/7 of the image); the question asks
for the value of the tallest bar.

The tallest value is drawn uniformly from 3-6 and the other two below it, so no answer is more
frequent than another (an earlier draw made "the most frequent answer" right 62% of the time with a
blank image). Asking for a named colour's bar makes the policy look a colour up in the prompt, which
the tiny policy did not learn (validation plateaued at ~60%, issue 8).
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text
from hymar.data.synthetic.render import COLOURS

BARS = 3
MAX_VALUE = 6
MIN_TALLEST = 3
QUESTION = "What is the value of the tallest bar?"
_BASELINE = 0.95  # y of the bars' bottom edge
_UNIT = 0.85 / MAX_VALUE  # height of one unit (a bar of MAX_VALUE leaves a margin at the top)
_HALF_WIDTH = 0.35 / BARS


def sample_chart(rng: random.Random) -> Problem:
    """Draw one bar-chart problem from ``rng`` (see the module docstring)."""
    tallest = rng.randint(MIN_TALLEST, MAX_VALUE)
    values = [tallest, *rng.sample(range(1, tallest), BARS - 1)]
    rng.shuffle(values)
    colours = rng.sample(sorted(COLOURS), BARS)
    scene = []
    for i, (colour, value) in enumerate(zip(colours, values, strict=True)):
        cx = (i + 0.5) / BARS
        scene.append(
            {
                "kind": "rect",
                "colour": colour,
                "x0": round(cx - _HALF_WIDTH, 4),
                "y0": round(_BASELINE - value * _UNIT, 4),
                "x1": round(cx + _HALF_WIDTH, 4),
                "y1": _BASELINE,
            }
        )
    colour = colours[values.index(tallest)]
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    bars = ", ".join(f"{c} {v}" for c, v in zip(colours, values, strict=True))
    return Problem(
        domain="chart",
        task="math",
        text=prompt_text(rng, QUESTION, constraint),
        answer=str(tallest),
        reference=None,
        demonstration=demonstration(f"The {colour} bar is {tallest}.", str(tallest)),
        scene=tuple(scene),
        problem_key=f"{bars}; tallest",
        facts={"bars": dict(zip(colours, values, strict=True)), "question": "tallest", "result": tallest},
    )
