"""Preference pairs from policy samples labelled by hymar's verifier (the third feedback source).

For each verifiable prompt, the policy samples ``k`` completions; `verify` labels each right or wrong
and the adherence aspects score each one. A right completion paired with a wrong one is a
correctness pair (chosen = right). Both completions also carry attribute scores (correctness 1/0 and
the adherence score) that a vector model's heads can regress on. This is the "pairs from policy
samples labelled by the verifiers" source of the issue; on CPU keep ``k`` and the prompt count small.

Generation uses ``hymar.models.loading.load_policy``, so any VLM or text policy path works.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.rewards.types import Sample, prompt_to_text
from hymar.train.rm.pairs import PreferencePair


def _row_sample(row: Mapping[str, Any], completion: str) -> Sample:
    image = row.get("image")
    return Sample(
        prompt=row["prompt"],
        completion=completion,
        images=() if image is None else (image,),
        answer=row.get("answer"),
        task=row.get("task"),
    )


def label_completion(row: Mapping[str, Any], completion: str) -> dict[str, float] | None:
    """Attribute scores of one completion: {"correctness": 1.0 | 0.0, "adherence": [0, 1]}.

    Returns:
        None when the verifier cannot judge (no gold, open task, invalid score); "adherence" is left
        out when no adherence aspect applies.
    """
    from hymar.rewards.aspects.adherence import InstructionAdherence
    from hymar.rewards.rules.verifier import verify

    if row.get("answer") is None or row.get("task") == "open":
        return None
    sample = _row_sample(row, completion)
    verdict = verify(completion, row["answer"], task=row.get("task"), prompt=prompt_to_text(row["prompt"]))
    if not verdict.applies:
        return None
    scores = {"correctness": 1.0 if verdict.correct else 0.0}
    adherence = InstructionAdherence().score_one(sample)
    if adherence.applies:
        scores["adherence"] = float(min(1.0, max(0.0, adherence.value)))
    return scores


def pair_policy_samples(
    rows: Sequence[Mapping[str, Any]],
    completions: Sequence[Sequence[str]],
    *,
    pairs_per_row: int = 1,
    seed: int = 0,
) -> list[PreferencePair]:
    """Correctness pairs (right, wrong) from labelled samples.

    Args:
        rows: task rows (prompt, image, answer, task, domain, id).
        completions: per row, the sampled completions.
        pairs_per_row: at most this many pairs per row (each right and each wrong completion is
            used at most once).
        seed: which right/wrong completions are paired.

    Returns:
        Pairs with aspect "correctness", source "policy" and attribute scores; rows with no right or
        no wrong completion (or that the verifier cannot judge) give none.
    """
    if len(rows) != len(completions):
        raise ValueError(f"{len(rows)} rows but {len(completions)} completion lists")
    rng = random.Random(seed)
    pairs = []
    for index, (row, texts) in enumerate(zip(rows, completions)):
        labelled = [(text, label_completion(row, text)) for text in dict.fromkeys(texts)]  # de-duplicated
        right = [(t, s) for t, s in labelled if s is not None and s["correctness"] == 1.0]
        wrong = [(t, s) for t, s in labelled if s is not None and s["correctness"] == 0.0]
        rng.shuffle(right)
        rng.shuffle(wrong)
        for n, ((good, good_s), (bad, bad_s)) in enumerate(zip(right, wrong)):
            if n >= pairs_per_row:
                break
            pairs.append(
                PreferencePair(
                    prompt=row["prompt"],
                    image=row.get("image"),
                    chosen=good,
                    rejected=bad,
                    aspect="correctness",
                    domain=str(row.get("domain") or row.get("task") or "default"),
                    source="policy",
                    id=f"{row.get('id', index)}:policy{n}",
                    task=row.get("task"),
                    answer=row.get("answer"),
                    chosen_scores=good_s,
                    rejected_scores=bad_s,
                )
            )
    return pairs


def sample_completions(
    policy: str | Path,
    rows: Sequence[Mapping[str, Any]],
    *,
    k: int = 4,
    max_new_tokens: int = 64,
    temperature: float = 1.0,
    batch_size: int = 8,
    seed: int = 0,
    device: str = "cpu",
) -> list[list[str]]:
    """``k`` sampled completions per row from the policy at ``policy`` (any `load_policy` path).

    Args:
        policy: policy folder or Hub id.
        rows: task rows (prompt, image).
        k: completions per prompt.
        max_new_tokens: generation limit per completion.
        temperature: sampling temperature (> 0).
        batch_size: prompts per ``generate`` call.
        seed: torch seed for sampling.
        device: torch device.

    Returns:
        Per row, ``k`` decoded completions (special tokens dropped, as TRL decodes them).
    """
    from hymar.eval.generate import GenerationSettings, generate_completions
    from hymar.models.loading import load_policy

    if k < 1 or temperature <= 0:
        raise ValueError(f"k must be >= 1 and temperature > 0, got k={k}, temperature={temperature}")
    model, processing = load_policy(policy, device=device)
    settings = GenerationSettings(
        max_new_tokens=max_new_tokens, batch_size=batch_size, temperature=temperature, seed=seed, num_return_sequences=k
    )
    # the same prompt rendering as `hymar eval` and GRPO rollouts: the policy's own chat template
    flat = generate_completions(model, processing, list(rows), settings, progress=False)
    return [flat[i * k : (i + 1) * k] for i in range(len(rows))]


def policy_pairs(
    policy: str | Path,
    rows: Sequence[Mapping[str, Any]],
    *,
    k: int = 4,
    max_new_tokens: int = 64,
    seed: int = 0,
    device: str = "cpu",
) -> list[PreferencePair]:
    """Sample ``k`` completions per verifiable row and pair right with wrong (see the module docstring).

    Open-ended rows are skipped before sampling: the verifier cannot label them.
    """
    verifiable = [row for row in rows if row.get("answer") is not None and row.get("task") != "open"]
    completions = sample_completions(policy, verifiable, k=k, max_new_tokens=max_new_tokens, seed=seed, device=device)
    return pair_policy_samples(verifiable, completions, seed=seed)
