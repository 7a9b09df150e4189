"""hymar's verifier and math-verify on other projects' answer-grader test suites (../shared/peer-suites).

The suites (482 cases from Math-Verify, lighteval, NeMo-Skills, open-instruct, hendrycks/math and
TRL, each label what that project's own test asserts) are read at run time from
``<repo>/../shared/peer-suites/cases.jsonl``; they are other projects' test data and are never
copied into this repository. Without that folder (a fresh clone) the script says so and exits 0.

Each verifier is called as its users call it: hymar ``verify(completion, gold, task=task,
prompt=prompt)`` (value 1.0 = "equivalent", 0.0 = "not", invalid = a disagreement); math-verify
``verify(parse(gold_mv), parse(completion))`` with its defaults, in the main thread. Printed:

1. per source: cases, agreement of both, hymar's false positives / false negatives / invalid, and
   agreement on the undisputed cases (``disputed: true`` marks a label believed wrong or
   setting-dependent; it is never relabelled, only reported apart);
2. conventions where hymar deliberately differs from some peer (several boxes as a set, decimal
   commas, bracketed answers, option-text golds without a prompt, list order, lower-case letters,
   answers only in the reasoning, rounding of exact constants, a box contradicted by a later final
   line): the cases that touch each, and both verifiers' agreement on them;
3. the confidence analysis: how well hymar's confidence separates its right verdicts from its
   wrong ones (AUROC; target >= 0.8), agreement per confidence bin, wrong verdicts at confidence
   1.0 (target: none on undisputed cases); the same on the project's own labelled set.

The JSON report (``--out``) holds the numbers and, per disagreement, only the case id, the label
and hymar's verdict, source and method: not the other projects' text.

Usage:
    python benchmarks/bench_peer_suites.py [--suites DIR] [--out benchmarks/results/peer_suites.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SUITES = ROOT.parent / "shared" / "peer-suites"
DEFAULT_OUT = HERE / "results" / "peer_suites.json"
OWN_SET = HERE / "data" / "answer_equivalence.jsonl"
#: confidence bins: [low, high)
BINS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.0), (1.0, 1.01))

sys.path.insert(0, str(HERE))
from peer_conventions import CONVENTIONS, conventions_of  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One peer case (the fields the benchmark uses)."""

    id: str
    source: str
    gold: str
    gold_mv: str
    completion: str
    expected: bool
    task: str | None
    prompt: str | None
    disputed: bool


@dataclass(frozen=True)
class Verdict:
    """hymar's verdict on one case: ``judged`` is None when the Score was invalid."""

    judged: bool | None
    confidence: float
    source: str | None
    method: str | None
    extracted: str | None


def load_peer_cases(folder: Path) -> list[Case]:
    """Read ``cases.jsonl`` from ``folder``."""
    out = []
    with open(folder / "cases.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out.append(
                    Case(
                        r["id"], r["source_repo"], r["gold"], r["gold_mv"], r["completion"], bool(r["expected"]),
                        r.get("task"), r.get("prompt"), bool(r.get("disputed", False)),
                    )  # fmt: skip
                )
    return out


def hymar_verdicts(cases: Sequence[Case]) -> list[Verdict]:
    from hymar.rewards.rules.verifier import verify

    out = []
    for c in cases:
        score = verify(c.completion, c.gold, task=c.task, prompt=c.prompt)
        judged = None if not score.valid else score.value == 1.0
        info = score.info or {}
        out.append(Verdict(judged, float(score.confidence), info.get("source"), info.get("method"), info.get("extracted")))
    return out


def math_verify_verdicts(cases: Sequence[Case]) -> list[bool]:
    from math_verify import parse, verify

    out = []
    for c in cases:
        try:
            out.append(bool(verify(parse(c.gold_mv), parse(c.completion))))
        except Exception:  # noqa: BLE001 -- a crash on a case counts as "not equivalent"
            out.append(False)
    return out


