"""Domain "arithmetic" (task "math"): two digits drawn in the image; the question asks for their
sum, difference (left minus right, never negative) or product.
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text

#: operation -> (question, symbol used in the demonstration)
OPERATIONS: dict[str, tuple[str, str]] = {
    "sum": ("What is the sum of the two numbers in the image?", "+"),
    "difference": ("What is the left number minus the right number?", "-"),
    "product": ("What is the product of the two numbers in the image?", "*"),
}
_INKS = ("black", "blue", "red", "green", "purple")


def sample_arithmetic(rng: random.Random) -> Problem:
    """Draw one arithmetic problem from ``rng`` (see the module docstring)."""
    op = rng.choice(sorted(OPERATIONS))
    left, right = rng.randint(1, 9), rng.randint(1, 9)
    if op == "difference" and left < right:
        left, right = right, left  # keep answers non-negative: fewer answer forms to learn
    result = {"sum": left + right, "difference": left - right, "product": left * right}[op]
    ink = rng.choice(_INKS)
    scene = tuple(
        {
            "kind": "text",
            "colour": ink,
            "text": str(digit),
            "cx": round(cx + rng.uniform(-0.04, 0.04), 4),
            "cy": round(0.5 + rng.uniform(-0.15, 0.15), 4),
            "size": round(rng.uniform(0.42, 0.5), 4),
        }
        for digit, cx in ((left, 0.28), (right, 0.72))
    )
    question, symbol = OPERATIONS[op]
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    reasoning = f"The numbers are {left} and {right}. {left} {symbol} {right} = {result}."
    return Problem(
        domain="arithmetic",
        task="math",
        text=prompt_text(rng, question, constraint),
        answer=str(result),
        reference=None,
        demonstration=demonstration(reasoning, str(result)),
        scene=scene,
        problem_key=f"{left} {symbol} {right}",
        facts={"left": left, "right": right, "operation": op, "result": result},
    )
