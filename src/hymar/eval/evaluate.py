"""Score a policy's generations on a test split with the training reward's own checks.

Per row (one greedy completion per prompt):

- correct: `hymar.rewards.rules.verifier.verify` (the "accuracy" component of every preset) against
  the gold answer (or any of several acceptable golds, with a per-row numeric tolerance, when the row's
  metadata carries a "grading" object: see `hymar.eval.grading`), for verifiable rows (a gold answer
  and a task that is not open-ended). An invalid
  verdict (the verifier could not judge, e.g. an over-long answer) counts as wrong and is counted in
  ``invalid``; accuracy is correct / verifiable rows.
- format: `FormatAspect` (``<think>..</think><answer>..</answer>``) value in [0, 1] (the fraction of
  its sub-checks passed) and ``format_strict``, the share of completions passing every sub-check.
- adherence: `InstructionAdherence` (format + the constraints the prompt states), where it applies.
- ANLS (DocVQA's metric, `hymar.rewards.anls`) for rows whose grading says ``metric: anls``, per
  row (``anls``) and averaged per domain, next to the 0/1 verdict.
- grounding rows (task "grounding"): correct means IoU >= 0.5 with the gold box (`GroundingIoU`,
  frames from the row's metadata; see `hymar.eval.grounding`), and the record carries the IoU.
- length: words of the completion, whitespace-split (the unit of the presets' length penalty).
- model reward (optional): the "model" component of a reward preset/config (embedding similarity to
  the reference by default, or a learned reward model), scored on every row (not only where the
  hybrid routes to it) and averaged over the rows where it applies; and the
  preset's total reward with each row as its own group (a group-relative length term is then 0).

Aggregates per domain (the ``domain`` column, else the task tag) and "overall". Overall accuracy is
micro-averaged over verifiable rows; with the synthetic suite's balanced domains it is within rounding
of the macro average. Domains without verifiable rows (open-ended "describe") have no accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hymar.rewards.types import Sample, prompt_to_text

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


# ----------------------------------------------------------------------------- scoring
def _is_verifiable(answer: Any, task: Any) -> bool:
    from hymar.rewards.rules.answer_type import normalize_task

    return answer is not None and str(answer).strip() != "" and normalize_task(task) != "open"


def _domain(row: Mapping[str, Any]) -> str:
    return str(row.get("domain") or row.get("task") or "default")


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _mean(values: Sequence[float | None]) -> float | None:
    kept = _finite(values)
    return sum(kept) / len(kept) if kept else None


def score_generations(
    rows: Sequence[Mapping[str, Any]],
    completions: Sequence[str],
    *,
    reward: Any = None,
    policy: str = "",
    settings: Mapping[str, Any] | None = None,
) -> EvalResult:
    """Score given completions of given rows (the scoring half of `evaluate`).

    Args:
        rows: task rows (``prompt`` and optionally id, domain, task, answer, reference, image).
        completions: one completion per row.
        reward: optional `HybridReward`, preset name, config path or mapping; its "model" component
            gives ``model_reward`` and its total gives ``reward``.
        policy: label stored in the result.
        settings: stored in the result.

    Returns:
        The `EvalResult`.

    Raises:
        ValueError: rows and completions differ in length.
    """
    from hymar.eval.grading import anls_of, grade, grading_of_row
    from hymar.eval.grounding import grade_grounding, is_grounding
    from hymar.rewards.aspects import FormatAspect, InstructionAdherence

    if len(rows) != len(completions):
        raise ValueError(f"got {len(completions)} completions for {len(rows)} rows")
    fmt, adherence = FormatAspect(), InstructionAdherence()
    samples = [
        Sample(
            prompt=row.get("prompt") or "",
            completion=completion if isinstance(completion, str) else "",
            images=(row["image"],) if row.get("image") is not None else (),
            answer=None if row.get("answer") is None else str(row["answer"]),
            reference=row.get("reference"),
            task=row.get("task"),
            metadata={"id": row.get("id"), "domain": _domain(row)},
        )
        for row, completion in zip(rows, completions)
    ]
    model_scores, totals = _reward_scores(reward, samples)
    records = []
    for i, (row, sample) in enumerate(zip(rows, samples)):
        prompt_text = prompt_to_text(sample.prompt)
        verifiable = _is_verifiable(sample.answer, sample.task)
        correct, verdict, iou, anls = None, None, None, None
        if verifiable and is_grounding(sample.task):
            # boxes: IoU@0.5 with the grounding reward (hymar.eval.grounding), not the answer verifier
            score = grade_grounding(sample, row)
            correct = bool(score.valid and score.value is not None and score.value >= 0.5)
            verdict = None if score.valid else str(score.info.get("reason", "invalid"))
            invalid = not score.valid
            iou = (score.info.get("ious") or [0.0])[0] if score.valid else None
        elif verifiable:
            # several acceptable golds / a numeric tolerance when the row's metadata says so (benchmarks)
            grading = grading_of_row(row)
            score = grade(sample.completion, sample.answer, task=sample.task, prompt=prompt_text, grading=grading)
            anls = anls_of(sample.completion, sample.answer, grading)
            correct = bool(score.valid and score.value is not None and score.value >= 0.5)
            if not score.valid or "reason" in score.info:
                verdict = str(score.info.get("reason", "invalid"))
            invalid = not score.valid
        else:
            invalid = False
        fmt_score = fmt.score_one(sample)
        adh = adherence.score_one(sample)
        records.append(
            {
                "id": row.get("id"),
                "domain": _domain(row),
                "task": sample.task,
                "prompt": prompt_text,
                "completion": sample.completion,
                "answer": sample.answer,
                "reference": sample.reference,
                "correct": correct,
                "invalid": invalid,
                "verdict": verdict,
                "format": float(fmt_score.value) if fmt_score.applies else 0.0,
                "adherence": float(adh.value) if adh.applies else None,
                "length": len(sample.completion.split()),
                "model_reward": model_scores[i],
                "reward": totals[i],
                **({"iou": iou} if is_grounding(sample.task) else {}),
                **({"anls": anls} if anls is not None else {}),
            }
        )
    domains: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        domains.setdefault(record["domain"], []).append(record)
    info = dict(settings or {})
    if reward is not None:
        info.setdefault("reward", reward if isinstance(reward, str) else type(reward).__name__)
    return EvalResult(
        policy=policy,
        domains={d: _aggregate(rs, reward is not None) for d, rs in domains.items()},
        overall=_aggregate(records, reward is not None),
        generations=records,
        settings=info,
    )


def _reward_scores(reward: Any, samples: list[Sample]) -> tuple[list[float | None], list[float | None]]:
    """Per sample: the model component's value (None where it does not apply) and the total reward."""
    n = len(samples)
    if reward is None or n == 0:
        return [None] * n, [None] * n
    from hymar.rewards.hybrid import resolve_reward

    reward = resolve_reward(reward)
    groups = list(range(n))  # one completion per prompt: every row is its own group
    result = reward(samples, groups)
    # Scored directly on every row: inside the reward, a zero-weight model component is only run where
    # the hybrid routing needs it (``hybrid.score_model: routed``), which would hide it on verifiable rows.
    component = getattr(reward, "components", {}).get("model")  # presets name their model-based component "model"
    scores = component(samples, groups) if component is not None else None
    model = [float(s.value) if s.applies else None for s in scores] if scores is not None else [None] * n
    totals = [float(r) if math.isfinite(r) else None for r in result.rewards]
    return model, totals


