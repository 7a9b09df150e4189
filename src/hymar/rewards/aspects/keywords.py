"""The keyword aspect: required words present, banned words absent.

Matching is whole-word and case-insensitive: a keyword matches where it is not preceded or followed
by a letter or digit ("cat" matches "Cat." but not "category"); a multi-word keyword matches with any
whitespace between its words. The text is the response the user reads (`sections.response_text`:
the answer section, or the completion minus reasoning), the same as the length aspect.

    value = 0                                   if any banned keyword is present
    value = (required present) / (required)     otherwise (1.0 when only banned ones are stated)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.sections import response_text
from hymar.rewards.types import Sample, Score


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern for ``keyword`` (escaped: keywords are plain text)."""
    body = r"\s+".join(re.escape(part) for part in keyword.split())
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def contains_keyword(text: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs in ``text`` as a whole word (see the module docstring)."""
    return keyword_pattern(keyword).search(text) is not None


@dataclass(frozen=True)
class KeywordAspect(Aspect):
    """Scores required and banned keywords.

    Args:
        answer_tag, think_tag: tag names of the reasoning format (what counts as the response).

    Example:
        >>> s = Sample(prompt="Include the words apple and pear.", completion="An apple a day.")
        >>> KeywordAspect().score_one(s).value
        0.5
    """

    name = "keywords"

    answer_tag: str = "answer"
    think_tag: str = "think"

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        required, banned = constraints.required_keywords, constraints.banned_keywords
        if not required and not banned:
            return Score.not_applicable("no keywords stated")
        completion = sample.completion if isinstance(sample.completion, str) else ""
        text = response_text(completion, self.answer_tag, self.think_tag)
        missing = [k for k in required if not contains_keyword(text, k)]
        used = [k for k in banned if contains_keyword(text, k)]
        info = {"missing": missing, "banned_used": used}
        if used:
            return Score(0.0, info=info)
        value = 1.0 if not required else (len(required) - len(missing)) / len(required)
        return Score(value, info=info)
