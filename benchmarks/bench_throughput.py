"""Cold throughput of answer verification on GRPO-shaped traffic: hymar vs math-verify, per stage.

The traffic: 300 groups x 16 rollouts = 4,800 completions built from the labelled set
(``data/answer_equivalence.jsonl``). A group shares its case's gold, as the rollouts of one prompt
do; every completion differs: rollout k starts with its own line of reasoning, and odd rollouts
carry a changed final answer (the last digit of the completion shifted by k), so a group mixes the
case's answer with up to eight others, as sampled rollouts do.

Every measurement runs in a fresh Python process ("cold"): imports done, lazy initialisation paid
on warm-up inputs that share no gold with the traffic (for hymar the sandbox workers started by
``warm_up()``), every cache empty; then one timed pass over the 4,800 completions in group order.
Modes:

- ``hymar``: ``AccuracyReward`` called once per group of 16, as a GRPO trainer calls a reward
  (the group's math answers are compared together first, one worker round trip for the group's
  symbolic pairs);
- ``hymar-per-sample``: ``verify`` called per completion (no batching);
- ``hymar-no-identity``: like ``hymar`` but without the numeric identity test of the symbolic
  stage (a whole answer the fast path leaves undecided goes to the sympy worker; items of tuples
  and matrices are still tested in the fast path), to show what that lever is worth;
- ``math-verify``: ``verify(parse(gold), parse(completion))``, defaults, main thread;
- ``hymar-from-start`` and ``math-verify-from-start``: the whole cost a fresh process pays, the
  clock started before the verifier's import, nothing warmed up (the sandbox's start-up, ~1.3 s
  here, is paid by the first pair that needs it; math-verify's sympy import is counted).

``--data`` builds the traffic from another JSONL with the same fields: ../shared/peer-suites gives
traffic from other projects' grader tests, which the in-process rules were not written against.

The hymar run also reports where its time goes, per stage (extraction and checks, the exact fast
path, the numeric identity test, the sandboxed sympy worker), measured by wrapping those functions
in the timed process only.

Usage:
    python benchmarks/bench_throughput.py [--repeats 3] [--groups 300] [--out benchmarks/results/throughput.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "answer_equivalence.jsonl"
PEER_SUITES = HERE.parent.parent / "shared" / "peer-suites" / "cases.jsonl"
DEFAULT_OUT = HERE / "results" / "throughput.json"
GROUP_SIZE = 16
MODES = ("hymar", "hymar-per-sample", "hymar-no-identity", "math-verify", "hymar-from-start", "math-verify-from-start")
# warm-up inputs sharing no gold with the traffic (so warming up fills no cache the pass uses)
WARMUP = [
    ("So the answer is $\\boxed{\\sqrt{97}}$.", "\\sqrt{97}", None, None),
    ("The answer is 9,871.", "9871", "math", None),
    ("**Answer:** (E)", "E", "choice", "A. 1\nB. 2\nC. 3\nD. 4\nE. 5"),
    ("<answer>Nope</answer>", "No", "yesno", None),
    ("Thus $\\boxed{(y+3)^2}$.", "y^2+6y+9", None, None),
]

Item = tuple[str, str, "str | None", "str | None"]  # completion, gold, task, prompt


def build_traffic(groups: int, data: Path = DATA, seed: int = 0) -> list[list[Item]]:
    """``groups`` groups of `GROUP_SIZE` (completion, gold, task, prompt), every completion distinct."""
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(rows)
    picked = [rows[i % len(rows)] for i in range(groups)]
    out = []
    for g, row in enumerate(picked):
        group = []
        for k in range(GROUP_SIZE):
            completion = f"Attempt {g}.{k}: let me work through this carefully.\n" + row["completion"]
            if k % 2 == 1:
                completion = _shift_last_digit(completion, k)
            group.append((completion, row["gold"], row.get("task"), row.get("prompt")))
        out.append(group)
    return out


def _shift_last_digit(text: str, k: int) -> str:
    for i in range(len(text) - 1, -1, -1):
        if "0" <= text[i] <= "9":
            return text[:i] + str((int(text[i]) + k) % 10) + text[i + 1 :]
    return text


# ---------------------------------------------------------------------------------------- cold pass
def cold_pass(mode: str, groups: int, data: Path = DATA) -> dict[str, Any]:
    """One timed pass in this (fresh) process; what ``--cold-pass MODE`` runs."""
    if mode.endswith("-from-start"):
        return _from_start(mode, groups, data)
    for name in ("math_verify", "math_verify.parser", "math_verify.grader", "latex2sympy2_extended"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    traffic = build_traffic(groups, data)
    n = sum(len(g) for g in traffic)
    if mode == "math-verify":
        from math_verify import parse, verify

        def run_mv(items: Sequence[Item]) -> None:
            for completion, gold, _, _ in items:
                try:
                    verify(parse(gold), parse(completion))
                except Exception:  # noqa: BLE001 -- counted as a verdict like any other
                    pass

        run_mv(WARMUP)
        t0 = time.perf_counter()
        for group in traffic:
            run_mv(group)
        elapsed = time.perf_counter() - t0
        return {"mode": mode, "completions": n, "seconds": elapsed, "per_s": n / elapsed}

    from hymar.rewards.rules import math as mathrule
    from hymar.rewards.rules.verifier import AccuracyReward, verify
    from hymar.rewards.types import Sample

    assert mathrule.warm_up(60.0), "sandbox workers did not start"
    stages = _instrument(mathrule, disable_identity=mode == "hymar-no-identity")
    reward = AccuracyReward()
    for completion, gold, task, prompt in WARMUP:
        verify(completion, gold, task=task, prompt=prompt)
    for stage in stages.values():
        stage.update(calls=0, seconds=0.0)
    samples = [[Sample(prompt=p or "", completion=c, answer=a, task=t) for c, a, t, p in group] for group in traffic]
    t0 = time.perf_counter()
    if mode == "hymar-per-sample":
        for group in traffic:
            for completion, gold, task, prompt in group:
                verify(completion, gold, task=task, prompt=prompt)
    else:
        for group in samples:
            reward(group)
    elapsed = time.perf_counter() - t0
    return {"mode": mode, "completions": n, "seconds": elapsed, "per_s": n / elapsed, "stages": stages}


def _from_start(mode: str, groups: int, data: Path) -> dict[str, Any]:
    """The whole cost a fresh process pays: the clock starts before the verifier is imported, and
    nothing is warmed up (hymar's sandbox starts on the first symbolic pair, math-verify's sympy
    import is counted)."""
    traffic = build_traffic(groups, data)
    n = sum(len(g) for g in traffic)
    t0 = time.perf_counter()
    if mode == "math-verify-from-start":
        from math_verify import parse, verify

        for name in ("math_verify", "math_verify.parser", "math_verify.grader", "latex2sympy2_extended"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        for group in traffic:
            for completion, gold, _, _ in group:
                try:
                    verify(parse(gold), parse(completion))
                except Exception:  # noqa: BLE001
                    pass
    else:
        from hymar.rewards.rules.verifier import AccuracyReward
        from hymar.rewards.types import Sample

        reward = AccuracyReward()
        for group in traffic:
            reward([Sample(prompt=p or "", completion=c, answer=a, task=t) for c, a, t, p in group])
    elapsed = time.perf_counter() - t0
    return {"mode": mode, "completions": n, "seconds": elapsed, "per_s": n / elapsed}


def _instrument(mathrule: Any, disable_identity: bool) -> dict[str, dict[str, Any]]:
    """Wrap the stage functions (in this process only) to count calls and time."""
    import hymar.rewards.rules.verifier as verifier_module

    stages: dict[str, dict[str, Any]] = {}

    def wrap(owner: Any, name: str, label: str, replacement: Any = None) -> None:
        original = getattr(owner, name)
        target = replacement or original
        stage = stages.setdefault(label, {"calls": 0, "seconds": 0.0})

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                stage["calls"] += 1
                stage["seconds"] += time.perf_counter() - t0

        setattr(owner, name, timed)

    wrap(verifier_module, "extract_answer", "extraction (one parse of the completion)")
    wrap(mathrule, "_prepare", "normalise + exact fast path")
    wrap(mathrule, "numeric_first", "numeric identity test", (lambda *a: None) if disable_identity else None)
    runner = mathrule.shared_runner()

    class TimedRunner:
        def run(self, fn: Any, *args: Any, timeout: float) -> Any:
            return runner.run(fn, *args, timeout=timeout)

        def run_many(self, fn: Any, items: Any, timeout_each: float) -> Any:
            return runner.run_many(fn, items, timeout_each=timeout_each)

    timed_runner = TimedRunner()
    wrap(timed_runner, "run", "sympy worker: single calls")
    wrap(timed_runner, "run_many", "sympy worker: batched calls")
    mathrule.shared_runner = lambda: timed_runner
    return stages


def _in_fresh_process(mode: str, groups: int, data: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cold-pass", mode, "--groups", str(groups), "--data", str(data)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"cold pass of {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------- report
def markdown(report: dict[str, Any]) -> str:
    runs = report["runs"]
    def baseline(mode: str) -> float | None:
        base = "math-verify-from-start" if mode.endswith("-from-start") else "math-verify"
        return statistics.median(r["per_s"] for r in runs[base]) if runs.get(base) else None

    lines = [f"## Cold throughput on {report['completions']:,} completions ({report['groups']} groups x {GROUP_SIZE})", ""]
    lines.append("| mode | completions/s (median) | runs | vs math-verify |")
    lines.append("|---|---:|---|---:|")
    for mode, rs in runs.items():
        med = statistics.median(r["per_s"] for r in rs)
        mv = baseline(mode)
        ratio = f"{med / mv:.1f}x" if mv else "n/a"
        each = ", ".join(f"{r['per_s']:,.0f}" for r in rs)
        lines.append(f"| {mode} | {med:,.0f} | {each} | {ratio} |")
    stages = report.get("stages")
    if stages:
        lines += ["", "## Where hymar's time goes (median run of `hymar`)", ""]
        lines.append("| stage | calls | seconds | share of the pass |")
        lines.append("|---|---:|---:|---:|")
        total = report["stage_run_seconds"]
        for name, st in stages.items():
            lines.append(f"| {name} | {st['calls']:,} | {st['seconds']:.2f} | {st['seconds'] / total:.0%} |")
        lines.append(f"| whole pass | | {total:.2f} | 100% |")
        lines.append("\nStages nest (the fast path runs inside the pass; worker time includes waiting on the pipe).")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="cold throughput of hymar vs math-verify on GRPO-shaped traffic")
    p.add_argument("--repeats", type=int, default=3, help="fresh-process passes per mode (default: 3)")
    p.add_argument("--groups", type=int, default=300, help="groups of 16 completions (default: 300)")
    p.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    p.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="JSONL of completion/gold/task[/prompt] rows to build the groups from (default: the labelled set; "
        f"{PEER_SUITES} gives traffic from other projects' test suites, not used to tune the verifier's speed)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--cold-pass", choices=MODES, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cold_pass:
        print(json.dumps(cold_pass(args.cold_pass, args.groups, args.data)))
        return 0
    report: dict[str, Any] = {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "data": str(args.data),
        "groups": args.groups,
        "completions": args.groups * GROUP_SIZE,
        "runs": {},
    }
    for _ in range(args.repeats):  # interleaved, so a change in machine load hits every mode alike
        for mode in args.modes:
            report["runs"].setdefault(mode, []).append(_in_fresh_process(mode, args.groups, args.data))
    if "hymar" in report["runs"]:
        rs = sorted(report["runs"]["hymar"], key=lambda r: r["per_s"])
        median_run = rs[len(rs) // 2]
        report["stages"] = median_run["stages"]
        report["stage_run_seconds"] = median_run["seconds"]
    report["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"\nload average: {report['meta']['load_average_at_start']} -> {report['meta']['load_average_at_end']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