# ---------------------------------------------------------------------------------------- tables
def agreement_table(
    cases: Sequence[Case], hymar: Sequence[Verdict], mv: Sequence[bool], key: Callable[[Case], str]
) -> dict[str, dict[str, Any]]:
    """Per group (and "overall"): cases, agreements, hymar's FP/FN/invalid, undisputed agreement."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[key(c)].append(i)
    groups["overall"] = list(range(len(cases)))
    table = {}
    for name, idx in groups.items():
        und = [i for i in idx if not cases[i].disputed]
        table[name] = {
            "cases": len(idx),
            "hymar": _rate([hymar[i].judged == cases[i].expected for i in idx]),
            "math_verify": _rate([mv[i] == cases[i].expected for i in idx]),
            "hymar_fp": sum(hymar[i].judged is True and not cases[i].expected for i in idx),
            "hymar_fn": sum(hymar[i].judged is False and cases[i].expected for i in idx),
            "hymar_invalid": sum(hymar[i].judged is None for i in idx),
            "mv_fp": sum(mv[i] and not cases[i].expected for i in idx),
            "mv_fn": sum(not mv[i] and cases[i].expected for i in idx),
            "undisputed": len(und),
            "hymar_undisputed": _rate([hymar[i].judged == cases[i].expected for i in und]),
            "math_verify_undisputed": _rate([mv[i] == cases[i].expected for i in und]),
            "disputed": len(idx) - len(und),
            "hymar_disputed": _rate([hymar[i].judged == cases[i].expected for i in idx if cases[i].disputed]),
        }
    return table


def convention_table(cases: Sequence[Case], hymar: Sequence[Verdict], mv: Sequence[bool]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    tags = [conventions_of(c.gold, c.completion, c.task, c.prompt) for c in cases]
    for name, text in CONVENTIONS.items():
        idx = [i for i, t in enumerate(tags) if name in t]
        if not idx:
            continue
        out[name] = {
            "convention": text,
            "cases": len(idx),
            "hymar": _rate([hymar[i].judged == cases[i].expected for i in idx]),
            "math_verify": _rate([mv[i] == cases[i].expected for i in idx]),
            "hymar_disagrees": [cases[i].id for i in idx if hymar[i].judged != cases[i].expected],
        }
    return out


def confidence_analysis(right: Sequence[bool], confidence: Sequence[float]) -> dict[str, Any]:
    """AUROC of ``confidence`` as a score for "the verdict is right", agreement per bin, and the
    wrong verdicts at confidence 1.0."""
    bins = []
    for low, high in BINS:
        idx = [i for i, c in enumerate(confidence) if low <= c < high]
        label = "1.0" if low == 1.0 else f"[{low:.1f}, {high:.1f})"
        bins.append({"bin": label, "cases": len(idx), "agreement": _rate([right[i] for i in idx])})
    return {
        "cases": len(right),
        "wrong": sum(not r for r in right),
        "auroc": auroc(right, confidence),
        "bins": bins,
        "wrong_at_confidence_1": sum(1 for r, c in zip(right, confidence) if not r and c >= 1.0),
    }


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half);
    None when one class is empty. O(n log n) by ranking."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    ranked = sorted((s, y) for s, y in zip(scores, labels))
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # ranks i+1 .. j share their mean
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def own_set_confidence() -> dict[str, Any]:
    from hymar.rewards.rules.verifier import verify

    right, conf = [], []
    with open(OWN_SET, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            s = verify(r["completion"], r["gold"], task=r.get("task"), prompt=r.get("prompt"))
            right.append((s.valid and s.value == 1.0) == r["correct"])
            conf.append(float(s.confidence))
    return confidence_analysis(right, conf)


def _rate(xs: Sequence[bool]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


# ---------------------------------------------------------------------------------------- output
def markdown(report: dict[str, Any]) -> str:
    lines = ["## Peer suites: agreement with each project's own labels", ""]
    lines.append(
        "| source | cases | hymar | math-verify | hymar FP / FN / invalid | undisputed | hymar (undisputed) "
        "| math-verify (undisputed) | disputed: hymar agrees |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, t in report["by_source"].items():
        bold = "**" if name == "overall" else ""
        lines.append(
            f"| {bold}{name}{bold} | {t['cases']} | {_pct(t['hymar'])} | {_pct(t['math_verify'])} | "
            f"{t['hymar_fp']} / {t['hymar_fn']} / {t['hymar_invalid']} | {t['undisputed']} | "
            f"{bold}{_pct(t['hymar_undisputed'])}{bold} | {_pct(t['math_verify_undisputed'])} | "
            f"{_pct(t['hymar_disputed'])} of {t['disputed']} |"
        )
    lines += ["", "## Conventions (cases that touch each; hymar's rule in the last column)", ""]
    lines.append("| convention | cases | hymar | math-verify | hymar's convention |")
    lines.append("|---|---:|---:|---:|---|")
    for name, t in report["conventions"].items():
        lines.append(f"| {name} | {t['cases']} | {_pct(t['hymar'])} | {_pct(t['math_verify'])} | {t['convention']} |")
    lines += ["", "## Confidence: does it separate hymar's right verdicts from its wrong ones?", ""]
    lines.append("| set | cases | wrong | AUROC | wrong at confidence 1.0 | " + " | ".join(b for b in _bin_names()) + " |")
    lines.append("|---|---:|---:|---:|---:|" + "---:|" * len(BINS))
    for name, c in report["confidence"].items():
        cells = [f"{_pct(b['agreement'])} ({b['cases']})" for b in c["bins"]]
        au = "n/a (no wrong verdict)" if c["auroc"] is None else f"{c['auroc']:.3f}"
        lines.append(f"| {name} | {c['cases']} | {c['wrong']} | {au} | {c['wrong_at_confidence_1']} | " + " | ".join(cells) + " |")
    lines.append("\nBins give hymar's agreement with the labels (and the number of cases) per confidence range.")
    return "\n".join(lines)


def _bin_names() -> list[str]:
    return ["1.0" if low == 1.0 else f"[{low:.1f}, {high:.1f})" for low, high in BINS]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="hymar vs math-verify on other projects' answer-grader test suites")
    p.add_argument("--suites", type=Path, default=Path(os.environ.get("HYMAR_PEER_SUITES", DEFAULT_SUITES)),
                   help="folder holding cases.jsonl (default: %(default)s)")  # fmt: skip
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report (default: %(default)s)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.suites / "cases.jsonl").is_file():
        print(f"peer suites not found at {args.suites} (they live outside the repository, in ../shared/peer-suites); skipping")
        return 0
    for name in ("math_verify", "math_verify.parser", "math_verify.grader", "latex2sympy2_extended"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    cases = load_peer_cases(args.suites)
    t0 = time.perf_counter()
    hymar = hymar_verdicts(cases)
    hymar_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    mv = math_verify_verdicts(cases)
    mv_s = time.perf_counter() - t0
    undisputed = [i for i, c in enumerate(cases) if not c.disputed]
    report: dict[str, Any] = {
        "meta": {
            "suites": str(args.suites),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
            "seconds": {"hymar": round(hymar_s, 2), "math_verify": round(mv_s, 2)},
        },
        "by_source": agreement_table(cases, hymar, mv, key=lambda c: c.source),
        "conventions": convention_table(cases, hymar, mv),
        "confidence": {
            "peer suites, undisputed": confidence_analysis(
                [hymar[i].judged == cases[i].expected for i in undisputed], [hymar[i].confidence for i in undisputed]
            ),
            "peer suites, all": confidence_analysis(
                [v.judged == c.expected for v, c in zip(hymar, cases)], [v.confidence for v in hymar]
            ),
            "own labelled set": own_set_confidence(),
        },
        "disagreements": [
            {"id": c.id, "expected": c.expected, "disputed": c.disputed, "hymar": v.judged,
             "confidence": round(v.confidence, 3), "source": v.source, "method": v.method}
            for c, v in zip(cases, hymar) if v.judged != c.expected
        ],  # fmt: skip
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