def _aggregate(records: list[dict[str, Any]], with_reward: bool) -> DomainStats:
    verifiable = [r for r in records if r["correct"] is not None]
    n = len(records)
    return DomainStats(
        n=n,
        verifiable=len(verifiable),
        correct=sum(1 for r in verifiable if r["correct"]),
        invalid=sum(1 for r in verifiable if r["invalid"]),
        format=sum(r["format"] for r in records) / n if n else 0.0,
        format_strict=sum(1 for r in records if r["format"] >= 1.0) / n if n else 0.0,
        adherence=_mean([r["adherence"] for r in records]),
        mean_length=sum(r["length"] for r in records) / n if n else 0.0,
        model_reward=_mean([r["model_reward"] for r in records]) if with_reward else None,
        reward=_mean([r["reward"] for r in records]) if with_reward else None,
        anls=_mean([r.get("anls") for r in records]),
    )


# ----------------------------------------------------------------------------- end to end
def evaluate(
    policy_path: str | Path,
    dataset: Any,
    *,
    batch_size: int = 16,
    max_new_tokens: int = 128,
    reward: Any = None,
    temperature: float = 0.0,
    seed: int = 0,
    device: str | None = None,
    progress: bool = True,
) -> EvalResult:
    """Generate on ``dataset`` with the policy at ``policy_path`` and score the completions.

    Args:
        policy_path: any policy folder or Hub id `hymar.models.loading.load_policy` accepts.
        dataset: a task dataset (``datasets.Dataset`` or a sequence of row mappings), e.g. the "test"
            split of ``hymar.data.synthetic.build_task_suite``.
        batch_size: prompts per ``generate`` call.
        max_new_tokens: tokens generated per prompt.
        reward: optional reward (preset name, config, `HybridReward`) for the model-reward score.
        temperature: 0 = greedy (default); > 0 samples.
        seed: sampling seed.
        device: torch device; None: "cuda" when available, else "cpu".
        progress: show a progress bar.

    Returns:
        The `EvalResult` (``.save(dir)`` writes JSON + markdown).
    """
    import torch

    from hymar.eval.generate import GenerationSettings, generate_completions
    from hymar.models.loading import load_policy

    settings = GenerationSettings(max_new_tokens=max_new_tokens, batch_size=batch_size, temperature=temperature, seed=seed)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    rows = _rows(dataset)
    model, processing_class = load_policy(policy_path, device=device)
    completions = generate_completions(model, processing_class, rows, settings, progress=progress)
    info = {
        "rows": len(rows),
        "max_new_tokens": max_new_tokens,
        "batch_size": batch_size,
        "decoding": "greedy" if temperature == 0 else f"sampling (temperature {temperature}, seed {seed})",
        "device": device,
    }
    return score_generations(rows, completions, reward=reward, policy=str(policy_path), settings=info)


def _rows(dataset: Any) -> list[dict[str, Any]]:
    """Rows as dicts (images decoded); drops the SFT target so it cannot reach a scorer by mistake."""
    names = getattr(dataset, "column_names", None)
    if names is not None and "demonstration" in names:
        dataset = dataset.remove_columns(["demonstration"])
    return [dict(row) for row in dataset]
