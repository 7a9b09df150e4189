"""The perceivability gate: does the SFT base see its images well enough for RL to sharpen a skill?

GRPO can only raise how often a policy does what it can already do sometimes. A base that answers
from the prompt text alone (as often right with a blank image as with the real one) gives RL nothing
but guessing to reinforce. So before any GRPO run the demo measures, on validation rows (carved from
train, never trained on):

- greedy accuracy with the real image and with a blank (white) image of the same size, per domain;
- sampled accuracy (mean over ``samples`` rollouts at the GRPO temperature) and pass@k with both
  images, on the first ``sample_rows`` validation rows, next to pass@k of a uniform guess over the
  domain's answers (what an image-blind sampler over the right answer set would reach).

The gate holds when, on every verifiable domain, greedy accuracy is at least `MIN_GAP` above the
blank-image accuracy and the sampled accuracy is above its blank-image value by at least
`MIN_SAMPLED_GAP`: the rollouts GRPO learns from depend on the image. pass@k is reported, not gated:
with 3-5 answer options a blind guesser's pass@8 is already near 100%.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: greedy accuracy minus blank-image accuracy, per verifiable domain (fraction)
MIN_GAP = 0.15
#: sampled accuracy minus its blank-image value, per verifiable domain (fraction)
MIN_SAMPLED_GAP = 0.10


def blank_images(dataset: Any) -> Any:
    """``dataset`` with every image replaced by a white image of the same size (nothing else changes)."""
    from PIL import Image

    return dataset.map(lambda row: {"image": Image.new("RGB", row["image"].size, (255, 255, 255))}, desc="blank images")


def answer_options(domain_answers: Sequence[str]) -> int:
    """How many distinct answers a domain has (the guesser's choice set)."""
    return max(1, len(set(domain_answers)))


def guess_pass_at(k: int, options: int) -> float:
    """pass@k of a uniform guess over ``options`` answers: 1 - (1 - 1/options)^k."""
    return 1.0 - (1.0 - 1.0 / options) ** k


def judge(rows: Sequence[Mapping[str, Any]], completions: Sequence[str], samples: int) -> dict[str, dict[str, float]]:
    """Per verifiable domain: first-sample accuracy, mean accuracy over the samples and pass@samples.

    Args:
        rows: dataset rows (``answer``, ``task``, ``prompt``, ``domain``).
        completions: ``samples`` completions per row, row-major.
        samples: completions per row.
    """
    from hymar.rewards.rules.verifier import verify
    from hymar.rewards.types import prompt_to_text

    per: dict[str, list[list[bool]]] = {}
    for i, row in enumerate(rows):
        if row.get("answer") is None:
            continue
        prompt = prompt_to_text(row["prompt"])
        verdicts = []
        for completion in completions[i * samples : (i + 1) * samples]:
            score = verify(completion, row["answer"], task=row["task"], prompt=prompt)
            verdicts.append(bool(score.correct))
        per.setdefault(str(row["domain"]), []).append(verdicts)
    return {
        domain: {
            "first": sum(v[0] for v in verdicts) / len(verdicts),
            "mean": sum(sum(v) / len(v) for v in verdicts) / len(verdicts),
            "pass": sum(any(v) for v in verdicts) / len(verdicts),
            "n": len(verdicts),
        }
        for domain, verdicts in per.items()
    }


def _generate(model: Any, processor: Any, dataset: Any, *, samples: int, temperature: float, max_new_tokens: int, seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    from hymar.eval.generate import GenerationSettings, generate_completions

    rows = [dict(r) for r in dataset]
    sampling = samples > 1
    settings = GenerationSettings(
        max_new_tokens=max_new_tokens, batch_size=64, temperature=temperature if sampling else 0.0,
        num_return_sequences=samples, seed=seed,
    )
    return rows, generate_completions(model, processor, rows, settings, progress=False)


def perceivability(
    policy: Any,
    validation: Any,
    *,
    sample_rows: int,
    samples: int,
    temperature: float,
    max_new_tokens: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Measure the gate on ``validation`` (see the module docstring).

    Args:
        policy: the SFT base's folder.
        validation: validation rows (a ``datasets.Dataset`` of the task suite's layout).
        sample_rows: leading validation rows sampled ``samples`` times (0: skip sampling).
        samples: rollouts per row (the GRPO group size).
        temperature: rollout temperature (the GRPO one).
        max_new_tokens: tokens per answer.
        seed: sampling seed.

    Returns:
        {"domains": {domain: {"real", "blank", "gap", "sampled_real", "sampled_blank", "sampled_gap",
        "pass_real", "pass_blank", "pass_guess", "passes"}}, "passes": bool, "thresholds": {...},
        "rows": int, "sample_rows": int, "samples": int}.
    """
    from hymar.models.loading import load_policy

    model, processor = load_policy(policy, device="cpu")
    blank = blank_images(validation)
    greedy = {}
    for name, data in (("real", validation), ("blank", blank)):
        rows, completions = _generate(model, processor, data, samples=1, temperature=0.0, max_new_tokens=max_new_tokens, seed=seed)
        greedy[name] = judge(rows, completions, 1)
    sampled: dict[str, dict[str, dict[str, float]]] = {}
    n_sample = min(sample_rows, len(validation))
    if n_sample and samples > 1:
        for name, data in (("real", validation), ("blank", blank)):
            rows, completions = _generate(model, processor, data.select(range(n_sample)), samples=samples, temperature=temperature, max_new_tokens=max_new_tokens, seed=seed)
            sampled[name] = judge(rows, completions, samples)
    answers: dict[str, list[str]] = {}
    for domain, answer in zip(validation["domain"], validation["answer"], strict=True):
        if answer is not None:
            answers.setdefault(domain, []).append(answer)
    domains = {}
    for domain in greedy["real"]:
        real, blind = greedy["real"][domain]["first"], greedy["blank"].get(domain, {}).get("first", 0.0)
        entry: dict[str, Any] = {"real": real, "blank": blind, "gap": real - blind, "n": greedy["real"][domain]["n"]}
        passes = real - blind >= MIN_GAP
        if sampled:
            s_real, s_blank = sampled["real"].get(domain, {}), sampled["blank"].get(domain, {})
            entry |= {
                "sampled_real": s_real.get("mean"),
                "sampled_blank": s_blank.get("mean"),
                "sampled_gap": (s_real.get("mean") or 0.0) - (s_blank.get("mean") or 0.0),
                "pass_real": s_real.get("pass"),
                "pass_blank": s_blank.get("pass"),
                "pass_guess": guess_pass_at(samples, answer_options(answers.get(domain, []))),
            }
            passes = passes and entry["sampled_gap"] >= MIN_SAMPLED_GAP
        entry["passes"] = passes
        domains[domain] = entry
    return {
        "domains": domains,
        "passes": bool(domains) and all(d["passes"] for d in domains.values()),
        "thresholds": {"min_gap": MIN_GAP, "min_sampled_gap": MIN_SAMPLED_GAP},
        "rows": len(validation),
        "sample_rows": n_sample,
        "samples": samples,
    }
