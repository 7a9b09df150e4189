"""The reasoning aspect: did the response reason when asked to, and stay bare when asked not to?

Applies when ``Constraints.require_reasoning`` is set ("think step by step" -> True, "without
explanation" -> False; see `phrasings`).

- True: the reasoning is the content of the <think> section (or, without tags, the completion minus
  its answer sections and \\boxed{} groups). Value = min(1, words / ``min_reasoning_words``).
- False: the visible response (`sections.response_text`; hidden <think> reasoning is allowed) should
  be just the answer: 1.0 up to ``max_bare_words`` words, then decaying like a length limit,
  1 - (n - M) / M floored at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.length_limits import over_max_score
from hymar.rewards.aspects.sections import parsed, response_text
from hymar.rewards.aspects.text_stats import count_words
from hymar.rewards.types import Sample, Score


def reasoning_text(completion: str, think_tag: str = "think", answer_tag: str = "answer") -> str:
    """The reasoning part of a completion (see the module docstring)."""
    p = parsed(completion, answer_tag, think_tag)
    if p.reasoning:  # tagged reasoning, a section the prompt opened, or an unclosed one
        return p.reasoning_text
    text, parts, pos = p.text, [], 0
    spans = [(s.open_start, s.close_end) for s in p.answer_tags]
    spans += [(b.start, b.end) for b in p.boxes]
    for start, end in sorted(spans):
        if start >= pos:
            parts.append(text[pos:start])
            pos = end
    parts.append(text[pos:])
    return "".join(parts)


@dataclass(frozen=True)
class ReasoningAspect(Aspect):
    """Scores presence (or absence) of reasoning against ``Constraints.require_reasoning``.

    Args:
        min_reasoning_words: words of reasoning that count as having reasoned.
        max_bare_words: words a bare answer may have when no explanation is wanted.
        think_tag, answer_tag: tag names of the reasoning format.

    Example:
        >>> s = Sample(prompt="Answer without explanation.", completion="<answer>42</answer>")
        >>> ReasoningAspect().score_one(s).value
        1.0
    """

    name = "reasoning"

    min_reasoning_words: int = 15
    max_bare_words: int = 20
    think_tag: str = "think"
    answer_tag: str = "answer"

    def __post_init__(self) -> None:
        for name in ("min_reasoning_words", "max_bare_words"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ReasoningAspect.{name}: expected a positive int, got {value!r}")

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        wanted = constraints.require_reasoning
        if wanted is None:
            return Score.not_applicable("no reasoning requirement stated")
        completion = sample.completion if isinstance(sample.completion, str) else ""
        if wanted:
            n = count_words(reasoning_text(completion, self.think_tag, self.answer_tag))
            return Score(min(1.0, n / self.min_reasoning_words), info={"reasoning_words": n})
        n = count_words(response_text(completion, self.answer_tag, self.think_tag))
        return Score(over_max_score(n, self.max_bare_words), info={"response_words": n})
