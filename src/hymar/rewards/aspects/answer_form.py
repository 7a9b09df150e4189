r"""The answer-form aspect: is the final answer in the form the prompt asks for?

Applies when ``Constraints.answer_form`` is set. The final answer comes from
`hymar.rewards.rules.extract.extract_answer` (answer tag, \boxed{}, "the answer is X", last line),
is cleaned with its ``clean_answer`` (markdown, $...$, \text{} wrappers, trailing punctuation), and
then:

- "word": one word: letters, optionally joined by a hyphen or apostrophe ("well-known", "don't");
  CJK text without spaces counts as one word.
- "number": an integer, decimal, thousands-separated, scientific, percent, a/b fraction or
  \frac{a}{b}, with an optional sign ("-3", "1,000", "2.5e3", "50%", "\frac{1}{2}"). Units or words
  around it fail ("5 cm").
- "letter": one letter, optionally in brackets or followed by "." or ")" ("B", "(B)", "B.").
- "boxed": the text after the reasoning ends its answer in a closed, non-empty \boxed{...} (checked
  on the completion, not on the extraction, which unwraps boxes).
- "json": the answer section (or the completion minus reasoning) parses with ``json.loads`` to an
  object or array (any JSON value with ``json_containers_only=False``); tried in turn: the first
  fenced ```json block, the whole text, and the span from its first "{" (or "[") to its last "}"
  (or "]"), so "Here it is: {...}" passes. Texts over ``max_json_chars`` are invalid, not parsed.

Value 1.0 or 0.0; confidence is the extraction's (1.0 for tags and boxes, lower for marker phrases
and the last-line fallback). No extractable answer scores 0.0; an extraction that breaks a safety
limit scores invalid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.constraints import Constraints
from hymar.rewards.aspects.sections import parsed, response_text
from hymar.rewards.types import Sample, Score

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Each repetition starts with a literal (",") so the groups cannot overlap: linear-time fullmatch.
_DECIMAL = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_NUMBER = re.compile(
    rf"[-+−]?(?:(?:{_DECIMAL})(?:[eE][-+]?\d+)?%?|\d+\s*/\s*\d+|\\[dt]?frac\{{\d+\}}\{{\d+\}})"
)
_LETTER = re.compile(r"\(([A-Za-z])\)|\[([A-Za-z])\]|([A-Za-z])[.)]?")
_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n?")
#: longest answer checked against the word/number/letter forms (longer is simply not that form)
_MAX_SHORT = 200


def is_word(answer: str) -> bool:
    """One word (see the module docstring)."""
    return len(answer) <= _MAX_SHORT and _WORD.fullmatch(answer) is not None


def is_number(answer: str) -> bool:
    """A number literal (see the module docstring)."""
    return len(answer) <= _MAX_SHORT and _NUMBER.fullmatch(answer.replace(" ", "")) is not None


def is_letter(answer: str) -> bool:
    """One option letter, optionally bracketed or followed by "." or ")"."""
    return len(answer) <= 4 and _LETTER.fullmatch(answer) is not None


def json_candidates(text: str) -> list[str]:
    """Where JSON may sit in ``text``: its first fenced code block, the whole text, and the spans
    from the first "{" to the last "}" and from the first "[" to the last "]" (stripped, non-empty,
    no repeats)."""
    out: list[str] = []
    fence = _FENCE.search(text)
    if fence is not None:
        end = text.find("```", fence.end())
        if end >= 0:
            out.append(text[fence.end() : end])
    out.append(text)
    for left, right in ("{}", "[]"):
        start, end = text.find(left), text.rfind(right)
        if 0 <= start < end:
            out.append(text[start : end + 1])
    seen: list[str] = []
    for candidate in (c.strip() for c in out):
        if candidate and candidate not in seen:
            seen.append(candidate)
    return seen


@dataclass(frozen=True)
class AnswerFormAspect(Aspect):
    """Checks the final answer's form against ``Constraints.answer_form``.

    Args:
        max_json_chars: longest JSON text parsed (longer -> invalid score).
        json_containers_only: JSON must be an object or an array (a bare "5" is valid JSON but is
            not what "respond in JSON" asks for).

    Example:
        >>> s = Sample(prompt="Answer with a single word.", completion="<answer>Paris</answer>")
        >>> AnswerFormAspect().score_one(s).value
        1.0
    """

    name = "answer_form"

    max_json_chars: int = 100_000
    json_containers_only: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.max_json_chars, int) or self.max_json_chars < 1:
            raise ValueError(f"AnswerFormAspect.max_json_chars: expected a positive int, got {self.max_json_chars!r}")

    def judge(self, sample: Sample, constraints: Constraints) -> Score:
        form = constraints.answer_form
        if form is None:
            return Score.not_applicable("no answer form stated")
        completion = sample.completion if isinstance(sample.completion, str) else ""
        if form == "boxed":
            return self._boxed(completion)
        if form == "json":
            return self._json(completion)
        from hymar.rewards.rules.extract import (  # lazy: keeps import light
            clean_answer,
            extract_answer,
        )

        extraction = extract_answer(completion)
        if extraction.invalid:
            return Score.invalid(extraction.reason or "answer extraction failed", form=form)
        if extraction.answer is None:
            return Score(0.0, info={"form": form, "reason": extraction.reason or "no answer found"})
        answer = clean_answer(extraction.answer)
        check = {"word": is_word, "number": is_number, "letter": is_letter}[form]
        ok = check(answer)
        return Score(
            1.0 if ok else 0.0,
            confidence=extraction.confidence,
            info={"form": form, "answer": answer[:80], "source": extraction.source},
        )

    def _boxed(self, completion: str) -> Score:
        p = parsed(completion)  # the shared parse: a box inside the reasoning is not the answer
        boxes = p.response_boxes
        last = boxes[-1] if boxes else None
        ok = last is not None and last.balanced and bool(last.content(p.text).strip())
        reason = "closed non-empty box" if ok else ("no \\boxed{}" if last is None else "box empty or unclosed")
        return Score(1.0 if ok else 0.0, info={"form": "boxed", "reason": reason})

    def _json(self, completion: str) -> Score:
        text = response_text(completion)
        if len(text) > self.max_json_chars:
            return Score.invalid(f"JSON answer over {self.max_json_chars} characters", form="json")
        for candidate in json_candidates(text):
            value = _parse_json(candidate)
            if value is not _FAILED and (not self.json_containers_only or isinstance(value, (dict, list))):
                return Score(1.0, info={"form": "json"})
        return Score(0.0, info={"form": "json", "reason": "no parseable JSON object or array"})


_FAILED = object()


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; deep nesting recurses
        return _FAILED
