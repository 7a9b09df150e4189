"""`hymar score`: score a JSONL file of rollouts with a hybrid reward, line by line errors, summary table.

Groups are kept whole: rollouts sharing a "group" id are scored in the same batch wherever they sit in
the file, so group-relative terms (length penalty, normalisation) see the full group. Output lines keep
the input order.

Faults stay on their line: every way a line can fail (not JSON, a number over Python's int-string limit,
nesting too deep for the parser, a field of the wrong type, an image path the OS refuses, a value too
deep to write back out) becomes that line's error record ``{"id", "line", "error"}``; a reward call that
raises costs only the groups that make it raise (`hymar.rewards.isolation`). A UTF-8 byte order mark on
line 1 is skipped. Output is always JSON: NaN and infinities (Python's json accepts them on input) are
written as null.

The output goes where `hymar.output_path` says: atomically to a regular file (an interrupted run never
leaves a truncated file behind), directly to a FIFO or device, through a symlink to its target. An
output or input that cannot be used raises `ScoreIOError` (exit code 2), checked before scoring where
possible.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hymar.data.jsonsafe import LineDecodeError, dumps_json, loads_line
from hymar.data.records import RecordError, group_key, sample_from_record, scored_record
from hymar.output_path import OutputError, check_output, write_output
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.isolation import score_isolated
from hymar.rewards.types import Sample, Score, component_metrics


class ScoreIOError(Exception):
    """The input cannot be read or the output cannot be written; the message names the path."""


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
        if line_no == 1:
            line = line.removeprefix("\ufeff")  # a BOM the stream's decoder did not strip
        if not line.strip():
            continue
        yield _parse_line(line, line_no, base_dir)


def _parse_line(line: str, line_no: int, base_dir: Path | None) -> _Parsed:
    record: Any = None
    try:
        record = loads_line(line)
        sample = sample_from_record(record, base_dir)
        group = group_key(record, line_no)
    except (LineDecodeError, RecordError) as err:
        return _Parsed(line_no, record=record if isinstance(record, dict) else None, error=f"line {line_no}: {err}")
    except Exception as err:  # noqa: BLE001 - whatever a line does, it costs only this line
        reason = f"line {line_no}: cannot read this line: {type(err).__name__}: {str(err)[:200]}"
        return _Parsed(line_no, record=record if isinstance(record, dict) else None, error=reason)
    return _Parsed(line_no, record=record, sample=sample, group=group)


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
        output_path: where the scored JSONL goes ("-" for stdout; see `hymar.output_path`).
        reward: the composite reward.
        batch_size: samples per reward call (whole groups are never split).
        progress: show a tqdm progress bar on stderr.
    Returns:
        The run's summary (counts, per-component scores).
    Raises:
        ScoreIOError: the input cannot be read or the output cannot be written (naming the path).
    """
    from tqdm import tqdm

    try:
        check_output(output_path)
    except OutputError as err:
        raise ScoreIOError(str(err)) from None
    parsed = _read_input(input_path)
    summary = ScoreSummary(lines=len(parsed))
    outputs: dict[int, dict[str, Any]] = {}
    good = [p for p in parsed if p.sample is not None]
    names = list(reward.component_names)
    with tqdm(total=len(good), desc="scoring", unit="sample", disable=not progress, dynamic_ncols=True) as bar:
        for batch in _batches_by_group(good, batch_size):
            scored = score_isolated(reward, [p.sample for p in batch], [p.group for p in batch], names)
            result = scored.result
            for i, p in enumerate(batch):
                if scored.errors[i] is not None:
                    p.error = scored.errors[i]
                    continue
                outputs[p.line_no] = scored_record(p.record, result, i)
                summary.rewards.append(result.rewards[i])
                for name, scores in result.components.items():
                    summary.scores.setdefault(name, []).append(scores[i])
            bar.update(len(batch))

    lines = [_encode(p, outputs.get(p.line_no)) for p in parsed]
    summary.failed = sum(1 for p in parsed if p.error is not None)
    try:
        write_output(output_path, "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape"))
    except OutputError as err:
        raise ScoreIOError(str(err)) from None
    return summary


def _read_input(input_path: str | Path) -> list[_Parsed]:
    """Every line of the input, parsed; ``utf-8-sig`` so a BOM on line 1 is not part of the JSON."""
    if str(input_path) == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # stdin replaced by a text stream: read_records strips a leading BOM itself
            return list(read_records(sys.stdin, None))
        stream = io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="surrogateescape")
        try:
            return list(read_records(stream, None))
        finally:
            stream.detach()  # leave sys.stdin's buffer open
    try:
        with open(input_path, encoding="utf-8-sig", errors="surrogateescape") as stream:
            return list(read_records(stream, Path(input_path).resolve().parent))
    except FileNotFoundError:
        raise ScoreIOError(f"cannot read {input_path}: no such file") from None
    except IsADirectoryError:
        raise ScoreIOError(f"cannot read {input_path}: it is a directory") from None
    except OSError as err:
        raise ScoreIOError(f"cannot read {input_path}: {err.strerror or err}") from None


def _encode(p: _Parsed, output: dict[str, Any] | None) -> str:
    """The output line of ``p``: its scored record, or its error record (also when encoding fails)."""
    if p.error is None and output is not None:
        try:
            return dumps_json(output)
        except (RecursionError, ValueError, TypeError) as err:
            p.error = f"line {p.line_no}: cannot write this line: {type(err).__name__}: {str(err)[:200]}"
    record_id = p.record.get("id") if p.record else None
    error = {"id": record_id, "line": p.line_no, "error": p.error or f"line {p.line_no}: not scored"}
    try:
        return dumps_json(error)
    except (RecursionError, ValueError, TypeError):  # an "id" that cannot be written: drop it
        return dumps_json({"id": None, "line": p.line_no, "error": error["error"]})


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
