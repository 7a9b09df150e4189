"""Time the TRL adapter's own work per step: the total plus K component views on one batch.

The reward itself is a stub that costs nothing, so what is timed is what the adapter adds: building
the Samples and finding the batch's cached result (which hashes every image when it has to).

    PYTHONPATH=src python benchmarks/bench_trl_adapter.py --rollouts 64 --image-size 448 --repeats 20
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from PIL import Image

from hymar.integrations.trl import make_reward_funcs
from hymar.rewards.types import RewardResult, Score

COMPONENTS = ("accuracy", "model", "format", "length", "hybrid")


class Free:
    """A reward that answers at once (the adapter's overhead is what is left)."""

    component_names = COMPONENTS

    def __call__(self, samples, groups=None):
        n = len(samples)
        return RewardResult([1.0] * n, {c: [Score(1.0)] * n for c in COMPONENTS})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=64)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    prompts_n = args.rollouts // args.group
    images = [Image.fromarray(rng.integers(0, 255, (args.image_size, args.image_size, 3), dtype=np.uint8)) for _ in range(prompts_n)]
    funcs, _ = make_reward_funcs(Free())
    times = []
    for step in range(args.repeats):
        state = type("State", (), {"global_step": step})()
        kwargs = {
            "prompts": [f"How many shapes? ({i // args.group})" for i in range(args.rollouts)],
            "completions": [f"<think>count</think><answer>{i % 5}</answer>" for i in range(args.rollouts)],
            "answer": [str(i % 5) for i in range(args.rollouts)],
            "image": [images[i // args.group] for i in range(args.rollouts)],
            "trainer_state": state,
        }
        start = time.perf_counter()
        for f in funcs:  # what TRL's _calculate_rewards does: every function, the same lists
            f(**kwargs)
        times.append(time.perf_counter() - start)
    print(f"{len(funcs)} reward functions, {args.rollouts} rollouts, {prompts_n} images of {args.image_size}px: "
          f"median {1000 * statistics.median(times):.1f} ms per step (min {1000 * min(times):.1f})")


if __name__ == "__main__":
    main()
