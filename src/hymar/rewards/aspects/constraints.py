"""What a prompt or a dataset column can ask of a response: the `Constraints` of one sample.

Three constructors:

- ``Constraints.from_mapping(d)``: from a dataset column (``Sample.constraints``); validates keys and
  types, and every error names the offending field.
- ``parse_constraints(prompt_text)``: recognises the prompt phrasings listed in
  `hymar.rewards.aspects.phrasings` (one table there and in docs/aspects.md).
- ``constraints_for(sample)``: the column's values overriding those recognised in the prompt. A
  column value overrides when it is not None and (for keyword lists) not empty, because dataset
  loaders fill absent keys of a struct column with None / [] and that must not erase what the prompt
  says.

Example:
    >>> parse_constraints("Answer in at most 20 words and include the word 'apple'.")
    Constraints(answer_form=None, max_words=20, min_words=None, max_sentences=None, \
min_sentences=None, required_keywords=('apple',), banned_keywords=(), language=None, \
require_reasoning=None)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hymar.rewards.aspects.phrasings import LANGUAGE_NAMES, recognise
from hymar.rewards.types import Sample

#: the answer forms a prompt can ask for, checked by `AnswerFormAspect`
ANSWER_FORMS = ("word", "number", "letter", "boxed", "json")

_ISO_CODE = re.compile(r"[a-z]{2,3}")
_COUNT_FIELDS = ("max_words", "min_words", "max_sentences", "min_sentences")

# Size limits: a constraint comes from a dataset row or a prompt, both untrusted, and keyword matching
# costs (keywords x response length). Far above anything an instruction states (IFEval: <= 5 keywords).
#: most distinct keywords in one list (required or banned)
MAX_KEYWORDS = 64
#: longest keyword or phrase, in characters
MAX_KEYWORD_CHARS = 100
#: longest language tag or name, and longest answer-form name, accepted before parsing
MAX_TAG_CHARS = 64


@dataclass(frozen=True)
class Constraints:
    """Everything a prompt can state about the response; None / () = not stated.

    Args:
        answer_form: "word" | "number" | "letter" | "boxed" | "json" | None: the form of the final answer.
        max_words, min_words: word-count limits (inclusive).
        max_sentences, min_sentences: sentence-count limits (inclusive).
        required_keywords: words or phrases that must appear (whole word, case-insensitive).
        banned_keywords: words or phrases that must not appear.
        language: ISO 639-1 code ("en", "fr", ...) of the language the answer must be in. Region
            suffixes ("en-US") are dropped and English language names ("French") are accepted.
        require_reasoning: True = the prompt asks for reasoning (e.g. "think step by step"), False =
            it asks for no explanation, None = not stated.

    Raises:
        TypeError / ValueError: a field of the wrong type or out of range; the message names it.
    """

    answer_form: str | None = None
    max_words: int | None = None
    min_words: int | None = None
    max_sentences: int | None = None
    min_sentences: int | None = None
    required_keywords: tuple[str, ...] = ()
    banned_keywords: tuple[str, ...] = ()
    language: str | None = None
    require_reasoning: bool | None = None

    def __post_init__(self) -> None:
        if self.answer_form is not None:
            form = _expect_tag("answer_form", self.answer_form).strip().lower()
            if form not in ANSWER_FORMS:
                raise ValueError(f"Constraints.answer_form: expected one of {ANSWER_FORMS} or None, got {self.answer_form!r}")
            object.__setattr__(self, "answer_form", form)
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise TypeError(f"Constraints.{name}: expected a non-negative int or None, got {value!r}")
        for low, high in (("min_words", "max_words"), ("min_sentences", "max_sentences")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"Constraints.{low}={lo} is above Constraints.{high}={hi}")
        for name in ("required_keywords", "banned_keywords"):
            object.__setattr__(self, name, _keywords(name, getattr(self, name)))
        clash = {k.lower() for k in self.required_keywords} & {k.lower() for k in self.banned_keywords}
        if clash:
            raise ValueError(f"Constraints.required_keywords and banned_keywords share {sorted(clash)}")
        if self.language is not None:
            object.__setattr__(self, "language", _language_code(self.language))
        if self.require_reasoning is not None and not isinstance(self.require_reasoning, bool):
            raise TypeError(f"Constraints.require_reasoning: expected a bool or None, got {self.require_reasoning!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Constraints:
        """Build from a dataset column value.

        Args:
            data: a mapping with any of the field names as keys (None or empty = no constraints).
                Keyword lists may be lists, tuples or a single string.

        Returns:
            The validated Constraints.

        Raises:
            ValueError: an unknown key (the message lists the allowed ones) or a bad value.
            TypeError: ``data`` is not a mapping, or a field has the wrong type.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise TypeError(f"constraints must be a mapping of field -> value, got {type(data).__name__}")
        allowed = field_names()
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise ValueError(f"unknown constraint field(s) {unknown}; allowed: {list(allowed)}")
        return cls(**dict(data))

    def stated(self) -> dict[str, Any]:
        """The fields that are set (not None and not empty), e.g. for logging."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) not in (None, ())
        }


def field_names() -> tuple[str, ...]:
    """The names of the `Constraints` fields, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(Constraints))


