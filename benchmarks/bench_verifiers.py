"""Benchmark answer-equivalence verifiers against the hand-labelled set, in one process.

Measures, on ``benchmarks/data/answer_equivalence.jsonl`` (see benchmarks/README.md for the grading
conventions behind its labels):

1. accuracy of hymar's rule verifier ``hymar.rewards.rules.verifier.verify`` (judged correct when the
   Score's value is 1.0; an invalid Score counts as judged incorrect), overall and per category;
2. the same for math-verify used directly with its default configs:
   ``verify(parse(gold), parse(completion))``;
3. the same for TRL's ``trl.rewards.accuracy_reward`` (completions as chat messages; it returns None
   for a gold it cannot parse, which counts as judged incorrect and is also reported separately);
4. throughput in cases/second: the first pass (includes lazy initialisation); "cold": ``--repeats``
   passes, each in a fresh process after warm-up on inputs outside the set, so every cache is empty;
   "warm": ``--repeats`` passes in this process after one untimed pass, caches full; medians;
5. the wall time of a GRPO-sized batch (16 groups x 16 rollouts = 256 samples built from the set)
   scored with ``HybridReward.from_preset("harmo")``, models loaded by one warm-up call first; median
   of ``--grpo-runs`` runs.

Every disagreement with the labels is written to the JSON output, per verifier.

Usage:
    python benchmarks/bench_verifiers.py [--repeats 3] [--out benchmarks/results/verifiers.json]
        [--skip-grpo-batch]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# No model hub here or on users' CI: the embedding model comes from an installed package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data" / "answer_equivalence.jsonl"
DEFAULT_OUT = HERE / "results" / "verifiers.json"
GRPO_GROUPS = 16
GRPO_GROUP_SIZE = 16

#: one verdict per case: True = judged correct; ``detail`` is a short string for the disagreement list
Verdict = tuple[bool, str]


@dataclass(frozen=True)
class Case:
    """One labelled case of the benchmark set (fields as in the JSONL file)."""

    id: str
    category: str
    completion: str
    gold: str
    task: str | None
    prompt: str | None
    correct: bool
    note: str


def load_cases(path: str | Path = DEFAULT_DATA) -> list[Case]:
    """Read the labelled set.

    Args:
        path: a JSONL file, one case object per line.

    Returns:
        The cases in file order.
    """
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                cases.append(
                    Case(
                        id=row["id"],
                        category=row["category"],
                        completion=row["completion"],
                        gold=row["gold"],
                        task=row.get("task"),
                        prompt=row.get("prompt"),
                        correct=bool(row["correct"]),
                        note=row.get("note", ""),
                    )
                )
    return cases


# ---------------------------------------------------------------------------------------- verifiers
@dataclass
class Verifier:
    """A verifier under test: ``judge`` maps all cases to verdicts in one call (a batch API like
    TRL's is timed as it is used); ``warm_up`` runs its lazy initialisation without touching the
    benchmark cases."""

    name: str
    judge: Callable[[Sequence[Case]], list[Verdict]]
    warm_up_hook: Callable[[], None] | None = None
    notes: list[str] = field(default_factory=list)

    def warm_up(self) -> None:
        """Pay lazy initialisation (imports done, regexes and grammars built, workers started)."""
        if self.warm_up_hook is not None:
            self.warm_up_hook()
        self.judge(WARMUP_CASES)


#: warm-up inputs that share no gold with the set, so warming up fills no cache the timed pass uses
WARMUP_CASES = (
    Case("warm-1", "warm", "So the answer is $\\boxed{\\sqrt{97}}$.", "\\sqrt{97}", None, None, True, "symbolic"),
    Case("warm-2", "warm", "The answer is 9,871.", "9871", "math", None, True, "number"),
    Case("warm-3", "warm", "**Answer:** (E)", "E", "choice", "A. 1\nB. 2\nC. 3\nD. 4\nE. 5", True, "choice"),
    Case("warm-4", "warm", "<answer>Nope</answer>", "No", "yesno", None, True, "yes/no"),
)


def is_judged_correct(result: Any) -> bool:
    """hymar's verdict rule: a Score (or bare number) with value exactly 1.0; invalid/None is not."""
    if hasattr(result, "value"):
        if getattr(result, "valid", True) is False:
            return False
        return result.value == 1.0
    if isinstance(result, bool):
        return result
    return result == 1.0


def _hymar_detail(result: Any) -> str:
    info = dict(getattr(result, "info", {}) or {})
    keep = {k: info[k] for k in ("extracted", "source", "answer_type", "method", "reason", "candidates") if k in info}
    value = getattr(result, "value", result)
    valid = getattr(result, "valid", True)
    conf = getattr(result, "confidence", None)
    return f"value={value} valid={valid} confidence={conf} {json.dumps(keep, default=str, ensure_ascii=False)[:300]}"


def make_hymar() -> Verifier:
    """hymar's rule verifier (raises ImportError while it is not importable)."""
    from hymar.rewards.rules.verifier import verify

    def judge(cases: Sequence[Case]) -> list[Verdict]:
        out = []
        for c in cases:
            try:
                result = verify(c.completion, c.gold, task=c.task, prompt=c.prompt)
            except Exception as err:  # a verifier must never raise on model output: report it
                out.append((False, f"RAISED {type(err).__name__}: {err}"[:300]))
                continue
            out.append((is_judged_correct(result), _hymar_detail(result)))
        return out

    def start_workers() -> None:
        try:  # start the sandboxed symbolic workers the documented way, when the hook exists
            from hymar.rewards.rules.math import warm_up
        except ImportError:
            return
        warm_up()

    return Verifier(
        "hymar",
        judge,
        start_workers,
        notes=["symbolic comparisons run in sandbox worker processes (started by the first call or warm_up)"],
    )


def make_math_verify() -> Verifier:
    """math-verify as people call it: default extraction configs for both sides."""
    from math_verify import parse, verify

    def judge(cases: Sequence[Case]) -> list[Verdict]:
        out = []
        for c in cases:
            try:
                gold = parse(c.gold)
                pred = parse(c.completion)
                ok = bool(verify(gold, pred))
            except Exception as err:
                out.append((False, f"RAISED {type(err).__name__}: {err}"[:300]))
                continue
            out.append((ok, f"gold={_short(gold)} pred={_short(pred)}"))
        return out

    return Verifier("math-verify", judge)


def make_trl() -> Verifier:
    """TRL's accuracy_reward called once on the whole batch, as GRPOTrainer does."""
    from trl.rewards import accuracy_reward

    def judge(cases: Sequence[Case]) -> list[Verdict]:
        completions = [[{"role": "assistant", "content": c.completion}] for c in cases]
        rewards = accuracy_reward(completions, [c.gold for c in cases])
        return [(r == 1.0, "None (gold unparseable: example skipped)" if r is None else f"reward={r}") for r in rewards]

    return Verifier(
        "trl",
        judge,
        notes=["returns None for a gold math-verify cannot parse; counted as judged incorrect"],
    )


def _short(parsed: Any) -> str:
    return str(parsed)[:120]


FACTORIES: dict[str, Callable[[], Verifier]] = {"hymar": make_hymar, "math-verify": make_math_verify, "trl": make_trl}


# ---------------------------------------------------------------------------------------- scoring
def accuracy_report(cases: Sequence[Case], verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Agreement of verdicts with labels.

    Args:
        cases: the labelled cases.
        verdicts: one (judged_correct, detail) per case.

    Returns:
        overall accuracy, per-category accuracy, false positives (judged correct, labelled wrong),
        false negatives, accuracy on cases with and without a task tag, and the disagreements.
    """
    per_cat: dict[str, list[bool]] = defaultdict(list)
    tagged: dict[str, list[bool]] = defaultdict(list)
    disagreements = []
    fp = fn = 0
    for case, (judged, detail) in zip(cases, verdicts, strict=True):
        agree = judged == case.correct
        per_cat[case.category].append(agree)
        tagged["no_task" if case.task is None else "task"].append(agree)
        if not agree:
            fp += judged and not case.correct
            fn += case.correct and not judged
            disagreements.append(
                {
                    "id": case.id,
                    "category": case.category,
                    "label": case.correct,
                    "judged": judged,
                    "task": case.task,
                    "gold": case.gold,
                    "answer_tail": case.completion[-160:],
                    "note": case.note,
                    "detail": detail,
                }
            )
    agreements = [a for v in per_cat.values() for a in v]
    return {
        "n": len(agreements),
        "accuracy": _rate(agreements),
        "false_positives": int(fp),
        "false_negatives": int(fn),
        "per_category": {k: {"n": len(v), "accuracy": _rate(v)} for k, v in per_cat.items()},
        "by_task_tag": {k: {"n": len(v), "accuracy": _rate(v)} for k, v in tagged.items()},
        "disagreements": disagreements,
    }


def _rate(xs: Sequence[bool]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def throughput(verifier: Verifier, cases: Sequence[Case], repeats: int, data: Path) -> dict[str, Any]:
    """Cases/second, medians over ``repeats`` passes.

    cold: each pass in a fresh Python process (so every cache, in-process or in worker processes, is
    empty), timed after imports and `Verifier.warm_up`; warm: passes in this process after one
    untimed pass over the same cases (caches full)."""
    cold = [_cold_pass_in_subprocess(verifier.name, data) for _ in range(repeats)]
    verifier.judge(cases)  # fill caches once before the warm passes
    warm = [_timed_rate(verifier, cases) for _ in range(repeats)]
    return {
        "cold_cases_per_s": statistics.median(cold),
        "warm_cases_per_s": statistics.median(warm),
        "cold_runs": cold,
        "warm_runs": warm,
    }


def _cold_pass_in_subprocess(name: str, data: Path) -> float:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cold-pass", name, "--data", str(data)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"cold pass of {name} failed:\n{proc.stderr[-2000:]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["cases_per_s"])


def cold_pass(name: str, data: Path) -> float:
    """One timed pass in this (fresh) process, after imports and warm-up; what `--cold-pass` runs."""
    cases = load_cases(data)
    verifier = FACTORIES[name]()
    verifier.warm_up()
    return _timed_rate(verifier, cases)


def _timed_rate(verifier: Verifier, cases: Sequence[Case]) -> float:
    t0 = time.perf_counter()
    verifier.judge(cases)
    return len(cases) / (time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------- GRPO batch
def grpo_cases(cases: Sequence[Case], groups: int = GRPO_GROUPS, size: int = GRPO_GROUP_SIZE) -> list[list[Case]]:
    """``groups`` groups of ``size`` cases, taken round-robin over categories so every group mixes
    right and wrong answers of several kinds. Each sample keeps its own gold: the grouping only
    matters to group-relative terms (length penalty), which is what a timing needs."""
    by_cat: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_cat[c.category].append(c)
    queues = list(by_cat.values())
    order: list[Case] = []
    i = 0
    while len(order) < groups * size and any(queues):
        q = queues[i % len(queues)]
        if q:
            order.append(q.pop(0))
        i += 1
    if len(order) < groups * size:
        raise ValueError(f"need {groups * size} cases, the set has {len(order)}")
    return [order[g * size : (g + 1) * size] for g in range(groups)]


def grpo_batch(cases: Sequence[Case], runs: int) -> dict[str, Any]:
    """Median wall time of scoring 16 x 16 samples with the ``harmo`` preset."""
    try:
        from hymar.rewards.hybrid import HybridReward
        from hymar.rewards.types import Sample

        reward = HybridReward.from_preset("harmo")
    except Exception as err:
        return {"skipped": f"HybridReward.from_preset('harmo') not available: {type(err).__name__}: {err}"}
    batches = grpo_cases(cases)
    samples, groups = [], []
    for g, members in enumerate(batches):
        for c in members:
            # reference = gold so the model-based component has something to compare with
            samples.append(Sample(prompt=c.prompt or "", completion=c.completion, answer=c.gold, reference=c.gold, task=c.task))
            groups.append(g)
    t0 = time.perf_counter()
    try:
        first = reward(samples, groups)  # warm-up: loads the embedding model, starts sandbox workers
    except Exception as err:
        return {"error": f"harmo reward raised {type(err).__name__}: {err}"}
    warmup_s = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        reward(samples, groups)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "samples": len(samples),
        "groups": GRPO_GROUPS,
        "group_size": GRPO_GROUP_SIZE,
        "components": list(first.components),
        "warmup_s": warmup_s,
        "runs_s": times,
        "median_s": median,
        "min_s": min(times),  # the least disturbed run on a shared machine
        "samples_per_s": len(samples) / median,
    }


# ---------------------------------------------------------------------------------------- output
def markdown(results: dict[str, Any]) -> str:
    """The tables printed at the end of a run."""
    acc = results["accuracy"]
    names = list(acc)
    lines = ["## Accuracy against the labels", ""]
    lines.append("| category | n | " + " | ".join(names) + " |")
    lines.append("|---|---:|" + "---:|" * len(names))
    cats = list(next(iter(acc.values()))["per_category"]) if acc else []
    for cat in cats:
        n = acc[names[0]]["per_category"][cat]["n"]
        cells = [f"{acc[v]['per_category'][cat]['accuracy']:.1%}" for v in names]
        lines.append(f"| {cat} | {n} | " + " | ".join(cells) + " |")
    for tag in ("task", "no_task"):
        n = acc[names[0]]["by_task_tag"].get(tag, {}).get("n", 0) if names else 0
        cells = [f"{acc[v]['by_task_tag'].get(tag, {}).get('accuracy', float('nan')):.1%}" for v in names]
        lines.append(f"| *{'with task tag' if tag == 'task' else 'no task tag'}* | {n} | " + " | ".join(cells) + " |")
    lines.append("| **overall** | " + str(results["n_cases"]) + " | " + " | ".join(f"**{acc[v]['accuracy']:.1%}**" for v in names) + " |")
    lines.append("| false positives | | " + " | ".join(str(acc[v]["false_positives"]) for v in names) + " |")
    lines.append("| false negatives | | " + " | ".join(str(acc[v]["false_negatives"]) for v in names) + " |")
    if "trl" in acc:
        lines.append(f"\nTRL returned None (gold unparseable) for {acc['trl'].get('none_count', 0)} cases; "
                     f"accuracy on the rest: {acc['trl'].get('accuracy_parseable_gold', float('nan')):.1%}.")
    lines += ["", "## Throughput (cases/s, median)", ""]
    lines.append("| verifier | first pass | cold | warm |")
    lines.append("|---|---:|---:|---:|")
    for v, t in results["throughput"].items():
        lines.append(f"| {v} | {t['first_pass_cases_per_s']:.0f} | {t['cold_cases_per_s']:.0f} | {t['warm_cases_per_s']:.0f} |")
    for v, why in results["unavailable"].items():
        lines.append(f"\n{v}: not measured ({why})")
    g = results.get("grpo_batch")
    lines += ["", "## GRPO batch (harmo preset)", ""]
    if not g:
        lines.append("skipped (--skip-grpo-batch)")
    elif "median_s" in g:
        lines.append(f"{g['samples']} samples ({g['groups']} groups x {g['group_size']}): median {g['median_s']:.3f} s "
                     f"over {len(g['runs_s'])} runs ({g['samples_per_s']:.0f} samples/s; fastest run {g['min_s']:.3f} s); "
                     f"warm-up call {g['warmup_s']:.2f} s.")
    else:
        lines.append(g.get("skipped") or g.get("error", "not measured"))
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("hymar", "math-verify", "latex2sympy2_extended", "trl", "sympy", "sentence-transformers"):
        try:
            from importlib.metadata import version

            out[dist] = version(dist)
        except Exception:
            out[dist] = "not installed"
    return out


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on every platform
        return None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Accuracy and speed of answer verifiers (hymar, math-verify, TRL accuracy_reward) on the "
        "hand-labelled answer-equivalence set; prints markdown tables and writes a JSON report.",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL set (default: %(default)s)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes per verifier, cold and warm each (default: 3)")
    p.add_argument("--grpo-runs", type=int, default=5, help="timed runs of the GRPO batch (default: 5)")
    p.add_argument("--skip-grpo-batch", action="store_true", help="do not time the 256-sample harmo batch")
    p.add_argument("--only", nargs="+", choices=tuple(FACTORIES), help="measure only these verifiers")
    # internal: the fresh-process pass behind the "cold" throughput numbers
    p.add_argument("--cold-pass", choices=tuple(FACTORIES), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1 or args.grpo_runs < 1:
        p.error("--repeats and --grpo-runs must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from tqdm import tqdm

    args = parse_args(argv)
    # math-verify logs a warning per unparseable string; the report counts those cases instead.
    for name in ("math_verify", "math_verify.parser", "math_verify.grader", "latex2sympy2_extended"):
        logging.getLogger(name).setLevel(logging.ERROR)

    if args.cold_pass:
        print(json.dumps({"cases_per_s": cold_pass(args.cold_pass, args.data)}))
        return 0

    cases = load_cases(args.data)
    wanted = args.only or list(FACTORIES)
    phases = [f"accuracy: {v}" for v in wanted] + [f"throughput: {v}" for v in wanted]
    if not args.skip_grpo_batch:
        phases.append("grpo batch (harmo)")
    results: dict[str, Any] = {
        "meta": {
            "data": str(args.data),
            "repeats": args.repeats,
            "cpu_count": os.cpu_count(),
            "machine": platform.platform(),
            "versions": _versions(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            # other jobs on a shared machine slow every timing below; recorded so runs can be compared
            "load_average_at_start": _load_average(),
        },
        "n_cases": len(cases),
        "label_balance": dict(Counter("correct" if c.correct else "incorrect" for c in cases)),
        "accuracy": {},
        "throughput": {},
        "unavailable": {},
        "notes": {},
    }
    verifiers: dict[str, Verifier] = {}
    bar = tqdm(total=len(phases), desc="benchmark", unit="phase")
    for name in wanted:
        bar.set_description(f"accuracy: {name}")
        try:
            verifier = FACTORIES[name]()
        except Exception as err:
            results["unavailable"][name] = f"{type(err).__name__}: {err}"
            bar.update(2)  # its accuracy and throughput phases
            continue
        t0 = time.perf_counter()
        verdicts = verifier.judge(cases)
        first_pass = len(cases) / (time.perf_counter() - t0)
        report = accuracy_report(cases, verdicts)
        if name == "trl":
            nones = [i for i, (_, d) in enumerate(verdicts) if d.startswith("None")]
            report["none_count"] = len(nones)
            skipped = set(nones)
            rest = [(c, v) for i, (c, v) in enumerate(zip(cases, verdicts)) if i not in skipped]
            report["accuracy_parseable_gold"] = _rate([v[0] == c.correct for c, v in rest])
        results["accuracy"][name] = report
        results["throughput"][name] = {"first_pass_cases_per_s": first_pass}
        results["notes"][name] = verifier.notes
        verifiers[name] = verifier
        bar.update(1)
    for name, verifier in verifiers.items():
        bar.set_description(f"throughput: {name}")
        results["throughput"][name].update(throughput(verifier, cases, args.repeats, args.data))
        bar.update(1)
    if not args.skip_grpo_batch:
        bar.set_description("grpo batch (harmo)")
        results["grpo_batch"] = grpo_batch(cases, args.grpo_runs)
        bar.update(1)
    bar.close()

    results["meta"]["load_average_at_end"] = _load_average()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(markdown(results))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
