r"""The format aspect: does the output have the reasoning + answer structure?

This is the paper's format reward (HARMO, arXiv 2510.05283: "reasoning and answer sections, e.g.
<think>...</think><answer>...</answer>"). It applies to every sample, whatever the prompt says.

Styles and their sub-checks (value = fraction passed, or 1/0 with ``strict=True``):

- "think_answer" (default): ``starts_with_think`` (only whitespace before "<think>"), ``one_think``
  (exactly one <think> and one </think>, in that order), ``reasoning_nonempty``, ``has_answer``
  (a complete <answer>...</answer>), ``one_answer`` (exactly one <answer> and one </answer>),
  ``answer_follows_think`` (only whitespace between </think> and <answer>), ``answer_nonempty``,
  ``nothing_after_answer`` (only whitespace after </answer>). With ``think_opened_in_prompt=True``
  (chat templates that end the prompt with "<think>"), the completion starts inside the reasoning:
  ``starts_with_think`` is dropped and ``one_think`` asks for no "<think>" and one "</think>".
- "boxed": ``has_boxed``, ``one_boxed``, ``boxed_balanced`` (its braces close), ``boxed_nonempty``,
  ``reasoning_before_boxed`` (some words before it), ``boxed_at_end`` (after it only whitespace and
  closing marks such as "." "$" "\]").
- "answer_tag": ``has_answer``, ``one_answer``, ``answer_nonempty``.

Checks that depend on a missing part fail (no answer section: ``answer_nonempty`` and
``nothing_after_answer`` fail too), so a missing answer costs more than a stray character.
"""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.sections import parsed
from hymar.rewards.completion import ParsedCompletion
from hymar.rewards.aspects.text_stats import count_words
from hymar.rewards.types import Sample, Score

STYLES = ("think_answer", "boxed", "answer_tag")
# What may follow a final \boxed{...}: closing math delimiters and sentence punctuation.
_TRAILING_OK = frozenset(" \t\r\n.$\\]):;!")


@dataclass(frozen=True)
class FormatAspect(Aspect):
    """Checks the reasoning + answer structure of the completion.

    Args:
        style: "think_answer" | "boxed" | "answer_tag" (see the module docstring).
        strict: True gives 1.0 only when every sub-check passes, else 0.0.
        think_tag, answer_tag: tag names (without brackets).
        think_opened_in_prompt: the prompt already ends with "<think>" (think_answer style only).
        min_reasoning_words: words needed before the box in the boxed style.

    Example:
        >>> FormatAspect().score_one(Sample(completion="<think>2+2</think><answer>4</answer>")).value
        1.0
    """

    name = "format"

    style: str = "think_answer"
    strict: bool = False
    think_tag: str = "think"
    answer_tag: str = "answer"
    think_opened_in_prompt: bool = False
    min_reasoning_words: int = 1

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"FormatAspect.style: expected one of {STYLES}, got {self.style!r}")
        for name in ("think_tag", "answer_tag"):
            tag = getattr(self, name)
            if not isinstance(tag, str) or not tag.isidentifier():
                raise ValueError(f"FormatAspect.{name}: expected a plain tag name like 'think', got {tag!r}")

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        # the shared parse: the verifier reads the same answer section and boxes
        p = parsed(sample.completion if isinstance(sample.completion, str) else "", self.answer_tag, self.think_tag)
        if self.style == "think_answer":
            checks = self._think_answer(p)
        elif self.style == "boxed":
            checks = self._boxed(p)
        else:
            checks = self._answer_checks(p)
        failed = [name for name, ok in checks.items() if not ok]
        if self.strict:
            value = 0.0 if failed else 1.0
        else:
            value = (len(checks) - len(failed)) / len(checks)
        return Score(value=value, info={"style": self.style, "failed": failed})

    def _answer_checks(self, p: ParsedCompletion) -> dict[str, bool]:
        text = p.text
        sections = p.sections(self.answer_tag)
        counts = p.tag_counts(self.answer_tag)
        return {
            "has_answer": bool(sections),
            "one_answer": counts.opens == 1 and counts.closes == 1 and len(sections) == 1,
            "answer_nonempty": bool(sections) and bool(sections[-1].content(text).strip()),
        }

    def _think_answer(self, p: ParsedCompletion) -> dict[str, bool]:
        text = p.text
        think_counts = p.tag_counts(self.think_tag)
        close_tag = f"</{self.think_tag}>"
        checks: dict[str, bool] = {}
        if self.think_opened_in_prompt:
            # everything before the first closing tag is the reasoning the prompt opened
            closed = [s for s in p.reasoning if s.content_end < s.close_end]
            think_end = closed[0].content_end if closed else -1
            reasoning = text[:think_end] if closed else ""
            checks["one_think"] = think_counts.opens == 0 and think_counts.closes == 1
        else:
            checks["starts_with_think"] = text.lstrip().lower().startswith(f"<{self.think_tag}>")
            thinks = p.sections(self.think_tag)
            think_end = thinks[0].content_end if thinks else -1
            reasoning = thinks[0].content(text) if thinks else ""
            checks["one_think"] = think_counts.opens == 1 and think_counts.closes == 1 and len(thinks) == 1
        checks["reasoning_nonempty"] = count_words(reasoning) >= max(1, self.min_reasoning_words)
        answer_checks = self._answer_checks(p)
        checks["has_answer"] = answer_checks["has_answer"]
        checks["one_answer"] = answer_checks["one_answer"]
        answers = p.sections(self.answer_tag)
        if answers and think_end >= 0:
            between = text[think_end + len(close_tag) : answers[0].open_start]
            checks["answer_follows_think"] = answers[0].open_start > think_end and not between.strip()
        else:
            checks["answer_follows_think"] = False
        checks["answer_nonempty"] = answer_checks["answer_nonempty"]
        checks["nothing_after_answer"] = bool(answers) and not text[answers[-1].close_end :].strip()
        return checks

    def _boxed(self, p: ParsedCompletion) -> dict[str, bool]:
        text = p.text
        boxes = p.boxes
        last = boxes[-1] if boxes else None
        return {
            "has_boxed": last is not None,
            "one_boxed": len(boxes) == 1,
            "boxed_balanced": last is not None and last.balanced,
            "boxed_nonempty": last is not None and bool(last.content(text).strip()),
            "reasoning_before_boxed": last is not None
            and count_words(text[: last.start]) >= max(1, self.min_reasoning_words),
            "boxed_at_end": last is not None and last.balanced and set(text[last.end :]) <= _TRAILING_OK,
        }
