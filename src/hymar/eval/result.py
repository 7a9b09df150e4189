"""The outcome of an evaluation: per-domain `DomainStats` and the `EvalResult` that holds them.

Plain data in a module of its own, below both the scoring (`hymar.eval.evaluate`) that builds it and
the reports (`hymar.eval.report`) that render it; the convenience methods import the report module
only when called, so the two never import each other at load time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OVERALL = "overall"


@dataclass(frozen=True)
class DomainStats:
    """Aggregates over one domain's rows (or all rows).

    Args:
        n: rows.
        verifiable: rows with a gold answer and a non-open task.
        correct: verifiable rows the verifier judged right.
        invalid: verifiable rows the verifier could not judge (counted wrong).
        format: mean `FormatAspect` value.
        format_strict: share of rows with a perfect format.
        adherence: mean `InstructionAdherence` value where it applies (None: nowhere).
        mean_length: mean completion length in words.
        model_reward: mean model-component score where it applies (None: no reward given / nowhere).
        reward: mean total reward of the given preset (None: no reward given).
        anls: mean ANLS over the rows graded with ``metric: anls`` (DocVQA), None where none is.
    """

    n: int
    verifiable: int
    correct: int
    invalid: int
    format: float
    format_strict: float
    adherence: float | None
    mean_length: float
    model_reward: float | None = None
    reward: float | None = None
    anls: float | None = None

    @property
    def accuracy(self) -> float | None:
        """correct / verifiable, None without verifiable rows."""
        return self.correct / self.verifiable if self.verifiable else None


@dataclass(frozen=True)
class EvalResult:
    """The outcome of an evaluation.

    Args:
        policy: what was evaluated (a path, or a label).
        domains: per-domain `DomainStats`, in first-seen order.
        overall: `DomainStats` over all rows.
        generations: one record per row: id, domain, task, prompt, completion, answer, reference,
            correct (None when not verifiable), verdict (the verifier's reason when it was not a plain
            verdict), format, adherence, length, model_reward, reward.
        settings: how it was produced (generation settings, reward, dataset size...).
    """

    policy: str
    domains: dict[str, DomainStats]
    overall: DomainStats
    generations: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def accuracy(self) -> dict[str, float]:
        """``{"overall": float, "<domain>": float, ...}`` over the domains that have verifiable rows."""
        out = {}
        if self.overall.accuracy is not None:
            out[OVERALL] = self.overall.accuracy
        out.update({d: s.accuracy for d, s in self.domains.items() if s.accuracy is not None})
        return out

    @property
    def mean_length(self) -> float:
        return self.overall.mean_length

    def to_dict(self, *, with_generations: bool = True) -> dict[str, Any]:
        """JSON-ready summary (see `hymar.eval.report.result_to_dict`)."""
        from hymar.eval.report import result_to_dict

        return result_to_dict(self, with_generations=with_generations)

    def to_json(self, *, with_generations: bool = True) -> str:
        """The summary as indented JSON text."""
        import json

        return json.dumps(self.to_dict(with_generations=with_generations), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        """A markdown report: a table per domain plus a few example generations."""
        from hymar.eval.report import result_to_markdown

        return result_to_markdown(self)

    def save(self, out_dir: str | Path, stem: str = "eval") -> tuple[Path, Path]:
        """Write ``<stem>.json`` (with generations) and ``<stem>.md`` to ``out_dir``; returns both paths."""
        from hymar.eval.report import write_report

        return write_report(self, out_dir, stem=stem)
