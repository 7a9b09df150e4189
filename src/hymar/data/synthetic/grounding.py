"""Domain "grounding" (task "grounding"), OPT-IN: "Give the bounding box of the red triangle."

Not one of the default `DOMAINS` (so `hymar demo` and every default suite are unchanged); ask for it
with ``build_task_suite(..., domains=["grounding"])`` or ``domains=[*DOMAINS, "grounding"]``.

Scene: 2-3 shapes of distinct (colour, kind) in cells of a 3x3 grid; the question names one of them.
Answer: its box as JSON ``[x1, y1, x2, y2]`` in fractions of the image side (frame "normalized", so
the gold does not depend on the rendered image size), the tight box of the drawn primitive (see
`hymar.data.synthetic.render`). The row's metadata carries ``{"grounding": {"frame": "normalized",
"gold_frame": "normalized"}}``, which `hymar eval` reads to score IoU@0.5 with `GroundingIoU`.
"""

from __future__ import annotations

import json
import random

from hymar.data.synthetic.problem import Problem, demonstration, grid_cells, prompt_text, shape
from hymar.data.synthetic.render import COLOURS, SHAPES

GRID = 3
RADIUS = 0.38
#: how `hymar eval` grades a grounding row (frames of the policy's answer and of the gold)
GROUNDING_GRADING = {"frame": "normalized", "gold_frame": "normalized", "metric": "iou_threshold", "threshold": 0.5}


def shape_box(item: dict) -> list[float]:
    """The tight box of a drawn shape primitive, in fractions of the image side (rounded to 3 places)."""
    cx, cy, r = item["cx"], item["cy"], item["r"]
    if item["kind"] == "square":
        r = 0.9 * r  # the renderer draws squares at 0.9 r
        box = [cx - r, cy - r, cx + r, cy + r]
    elif item["kind"] == "triangle":
        box = [cx - r, cy - r, cx + r, cy + 0.8 * r]
    else:
        box = [cx - r, cy - r, cx + r, cy + r]
    return [round(min(1.0, max(0.0, v)), 3) for v in box]


def sample_grounding(rng: random.Random) -> Problem:
    """Draw one grounding problem from ``rng`` (see the module docstring)."""
    n = rng.randint(2, 3)
    pairs = rng.sample([(c, k) for c in sorted(COLOURS) for k in SHAPES], n)
    scene = tuple(
        shape(kind, colour, cx, cy, RADIUS * cell)
        for (colour, kind), (cx, cy, cell) in zip(pairs, grid_cells(rng, GRID, GRID, n), strict=True)
    )
    target = rng.randrange(n)
    colour, kind = pairs[target]
    box = shape_box(scene[target])
    question = (
        f"Give the bounding box of the {colour} {kind} as [x1, y1, x2, y2], "
        "each coordinate a fraction of the image width or height (0 to 1)."
    )
    answer = json.dumps(box)
    return Problem(
        domain="grounding",
        task="grounding",
        text=prompt_text(rng, question),
        answer=answer,
        reference=None,
        demonstration=demonstration(f"The {colour} {kind} is there.", answer),
        scene=scene,
        problem_key=f"box of the {colour} {kind} among {n}",
        facts={"target": target, "box": box, "objects": pairs, "grounding": GROUNDING_GRADING},
    )