def _expect_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"Constraints.{name}: expected a string, got {value!r} ({type(value).__name__})")
    return value


def _expect_tag(name: str, value: Any) -> str:
    text = _expect_str(name, value)
    if len(text) > MAX_TAG_CHARS:
        raise ValueError(f"Constraints.{name}: {len(text)} characters, at most {MAX_TAG_CHARS} accepted")
    return text


def _keywords(name: str, value: Any) -> tuple[str, ...]:
    """The keywords of one list, whitespace-normalised, de-duplicated case-insensitively (first spelling
    kept) in one linear pass, and bounded (`MAX_KEYWORDS`, `MAX_KEYWORD_CHARS`)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)  # a single keyword given as a bare string, not an iterable of characters
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Constraints.{name}: expected a list of strings, got {type(value).__name__}")
    out: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise TypeError(f"Constraints.{name}[{i}]: every keyword must be a non-empty string, got {item!r:.80}")
        if len(item) > MAX_KEYWORD_CHARS * 4:  # before split(): a huge item costs nothing more than this check
            raise ValueError(f"Constraints.{name}[{i}]: {len(item)} characters, at most {MAX_KEYWORD_CHARS} accepted")
        item = " ".join(item.split())
        if len(item) > MAX_KEYWORD_CHARS:
            raise ValueError(f"Constraints.{name}[{i}]: {len(item)} characters, at most {MAX_KEYWORD_CHARS} accepted")
        key = item.lower()
        if key in seen:
            continue
        if len(out) == MAX_KEYWORDS:
            raise ValueError(f"Constraints.{name}: more than {MAX_KEYWORDS} distinct keywords (got {len(value)} items)")
        seen.add(key)
        out.append(item)
    return tuple(out)


def _language_code(value: Any) -> str:
    text = _expect_tag("language", value).strip().lower()
    if text in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text]
    code = re.split(r"[-_]", text, maxsplit=1)[0]
    if not _ISO_CODE.fullmatch(code):
        raise ValueError(f"Constraints.language: expected an ISO 639 code like 'en' or 'fr', got {value!r}")
    return code


@lru_cache(maxsize=256)
def parse_constraints(prompt_text: str) -> Constraints:
    """Constraints recognised in a prompt's text (see `hymar.rewards.aspects.phrasings`).

    Cached: the G rollouts of a GRPO group share one prompt.

    Args:
        prompt_text: the prompt flattened to text (``Sample.prompt_text``).

    Returns:
        The recognised Constraints (all unset when nothing is recognised). When the prompt states
        contradictory limits (e.g. at least 50 and at most 20 words), the limits are dropped and
        only the rest is kept: the prompt is not something the policy can satisfy.
    """
    found = recognise(prompt_text)
    try:
        return Constraints(**found)
    except (TypeError, ValueError):
        for low, high in (("min_words", "max_words"), ("min_sentences", "max_sentences")):
            if found.get(low) is not None and found.get(high) is not None and found[low] > found[high]:
                found.pop(low)
                found.pop(high)
        if "required_keywords" in found and "banned_keywords" in found:
            banned = {k.lower() for k in found["banned_keywords"]}
            found["required_keywords"] = tuple(k for k in found["required_keywords"] if k.lower() not in banned)
        return Constraints(**found)


def constraints_for(sample: Sample) -> Constraints:
    """The sample's constraints: its ``constraints`` column over what its prompt states.

    Args:
        sample: the rollout.

    Returns:
        Constraints recognised in ``sample.prompt_text``, with every field the column sets (not None,
        not empty) replaced by the column's value.

    Raises:
        ValueError / TypeError: the column is malformed or contradicts itself after the merge
            (e.g. its min_words is above the prompt's max_words).
    """
    parsed = parse_constraints(sample.prompt_text)
    if not sample.constraints:
        return parsed
    column = Constraints.from_mapping(sample.constraints)
    overrides = {name: value for name, value in column.stated().items() if name in sample.constraints}
    return dataclasses.replace(parsed, **overrides) if overrides else parsed
