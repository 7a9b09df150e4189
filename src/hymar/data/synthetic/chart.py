"""Domain "chart" (task "math"): a bar chart of 2-4 coloured bars, each labelled with its value
(distinct integers 1-9). The question asks for one bar's value or for the difference between the
tallest and the shortest bar.
"""

from __future__ import annotations

import random

from hymar.data.synthetic.problem import Problem, demonstration, prompt_text
from hymar.data.synthetic.render import COLOURS

_BASELINE = 0.94  # y of the chart's base line
_MAX_BAR = 0.62  # height of a bar of value 9; leaves room above for the value label
_LABEL = 0.2  # label font size (fraction of the image side)


def sample_chart(rng: random.Random) -> Problem:
    """Draw one bar-chart problem from ``rng`` (see the module docstring)."""
    k = rng.randint(2, 4)
    colours = rng.sample(sorted(COLOURS), k)
    values = rng.sample(range(1, 10), k)  # distinct, so "tallest" and "shortest" are unique
    slot = 1.0 / k
    width = min(0.6 * slot, 0.22)
    scene: list[dict] = [
        {"kind": "rect", "colour": "black", "x0": 0.02, "y0": _BASELINE, "x1": 0.98, "y1": _BASELINE + 0.03}
    ]
    for i, (colour, value) in enumerate(zip(colours, values, strict=True)):
        cx = (i + 0.5) * slot
        top = _BASELINE - _MAX_BAR * value / 9
        scene.append(
            {
                "kind": "rect",
                "colour": colour,
                "x0": round(cx - width / 2, 4),
                "y0": round(top, 4),
                "x1": round(cx + width / 2, 4),
                "y1": _BASELINE,
            }
        )
        scene.append(
            {
                "kind": "text",
                "colour": "black",
                "text": str(value),
                "cx": round(cx, 4),
                "cy": round(top - 0.6 * _LABEL, 4),
                "size": _LABEL,
            }
        )
    bars = ", ".join(f"{c} {v}" for c, v in zip(colours, values, strict=True))
    constraint = "Answer with a number." if rng.random() < 0.5 else ""
    if rng.random() < 0.5:
        i = rng.randrange(k)
        colour, value = colours[i], values[i]
        question = f"What is the value of the {colour} bar?"
        reasoning, answer, ask = f"The bars are {bars}. The {colour} bar is {value}.", value, f"value of {colour}"
    else:
        hi, lo = max(values), min(values)
        question = "What is the difference between the tallest and the shortest bar?"
        reasoning = f"The bars are {bars}. The tallest is {hi} and the shortest is {lo}. {hi} - {lo} = {hi - lo}."
        answer, ask = hi - lo, "tallest minus shortest"
    return Problem(
        domain="chart",
        task="math",
        text=prompt_text(rng, question, constraint),
        answer=str(answer),
        reference=None,
        demonstration=demonstration(reasoning, str(answer)),
        scene=tuple(scene),
        problem_key=f"{bars}; {ask}",
        facts={"bars": dict(zip(colours, values, strict=True)), "question": ask, "result": answer},
    )
