"""Score a policy's generations on a test split with the training reward's own checks.

Per row (one greedy completion per prompt), every check scored through a `HybridReward` and read by
component name (`CHECKS_CONFIG`), and the optional reward in one pass of its own:

- correct: `hymar.eval.grading.GradedAccuracy`, i.e. `hymar.rewards.rules.verifier.verify` (the "accuracy" component of every preset) against
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
- model reward (optional): the model-based component of a reward preset/config
  (`HybridReward.model_component`: embedding similarity to the reference by default, or a learned
  reward model), scored on every row (not only where the hybrid routes to it) and averaged over the
  rows where it applies; and the
  preset's total reward with each row as its own group (a group-relative length term is then 0).

Aggregates per domain (the ``domain`` column, else the task tag) and "overall". Overall accuracy is
micro-averaged over verifiable rows; with the synthetic suite's balanced domains it is within rounding
of the macro average. Domains without verifiable rows (open-ended "describe") have no accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.eval.grading import is_verifiable
from hymar.eval.result import DomainStats, EvalResult
from hymar.rewards.types import RewardSpec, Sample

# ----------------------------------------------------------------------------- scoring
#: the evaluation's own checks, scored through one `HybridReward` (weights 0: read by name, not summed)
CHECKS_CONFIG: dict[str, Any] = {
    "components": {
        "correct": {"type": "hymar.eval.grading:GradedAccuracy", "weight": 0.0},
        "format": {"weight": 0.0},
        "adherence": {"weight": 0.0},
    }
}


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
    reward: RewardSpec | None = None,
    policy: str = "",
    settings: Mapping[str, Any] | None = None,
) -> EvalResult:
    """Score given completions of given rows (the scoring half of `evaluate`).

    Args:
        rows: task rows (``prompt`` and optionally id, domain, task, answer, reference, image).
        completions: one completion per row.
        reward: optional `HybridReward`, preset name, config path or mapping; its model-based
            component (`HybridReward.model_component`) gives ``model_reward`` and its total ``reward``.
        policy: label stored in the result.
        settings: stored in the result.

    Returns:
        The `EvalResult`.

    Raises:
        ValueError: rows and completions differ in length.
    """
    from hymar.data.benchmarks.grading import grading_of_row
    from hymar.eval.grading import anls_of
    from hymar.eval.grounding import grounding_spec, is_grounding
    from hymar.rewards.hybrid import HybridReward

    if len(rows) != len(completions):
        raise ValueError(f"got {len(completions)} completions for {len(rows)} rows")
    samples = [
        Sample(
            prompt=row.get("prompt") or "",
            completion=completion if isinstance(completion, str) else "",
            images=(row["image"],) if row.get("image") is not None else (),
            answer=None if row.get("answer") is None else str(row["answer"]),
            reference=row.get("reference"),
            task=row.get("task"),
            # several acceptable golds / a numeric tolerance when the row's metadata says so (benchmarks)
            metadata={"id": row.get("id"), "domain": _domain(row), "grading": grading_of_row(row),
                      **({"grounding": grounding_spec(row)} if is_grounding(row.get("task")) else {})},
        )
        for row, completion in zip(rows, completions)
    ]
    groups = list(range(len(samples)))  # one completion per prompt: every row is its own group
    checks = HybridReward.from_config(CHECKS_CONFIG)(samples, groups).components
    model_scores, totals = _reward_scores(reward, samples, groups)
    records = []
    for i, (row, sample) in enumerate(zip(rows, samples)):
        verdict_score, fmt_score, adh = checks["correct"][i], checks["format"][i], checks["adherence"][i]
        correct, verdict, invalid, iou, anls = None, None, False, None, None
        if is_verifiable(sample.answer, sample.task):
            correct = bool(verdict_score.correct)
            if not verdict_score.valid or "reason" in verdict_score.info:
                verdict = str(verdict_score.info.get("reason", "invalid"))
            invalid = not verdict_score.valid
            if is_grounding(sample.task):
                iou = (verdict_score.info.get("ious") or [0.0])[0] if verdict_score.valid else None
            else:
                anls = anls_of(sample.completion, sample.answer, sample.metadata["grading"])
        records.append(
            {
                "id": row.get("id"),
                "domain": _domain(row),
                "task": sample.task,
                "prompt": sample.prompt_text,
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


def _reward_scores(
    reward: RewardSpec | None, samples: list[Sample], groups: list[int]
) -> tuple[list[float | None], list[float | None]]:
    """Per sample: the model component's value (None where it does not apply) and the total reward.

    One pass of the reward: a model that the hybrid scores only where routing needs it is scored on
    every row instead (`HybridReward.scoring_model_everywhere`; the totals do not change), so
    ``model_reward`` covers verifiable rows too.
    """
    n = len(samples)
    if reward is None or n == 0:
        return [None] * n, [None] * n
    from hymar.rewards.hybrid import HybridReward, resolve_reward

    reward = resolve_reward(reward)
    model_name = reward.model_component if isinstance(reward, HybridReward) else None
    if model_name is not None:
        reward = reward.scoring_model_everywhere()
    result = reward(samples, groups)
    scores = result.components.get(model_name) if model_name is not None else None
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
    reward: RewardSpec | None = None,
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
