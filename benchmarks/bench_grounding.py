"""Throughput of the grounding reward (`hymar.rewards.grounding.GroundingIoU`) on 10,000 boxes.

Three workloads, each 10,000 predicted boxes against as many gold boxes, in one process, scored
through the component's batch call (parse the completion, convert its frame, Hungarian matching,
metric), completions built with a fixed seed:

- ``qwen2vl x1``: 10,000 samples, one Qwen2-VL box each (0-1000 frame), mean IoU;
- ``json x5``: 2,000 samples, five labelled Qwen2.5-VL ``bbox_2d`` boxes each, F1 at 0.5;
- ``plain x10``: 1,000 samples, ten plain boxes each, IoU@0.5 (10 x 10 Hungarian per sample).

Reports the median of ``--repeats`` timed passes (after one untimed warm-up) in boxes per second,
and writes them to ``benchmarks/results/grounding.json`` with the load average.

Usage:
    python benchmarks/bench_grounding.py [--repeats 5] [--out benchmarks/results/grounding.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

from hymar.rewards.grounding import GroundingIoU
from hymar.rewards.types import Sample

HERE = Path(__file__).resolve().parent
BOXES = 10_000
SIZE = (640, 480)
LABELS = ("cat", "dog", "car", "person", "bicycle", "chair", "cup", "tree", "bird", "boat")


def _box(rng: random.Random) -> list[int]:
    x1, y1 = rng.randint(0, 500), rng.randint(0, 380)
    return [x1, y1, x1 + rng.randint(10, 139), y1 + rng.randint(10, 99)]


def _jitter(box: list[int], rng: random.Random) -> list[int]:
    return [v + rng.randint(-8, 8) for v in box[:2]] + [v + rng.randint(-8, 8) + 10 for v in box[2:]]


def workloads(seed: int = 0) -> dict[str, tuple[GroundingIoU, list[Sample]]]:
    rng = random.Random(seed)
    meta = {"image_size": list(SIZE)}
    out = {}
    samples = []
    for _ in range(BOXES):
        g = _box(rng)
        p = _jitter(g, rng)
        rel = [round(v * 1000 / SIZE[k % 2]) for k, v in enumerate(p)]  # Qwen2-VL's 0-1000 frame
        text = f"<answer><|box_start|>({rel[0]},{rel[1]}),({rel[2]},{rel[3]})<|box_end|></answer>"
        samples.append(Sample(completion=text, answer=json.dumps(g), metadata=meta))
    out["qwen2vl x1"] = (GroundingIoU(frame="qwen2-vl", metric="mean_iou"), samples)
    samples = []
    for _ in range(BOXES // 5):
        golds = [(_box(rng), LABELS[k]) for k in range(5)]
        preds = [{"bbox_2d": _jitter(b, rng), "label": label} for b, label in reversed(golds)]
        gold = json.dumps([{"bbox_2d": b, "label": label} for b, label in golds])
        samples.append(Sample(completion="```json\n" + json.dumps(preds) + "\n```", answer=gold, metadata=meta))
    out["json x5"] = (GroundingIoU(frame="qwen2.5-vl", metric="f1"), samples)
    samples = []
    for _ in range(BOXES // 10):
        golds = [_box(rng) for _ in range(10)]
        preds = [_jitter(b, rng) for b in golds]
        rng.shuffle(preds)
        samples.append(Sample(completion=" ".join(map(str, preds)), answer=" ".join(map(str, golds)), metadata=meta))
    out["plain x10"] = (GroundingIoU(metric="iou_threshold"), samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "grounding.json"))
    args = parser.parse_args()
    results = {}
    for name, (component, samples) in workloads().items():
        scores = component(samples)  # warm-up (scipy import, regex compilation)
        assert all(s.valid for s in scores), name
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            component(samples)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        mean_value = sum(s.value for s in scores) / len(scores)
        results[name] = {"samples": len(samples), "boxes": BOXES, "seconds": round(median, 4),
                         "boxes_per_s": round(BOXES / median), "mean_value": round(mean_value, 4)}  # fmt: skip
        print(f"{name:<12} {len(samples):>6} samples  {median:7.3f} s  {BOXES / median:>10,.0f} boxes/s  mean {mean_value:.3f}")
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "repeats": args.repeats}  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"environment": info, "results": results}, indent=2) + "\n")
    print(f"load average {info['load_average']}; wrote {args.out}")


if __name__ == "__main__":
    main()
