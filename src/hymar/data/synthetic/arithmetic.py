"""Domain "arithmetic" (task "math"): two large digits drawn side by side; the question asks for
their sum.

Digits are 1-5, bold, at 60% of the image height, one per image half. Why (measured, issue 8): digits at
30% of the image were never read by the tiny policy; at 60% they are, and a sum needs both digits,
so the answer cannot come from the prompt alone (a blank image gives ~10%: the most frequent sum).
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text

MAX_DIGIT = 5
QUESTION = "What is the sum of the two numbers?"
#: font size as a fraction of the image side
DIGIT_SIZE = 0.6
#: outline width as a fraction of the font size: bold strokes several pixels wide at 84 px
DIGIT_STROKE = 0.05
#: centres of the left and right digit
POSITIONS = (0.25, 0.75)


def sample_arithmetic(rng: random.Random) -> Problem:
    """Draw one arithmetic problem from ``rng`` (see the module docstring)."""
    left, right = rng.randint(1, MAX_DIGIT), rng.randint(1, MAX_DIGIT)
    result = left + right
    scene = tuple(
        {"kind": "text", "colour": "black", "text": str(digit), "cx": cx, "cy": 0.5, "size": DIGIT_SIZE, "stroke": DIGIT_STROKE}
        for digit, cx in zip((left, right), POSITIONS, strict=True)
    )
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    return Problem(
        domain="arithmetic",
        task="math",
        text=prompt_text(rng, QUESTION, constraint),
        answer=str(result),
        reference=None,
        demonstration=demonstration(f"{left} + {right} = {result}.", str(result)),
        scene=scene,
        problem_key=f"{left} + {right}",
        facts={"left": left, "right": right, "operation": "sum", "result": result},
    )
