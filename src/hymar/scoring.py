"""`hymar score`: score a JSONL file of rollouts with a hybrid reward, line by line errors, summary table.

Groups are kept whole: rollouts sharing a "group" id are scored in the same batch wherever they sit in
the file, so group-relative terms (length penalty, normalisation) see the full group. Output lines keep
the input order. The output file is written to a temporary file and renamed at the end, so an
interrupted run never leaves a truncated file behind.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hymar.atomic import atomic_write_text
from hymar.data.records import RecordError, group_key, sample_from_record, scored_record
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score, component_metrics


@dataclass
class ScoreSummary:
    """What a scoring run did: counts and the per-component scores for the summary table."""

    lines: int = 0
    failed: int = 0
    scores: dict[str, list[Score]] = field(default_factory=dict)
    rewards: list[float] = field(default_factory=list)

    def table(self) -> str:
        """A plain-text table: one row per component, plus the total."""
        header = f"{'component':<16} {'n':>6} {'applies':>8} {'mean':>8} {'std':>8} {'conf':>6} {'invalid':>8}"
        rows = [header, "-" * len(header)]
        for name, scores in self.scores.items():
            m = component_metrics(name, scores, prefix="r")
            applies = sum(1 for s in scores if s.applies)
            rows.append(
                f"{name:<16} {len(scores):>6} {applies:>8} {_fmt(m[f'r/{name}/mean'])} {_fmt(m[f'r/{name}/std'])}"
                f" {_fmt(m[f'r/{name}/confidence'], 6)} {m[f'r/{name}/invalid_rate']:>8.1%}"
            )
        finite = [r for r in self.rewards if math.isfinite(r)]
        mean = sum(finite) / len(finite) if finite else float("nan")
        rows.append("-" * len(header))
        rows.append(f"{'reward (total)':<16} {len(self.rewards):>6} {len(finite):>8} {_fmt(mean)}")
        rows.append(f"lines: {self.lines}, failed: {self.failed}")
        return "\n".join(rows)


def _fmt(x: float, width: int = 8) -> str:
    return f"{'-':>{width}}" if math.isnan(x) else f"{x:>{width}.3f}"


@dataclass
class _Parsed:
    line_no: int
    record: dict[str, Any] | None = None
    sample: Sample | None = None
    group: Hashable | None = None
    error: str | None = None


def read_records(stream: TextIO, base_dir: Path | None) -> Iterator[_Parsed]:
    """Parse each non-empty line; a bad line becomes an error entry, never an exception."""
    for line_no, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield _Parsed(line_no, error=f"line {line_no}: invalid JSON: {err.msg} (column {err.colno})")
            continue
        try:
            sample = sample_from_record(record, base_dir)
        except RecordError as err:
            rec = record if isinstance(record, dict) else None
            yield _Parsed(line_no, record=rec, error=f"line {line_no}: {err}")
            continue
        yield _Parsed(line_no, record=record, sample=sample, group=group_key(record, line_no))


def score_jsonl(
    input_path: str | Path,
    output_path: str | Path,
    reward: HybridReward,
    batch_size: int = 256,
    progress: bool = True,
) -> ScoreSummary:
    """Score every line of ``input_path`` into ``output_path``.

    Args:
        input_path: JSONL in the `hymar score` line format ("-" for stdin).
        output_path: where the scored JSONL goes ("-" for stdout); written atomically.
        reward: the composite reward.
        batch_size: samples per reward call (whole groups are never split).
        progress: show a tqdm progress bar on stderr.
    Returns:
        The run's summary (counts, per-component scores).
    """
    from tqdm import tqdm

    base_dir = None if str(input_path) == "-" else Path(input_path).resolve().parent
    if str(input_path) == "-":
        import sys

        parsed = list(read_records(sys.stdin, base_dir))
    else:
        with open(input_path, encoding="utf-8", errors="surrogateescape") as stream:
            parsed = list(read_records(stream, base_dir))

    summary = ScoreSummary(lines=len(parsed))
    outputs: dict[int, dict[str, Any]] = {}
    good = [p for p in parsed if p.sample is not None]
    with tqdm(total=len(good), desc="scoring", unit="sample", disable=not progress, dynamic_ncols=True) as bar:
        for batch in _batches_by_group(good, batch_size):
            try:
                result = reward([p.sample for p in batch], [p.group for p in batch])
            except Exception as err:  # noqa: BLE001 - the batch's lines get error records; the run goes on
                reason = f"scoring failed: {type(err).__name__}: {str(err)[:200]}"
                for p in batch:
                    p.error = reason
                bar.update(len(batch))
                continue
            for i, p in enumerate(batch):
                outputs[p.line_no] = scored_record(p.record, result, i)
                summary.rewards.append(result.rewards[i])
            for name, scores in result.components.items():
                summary.scores.setdefault(name, []).extend(scores)
            bar.update(len(batch))

    for p in parsed:
        if p.error is not None:
            summary.failed += 1
            record_id = p.record.get("id") if p.record else None
            outputs[p.line_no] = {"id": record_id, "line": p.line_no, "error": p.error}
    lines = [json.dumps(outputs[p.line_no], ensure_ascii=True, default=str) for p in parsed]
    _write_atomic(output_path, lines)
    return summary


def _batches_by_group(items: list[_Parsed], batch_size: int) -> Iterator[list[_Parsed]]:
    """Yield batches of whole groups (a group larger than batch_size is its own batch)."""
    groups: dict[Hashable, list[_Parsed]] = {}
    for p in items:
        groups.setdefault(p.group, []).append(p)
    batch: list[_Parsed] = []
    for members in groups.values():
        if batch and len(batch) + len(members) > batch_size:
            yield batch
            batch = []
        batch.extend(members)
    if batch:
        yield batch


def _write_atomic(path: str | Path, lines: list[str]) -> None:
    """Write the output lines to stdout ("-") or atomically to a file (see `hymar.atomic`)."""
    text = "".join(line + "\n" for line in lines)
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    atomic_write_text(path, text, errors="surrogateescape")
