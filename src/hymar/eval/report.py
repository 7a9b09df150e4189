"""JSON and markdown reports of an `EvalResult`.

JSON layout (``eval.json``)::

    {"policy": str, "settings": {...},
     "accuracy": {"overall": float, "<domain>": float, ...},      # verifiable domains only
     "mean_length": float,                                          # words, all rows
     "overall": {stats}, "domains": {"<domain>": {stats}, ...},
     "generations": [{id, domain, task, prompt, completion, answer, reference, correct, invalid,
                      verdict, format, adherence, length, model_reward, reward}, ...]}

where {stats} = n, verifiable, correct, invalid, accuracy, format, format_strict, adherence,
mean_length, model_reward, reward, anls (None where it does not apply). ``accuracy`` and ``mean_length`` at
the top level are the keys ``hymar demo``'s results.json reuses.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hymar.atomic import atomic_write_text

if TYPE_CHECKING:
    from hymar.eval.result import DomainStats, EvalResult

#: example generations shown per domain in the markdown report
EXAMPLES_PER_DOMAIN = 2
_EXAMPLE_CHARS = 300


def stats_to_dict(stats: DomainStats) -> dict[str, Any]:
    """A `DomainStats` as a dict, with its accuracy."""
    return {**asdict(stats), "accuracy": stats.accuracy}


def result_to_dict(result: EvalResult, *, with_generations: bool = True) -> dict[str, Any]:
    """The JSON-ready form of ``result`` (layout in the module docstring)."""
    out: dict[str, Any] = {
        "policy": result.policy,
        "settings": dict(result.settings),
        "accuracy": result.accuracy,
        "mean_length": result.mean_length,
        "overall": stats_to_dict(result.overall),
        "domains": {d: stats_to_dict(s) for d, s in result.domains.items()},
    }
    if with_generations:
        out["generations"] = list(result.generations)
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _clip(text: str | None) -> str:
    text = (text or "").replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= _EXAMPLE_CHARS else text[:_EXAMPLE_CHARS] + "..."


def result_to_markdown(result: EvalResult) -> str:
    """A markdown report: settings, one table row per domain plus overall, and example generations.

    Returns:
        Markdown text.
    """
    with_reward = result.overall.reward is not None or result.overall.model_reward is not None
    head = ["domain", "n", "accuracy %", "correct / verifiable", "invalid", "format", "format strict %", "adherence", "mean length (words)"]
    if with_reward:
        head += ["model reward", "reward"]
    with_anls = result.overall.anls is not None
    if with_anls:
        head.insert(3, "ANLS")
    lines = [f"# Evaluation of `{result.policy}`", ""]
    if result.settings:
        lines += ["Settings: " + ", ".join(f"{k} = {v}" for k, v in result.settings.items()), ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, stats in [*result.domains.items(), ("**overall**", result.overall)]:
        cells = [
            name,
            str(stats.n),
            _pct(stats.accuracy),
            f"{stats.correct} / {stats.verifiable}" if stats.verifiable else "-",
            str(stats.invalid) if stats.verifiable else "-",
            _num(stats.format),
            _pct(stats.format_strict),
            _num(stats.adherence),
            f"{stats.mean_length:.1f}",
        ]
        if with_reward:
            cells += [_num(stats.model_reward), _num(stats.reward)]
        if with_anls:
            cells.insert(3, _num(stats.anls))
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        "Accuracy: the rule verifier's verdict on rows with a gold answer (open-ended rows have none); "
        "overall is micro-averaged. Format: fraction of the <think>/<answer> checks passed."
    )
    lines += ["", note]
    examples = _examples(result)
    if examples:
        lines += ["", "## Example generations", "", "| domain | answer | correct | completion |", "|---|---|---|---|"]
        lines += examples
    return "\n".join(lines) + "\n"


def _examples(result: EvalResult) -> list[str]:
    shown: dict[str, int] = {}
    rows = []
    for record in result.generations:
        domain = record["domain"]
        if shown.get(domain, 0) >= EXAMPLES_PER_DOMAIN:
            continue
        shown[domain] = shown.get(domain, 0) + 1
        correct = {True: "yes", False: "no", None: "-"}[record["correct"]]
        answer = record["answer"] if record["answer"] is not None else "-"
        rows.append(f"| {domain} | {_clip(answer)} | {correct} | {_clip(record['completion'])} |")
    return rows


def write_report(result: EvalResult, out_dir: str | Path, *, stem: str = "eval") -> tuple[Path, Path]:
    """Write ``<stem>.json`` (generations included) and ``<stem>.md`` into ``out_dir`` (created).

    Returns:
        ``(json_path, markdown_path)``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    # atomic: a killed run leaves the previous report or the whole new one, never half a file
    atomic_write_text(json_path, json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(md_path, result_to_markdown(result))
    return json_path, md_path
