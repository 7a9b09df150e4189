"""The length-limit aspect: word and sentence limits stated by the prompt or the dataset.

What is counted: the answer section when the completion has one (<answer>...</answer>), otherwise
the whole completion minus its <think> reasoning (`sections.response_text`). A limit in the prompt
is about the response the user reads; hidden reasoning is the length penalty's business
(`hymar.rewards.length`), not this aspect's. Words and sentences are counted as `text_stats` says.

Partial credit per limit, decaying linearly with the relative miss and floored at 0:

    over a maximum M with n units:  1 - (n - M) / M     (n = 2M scores 0; M = 0 allows nothing)
    under a minimum m with n units: 1 - (m - n) / m     (n = 0 scores 0)

The value is the WORST limit's score (a response that breaks any stated limit is not adherent, and
one limit met must not hide another missed); info lists every limit's count and score.
"""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.sections import response_text
from hymar.rewards.aspects.text_stats import count_sentences, count_words
from hymar.rewards.types import Sample, Score


def over_max_score(n: int, limit: int) -> float:
    """Score of ``n`` units against a maximum: 1 within it, then 1 - overshoot/limit, floored at 0."""
    if n <= limit:
        return 1.0
    if limit == 0:
        return 0.0
    return max(0.0, 1.0 - (n - limit) / limit)


def under_min_score(n: int, limit: int) -> float:
    """Score of ``n`` units against a minimum: 1 when reached, else 1 - shortfall/limit (>= 0)."""
    if n >= limit:
        return 1.0
    return max(0.0, 1.0 - (limit - n) / limit)


@dataclass(frozen=True)
class LengthLimitAspect(Aspect):
    """Scores the response against the stated word and sentence limits.

    Args:
        answer_tag, think_tag: tag names of the reasoning format (what counts as the answer section).

    Example:
        >>> s = Sample(prompt="Answer in at most 4 words.", completion="<answer>one two three four five six</answer>")
        >>> LengthLimitAspect().score_one(s).value
        0.5
    """

    name = "length_limit"

    answer_tag: str = "answer"
    think_tag: str = "think"

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        limits = {
            name: getattr(constraints, name)
            for name in ("max_words", "min_words", "max_sentences", "min_sentences")
            if getattr(constraints, name) is not None
        }
        if not limits:
            return Score.not_applicable("no length limit stated")
        completion = sample.completion if isinstance(sample.completion, str) else ""
        text = response_text(completion, self.answer_tag, self.think_tag)
        counters = {"words": count_words, "sentences": count_sentences}
        counts = {unit: count(text) for unit, count in counters.items() if any(k.endswith(unit) for k in limits)}
        per_limit: dict[str, float] = {}
        for name, limit in limits.items():
            side, unit = name.split("_", 1)
            score = over_max_score if side == "max" else under_min_score
            per_limit[name] = score(counts[unit], limit)
        info: dict[str, float] = dict(counts)
        info.update({f"{name}_score": round(v, 4) for name, v in per_limit.items()})
        return Score(min(per_limit.values()), info=info)
