"""The language aspect: is the answer in the language the prompt asks for?

The response (`sections.response_text`: the answer section, or the completion minus reasoning) goes
to the self-written detector `language_detect.detect_language` (script ranges for zh/ja/ko/ru/ar/
el/he/hi, stopword votes for en/fr/de/es/it/pt/nl).

- no language stated -> not applicable;
- a stated language the detector does not know -> invalid (it cannot judge);
- a response too short to tell (fewer than ``min_words`` Latin-script words) or without any
  stopword (a bare number, a list of names) -> not applicable, with the reason: such an answer
  ("42", "Paris") is acceptable in any language, so it should neither earn nor lose reward;
- otherwise 1.0 when the detected language is the stated one, 0.0 when not, with the detector's
  confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.language_detect import SUPPORTED_LANGUAGES, detect_language
from hymar.rewards.aspects.sections import response_text
from hymar.rewards.types import Sample, Score


@dataclass(frozen=True)
class LanguageAspect(Aspect):
    """Scores the response language against ``Constraints.language``.

    Args:
        min_words: fewer Latin-script words than this are undetectable (not applicable).
        answer_tag, think_tag: tag names of the reasoning format.

    Example:
        >>> s = Sample(prompt="Answer in French.", completion="Le chat est sur la table.")
        >>> LanguageAspect().score_one(s).value
        1.0
    """

    name = "language"

    min_words: int = 3
    answer_tag: str = "answer"
    think_tag: str = "think"

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        target = constraints.language
        if target is None:
            return Score.not_applicable("no language stated")
        if target not in SUPPORTED_LANGUAGES:
            return Score.invalid(f"language {target!r} is not supported by the detector", language=target)
        completion = sample.completion if isinstance(sample.completion, str) else ""
        detection = detect_language(response_text(completion, self.answer_tag, self.think_tag), self.min_words)
        if detection.language is None:
            return Score.not_applicable("response too short or without stopwords to detect its language", language=target)
        return Score(
            1.0 if detection.language == target else 0.0,
            confidence=detection.confidence,
            info={"language": target, "detected": detection.language, "method": detection.method},
        )
