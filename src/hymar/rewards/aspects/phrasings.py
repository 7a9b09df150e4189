r"""Prompt phrasings that state a constraint, and the recogniser that finds them.

All matching is case-insensitive. ``N`` is a number in digits (``1``..``999999``, commas allowed) or a
number word ``one``..``twenty``. A phrasing preceded by a negation ("not", "n't", "never", "without")
within the same few words is ignored (e.g. "do not answer with a single word"), except for the
banned-keyword phrasings, which are negations by design.

Recognised phrasings (the same table is in docs/aspects.md; tests check both against `PHRASINGS`):

| field | phrasing (examples) | sets |
|---|---|---|
| answer_form | "answer with a single word", "respond with one word", "in one word", "one-word answer", "single-word answer" | "word" |
| answer_form | "answer with a number", "give a number", "answer with a single integer", "numerical answer", "numeric answer" (not "a number of") | "number" |
| answer_form | "answer with the option's letter", "answer with a single letter", "respond with the letter", "answer with the correct option letter" (not "a letter to") | "letter" |
| answer_form | "put your final answer in \boxed{}", "within \boxed{}", "inside \boxed{}", "use \boxed{}" | "boxed" |
| answer_form | "respond in JSON", "answer in JSON", "as JSON", "JSON format", "JSON-formatted" (not "such as JSON") | "json" |
| max_words | "in at most N words", "no more than N words", "not more than N words", "up to N words", "a maximum of N words", "N words or fewer", "N words or less" | N |
| max_words | "under N words", "fewer than N words", "less than N words" | N - 1 |
| min_words | "at least N words", "a minimum of N words", "N words or more", "no fewer than N words", "no less than N words" | N |
| min_words | "more than N words", "over N words" | N + 1 |
| max_sentences | "in N sentences or fewer", "N sentences or less", "at most N sentences", "no more than N sentences", "up to N sentences", "in one sentence", "in a single sentence" | N |
| max_sentences | "fewer than N sentences", "under N sentences", "less than N sentences" | N - 1 |
| min_sentences | "at least N sentences", "a minimum of N sentences", "N sentences or more" | N |
| min/max words, sentences | "exactly N words", "exactly N sentences" | both N |
| required_keywords | "include the word X", "include the words X, Y and Z", "include the keywords X and Y", "use the keyword X", "use the word X", "include the phrase 'X Y'", "mention X" | X, ... |
| banned_keywords | "do not use the word X", "don't use the words X or Y", "never use the word X", "without using the word X", "avoid the word X", "avoid using the word X", "do not include the word X", "do not mention X", "without mentioning X", "avoid mentioning X" | X, ... |
| language | "answer in French", "respond in German", "reply in Spanish", "write in Chinese", "answer only in English", "your answer must be in Italian", "your response should be written in Portuguese" | ISO code |
| require_reasoning | "think step by step", "reason step by step", "show your work", "show your reasoning", "explain your reasoning" | True |
| require_reasoning | "without explanation", "without any explanation", "no explanation", "do not explain", "don't explain" | False |

Keywords (X, Y, ...) are read right after the phrase: quoted items ("..." '...' “...” ‘...’ «...»
`...`, up to 60 characters, may hold several words) or bare words, separated by commas, "and" or "or".
A bare word that is a function word ("the", "your", "following", ...) ends the list; after
"mention", bare words count only when capitalised (a name: "mention Paris"), because "mention
specific examples" states no keyword.

Languages: English, French, German, Spanish, Italian, Portuguese, Dutch, Chinese (also Mandarin),
Japanese, Korean, Russian, Arabic, Greek, Hebrew, Hindi.

Several statements of one field: the tightest limit wins (smallest max, largest min); keywords are
collected; the last stated language and reasoning requirement win; for answer_form the most
specific content form wins, in the order letter, number, word, json, boxed (so "answer with the
letter ... in \boxed{}" asks for a letter; the box itself is the format aspect's business).

Not recognised on purpose (ambiguous): "a word about X", "in a word", "write a 100-word essay",
"in 50 words" (an approximate target, not a limit), "answer in two sentences" (use "at most" /
"exactly"), "a number of", "a letter to", "such as JSON".

Regex safety: prompts may be long and are not trusted to be benign, so every pattern is a plain
alternation of literals with single (never nested) quantifiers, and the keyword lists are read by a
hand-written scanner over a bounded window after the phrase. Parsing is linear in the prompt length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: English language name -> ISO 639-1 code
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "chinese": "zh", "mandarin": "zh", "japanese": "ja",
    "korean": "ko", "russian": "ru", "arabic": "ar", "greek": "el", "hebrew": "he", "hindi": "hi",
}

_NUMBER_WORDS: dict[str, int] = {
    w: i + 1
    for i, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
# Longest words first so "seventeen" is tried before "seven" (the trailing \b would reject the
# shorter one anyway; this just avoids the retry).
_N = r"(?P<n>\d[\d,]{0,8}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_LANG = r"(?P<lang>" + "|".join(LANGUAGE_NAMES) + r")"
_ONLY = r"(?:only\s+|just\s+|entirely\s+|solely\s+)?"
_FLAGS = re.IGNORECASE

#: answer_form precedence when a prompt states several (most specific content form first)
ANSWER_FORM_PRIORITY = ("letter", "number", "word", "json", "boxed")

Update = tuple[str, Any]


@dataclass(frozen=True)
class Phrasing:
    """One family of prompt phrasings.

    Attributes:
        name: short id used in tests and docs.
        pattern: compiled regex (IGNORECASE); see the module docstring for the safety rules.
        read: turns a match (and the whole text, for the keyword scanner) into field updates.
        examples: phrases it must recognise; each appears in the docstring table and docs/aspects.md.
        negatable: whether a negation just before the match cancels it.
    """

    name: str
    pattern: re.Pattern[str]
    read: Callable[[re.Match[str], str], list[Update]]
    examples: tuple[str, ...]
    negatable: bool = True


def _number(match: re.Match[str]) -> int:
    raw = match.group("n").lower().replace(",", "")
    return _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)


def _const(*updates: Update) -> Callable[[re.Match[str], str], list[Update]]:
    def read(match: re.Match[str], text: str) -> list[Update]:
        return list(updates)

    return read


def _limit(field: str, offset: int = 0) -> Callable[[re.Match[str], str], list[Update]]:
    def read(match: re.Match[str], text: str) -> list[Update]:
        return [(field, max(0, _number(match) + offset))]

    return read


def _words_op(match: re.Match[str], text: str) -> list[Update]:
    return _op_updates(match, "words")


def _sentences_op(match: re.Match[str], text: str) -> list[Update]:
    return _op_updates(match, "sentences")


def _op_updates(match: re.Match[str], unit: str) -> list[Update]:
    op = " ".join(match.group("op").lower().split())
    n = _number(match)
    if op in {"under", "fewer than", "less than"}:
        return [(f"max_{unit}", max(0, n - 1))]
    if op in {"at least", "a minimum of", "minimum of", "no fewer than", "no less than", "not fewer than", "not less than"}:
        return [(f"min_{unit}", n)]
    if op in {"more than", "over"}:
        return [(f"min_{unit}", n + 1)]
    if op == "exactly":
        return [(f"min_{unit}", n), (f"max_{unit}", n)]
    return [(f"max_{unit}", n)]


def _or_limit(unit: str) -> Callable[[re.Match[str], str], list[Update]]:
    """"N words or fewer/less" -> max, "N words or more" -> min."""

    def read(match: re.Match[str], text: str) -> list[Update]:
        side = "min" if match.group("dir").lower() == "more" else "max"
        return [(f"{side}_{unit}", _number(match))]

    return read


def _language(match: re.Match[str], text: str) -> list[Update]:
    return [("language", LANGUAGE_NAMES[match.group("lang").lower()])]


def _required(match: re.Match[str], text: str) -> list[Update]:
    capitalised_only = match.group(0).lower().startswith("mention")
    return [("required_keywords", kw) for kw in read_keyword_list(text, match.end(), capitalised_only)]


def _banned(match: re.Match[str], text: str) -> list[Update]:
    return [("banned_keywords", kw) for kw in read_keyword_list(text, match.end())]


_OPS_MAX = r"at\s+most|no\s+more\s+than|not\s+more\s+than|up\s+to|a\s+maximum\s+of|maximum\s+of"
_OPS_LESS = r"under|fewer\s+than|less\s+than"
_OPS_MORE = r"more\s+than|over"
_OPS_MIN = r"at\s+least|a\s+minimum\s+of|minimum\s+of|no\s+fewer\s+than|no\s+less\s+than|not\s+fewer\s+than|not\s+less\s+than"
_OPS = rf"(?P<op>{_OPS_MAX}|{_OPS_LESS}|{_OPS_MORE}|{_OPS_MIN}|exactly)"
_KW_NOUN = r"(?:key\s*)?(?:words?|phrases?|terms?)"

PHRASINGS: tuple[Phrasing, ...] = (
    Phrasing(
        "form_word",
        re.compile(
            rf"\b(?:(?:answer|respond|reply)\s+(?:with|using)\s+{_ONLY}(?:a\s+single|one|a\s+one)\s+word"
            rf"|in\s+{_ONLY}(?:a\s+single|one)\s+word"
            r"|(?:one|single)[-\s]word\s+(?:answer|response|reply))\b(?![-'’])",
            _FLAGS,
        ),
        _const(("answer_form", "word")),
        ("answer with a single word", "respond with one word", "in one word", "one-word answer", "single-word answer"),
    ),
    Phrasing(
        "form_number",
        re.compile(
            rf"\b(?:(?:answer|respond|reply)\s+with\s+{_ONLY}(?:a\s+single|a|one)\s+(?:number|integer)"
            rf"|give\s+{_ONLY}(?:a\s+single|a|one)\s+(?:number|integer)"
            r"|(?:numerical|numeric)\s+(?:answer|value|response))\b(?!\s+of\b)",
            _FLAGS,
        ),
        _const(("answer_form", "number")),
        ("answer with a number", "give a number", "answer with a single integer", "numerical answer", "numeric answer"),
    ),
    Phrasing(
        "form_letter",
        re.compile(
            rf"\b(?:answer|respond|reply)\s+with\s+{_ONLY}(?:the|a|one)\s+(?:single\s+|correct\s+)?"
            r"(?:(?:option|choice)(?:'s|’s)?\s+)?letter\b(?!\s+to\b)",
            _FLAGS,
        ),
        _const(("answer_form", "letter")),
        ("answer with the option's letter", "answer with a single letter", "respond with the letter", "answer with the correct option letter"),
    ),
    Phrasing(
        "form_boxed",
        re.compile(r"\b(?:within|in|inside|into|using|use)\s+(?:an?\s+|the\s+)?\\?boxed\s*\{", _FLAGS),
        _const(("answer_form", "boxed")),
        (r"put your final answer in \boxed{}", r"within \boxed{}", r"inside \boxed{}", r"use \boxed{}"),
    ),
    Phrasing(
        "form_json",
        re.compile(
            rf"\b(?:(?:answer|respond|reply|output|return|write)\s+{_ONLY}in\s+(?:valid\s+)?json"
            r"|(?<!such\s)as\s+(?:an?\s+)?(?:valid\s+)?json"
            r"|json[-\s]format(?:ted)?)\b",
            _FLAGS,
        ),
        _const(("answer_form", "json")),
        ("respond in JSON", "answer in JSON", "as JSON", "JSON format", "JSON-formatted"),
    ),
    Phrasing(
        "words_op",
        re.compile(rf"\b{_OPS}\s+{_N}\s+words?\b", _FLAGS),
        _words_op,
        (
            "in at most N words", "no more than N words", "not more than N words", "up to N words",
            "a maximum of N words", "under N words", "fewer than N words", "less than N words",
            "at least N words", "a minimum of N words", "no fewer than N words", "no less than N words",
            "more than N words", "over N words", "exactly N words",
        ),
    ),
    Phrasing(
        "words_or",
        re.compile(rf"\b{_N}\s+words?\s+or\s+(?P<dir>fewer|less|more)\b", _FLAGS),
        _or_limit("words"),
        ("N words or fewer", "N words or less", "N words or more"),
    ),
    Phrasing(
        "sentences_op",
        re.compile(rf"\b{_OPS}\s+{_N}\s+sentences?\b", _FLAGS),
        _sentences_op,
        (
            "at most N sentences", "no more than N sentences", "up to N sentences", "fewer than N sentences",
            "under N sentences", "less than N sentences", "at least N sentences", "a minimum of N sentences",
            "exactly N sentences",
        ),
    ),
    Phrasing(
        "sentences_or",
        re.compile(rf"\b{_N}\s+sentences?\s+or\s+(?P<dir>fewer|less|more)\b", _FLAGS),
        _or_limit("sentences"),
        ("in N sentences or fewer", "N sentences or less", "N sentences or more"),
    ),
    Phrasing(
        "one_sentence",
        re.compile(r"\bin\s+(?:one|a\s+single)\s+sentence\b(?!\s+or\b)(?![-'’])", _FLAGS),
        _const(("max_sentences", 1)),
        ("in one sentence", "in a single sentence"),
    ),
    Phrasing(
        "keywords_banned",
        re.compile(
            r"\b(?:(?:do\s+not|don['’]t|never|without|avoid)\s+(?:using\s+|use\s+|including\s+|include\s+)?"
            rf"(?:the\s+|any\s+of\s+the\s+)?(?:following\s+)?{_KW_NOUN}"
            r"|(?:do\s+not|don['’]t|never|without|avoid)\s+mention(?:ing)?)\b",
            _FLAGS,
        ),
        _banned,
        (
            "do not use the word X", "don't use the words X or Y", "never use the word X",
            "without using the word X", "avoid the word X", "avoid using the word X",
            "do not include the word X", "do not mention X", "without mentioning X", "avoid mentioning X",
        ),
        negatable=False,
    ),
    Phrasing(
        "keywords_required",
        re.compile(
            rf"\b(?:(?:include|use|contain)\s+(?:the\s+)?(?:following\s+)?{_KW_NOUN}|mention)\b(?!-)",
            _FLAGS,
        ),
        _required,
        (
            "include the word X", "include the words X, Y and Z", "include the keywords X and Y",
            "use the keyword X", "use the word X", "include the phrase 'X Y'", "mention X",
        ),
    ),
    Phrasing(
        "language",
        re.compile(
            rf"\b(?:(?:answer|respond|reply|write)\s+{_ONLY}"
            rf"|(?:answer|response|reply|output)\s+(?:should|must)\s+be\s+(?:written\s+)?{_ONLY})in\s+{_LANG}\b",
            _FLAGS,
        ),
        _language,
        (
            "answer in French", "respond in German", "reply in Spanish", "write in Chinese",
            "answer only in English", "your answer must be in Italian",
            "your response should be written in Portuguese",
        ),
    ),
    Phrasing(
        "reasoning_yes",
        re.compile(
            r"\b(?:(?:think|reason)\s+step[-\s]by[-\s]step|show\s+(?:all\s+)?your\s+(?:work|reasoning|steps)"
            r"|explain\s+your\s+reasoning)\b",
            _FLAGS,
        ),
        _const(("require_reasoning", True)),
        ("think step by step", "reason step by step", "show your work", "show your reasoning", "explain your reasoning"),
    ),
    Phrasing(
        "reasoning_no",
        re.compile(
            r"\b(?:without\s+(?:any\s+)?(?:explanation|justification)|no\s+explanation|(?:do\s+not|don['’]t)\s+explain)\b",
            _FLAGS,
        ),
        _const(("require_reasoning", False)),
        ("without explanation", "without any explanation", "no explanation", "do not explain", "don't explain"),
        negatable=False,
    ),
)

# A negation in the few characters before a phrase cancels it ("do not answer in French").
_NEGATION = re.compile(r"(?:\bnot|n['’]t|\bnever|\bwithout)\s+(?:\w+\s+)?$", _FLAGS)
_NEGATION_WINDOW = 24

# Function words that end a bare keyword list ("include the word apple in your answer").
_STOPWORDS = frozenset(
    """a an the and or but in on at of to for with by from into as is are be it its this that these those
    your you yours their our my his her any some all each every following word words keyword keywords
    phrase phrases term terms also both either not no""".split()
)
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "`": "`", "”": "”"}
_BARE_WORD = re.compile(r"[^\W\d_][\w'’-]{0,40}")
_LIST_START = re.compile(r"[ \t]*:?[ \t]*")
_SEPARATOR = re.compile(r"\s*(?:,|;|/)\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_WINDOW = 300
_MAX_KEYWORD = 60


def read_keyword_list(text: str, start: int, capitalised_only: bool = False) -> list[str]:
    """Read the keywords that follow a phrase such as "include the words".

    A hand-written scanner over ``text[start:start + 300]`` (bounded, so long prompts stay linear).

    Args:
        text: the prompt text.
        start: index just after the phrase.
        capitalised_only: accept bare words only when capitalised (used after "mention").

    Returns:
        The keywords in order (quoted ones may hold spaces); empty when none follow.
    """
    window = text[start : start + _WINDOW]
    pos = _LIST_START.match(window).end()  # type: ignore[union-attr]  # matches the empty string
    if pos == 0 and window[:1].isalnum():
        return []  # the phrase ran into a longer word ("mentioned")
    out: list[str] = []
    while pos < len(window):
        if window[pos].isspace():
            pos += 1
            continue
        char = window[pos]
        if char in _QUOTES:
            close = window.find(_QUOTES[char], pos + 1, pos + 2 + _MAX_KEYWORD)
            item = window[pos + 1 : close].strip() if close > 0 else ""
            if not item:
                break
            out.append(" ".join(item.split()))
            pos = close + 1
        else:
            word = _BARE_WORD.match(window, pos)
            if word is None:
                break
            token = word.group(0).rstrip("-'’")
            if token.lower() in _STOPWORDS or (capitalised_only and not token[0].isupper()):
                break
            out.append(token)
            pos = word.end()
        sep = _SEPARATOR.match(window, pos)
        if sep is None:
            break
        pos = sep.end()
    return out


def _negated(text: str, start: int) -> bool:
    return _NEGATION.search(text, max(0, start - _NEGATION_WINDOW), start) is not None


def iter_matches(text: str) -> Iterator[tuple[int, Phrasing, list[Update]]]:
    """Every recognised phrase in ``text`` as (position, phrasing, field updates), in phrasing order.

    The banned-keyword phrasing comes before the required one in `PHRASINGS` so that "use the word"
    inside "do not use the word" can be skipped.
    """
    banned_spans: list[tuple[int, int]] = []
    for phrasing in PHRASINGS:
        for match in phrasing.pattern.finditer(text):
            if phrasing.negatable and _negated(text, match.start()):
                continue
            if phrasing.name == "keywords_banned":
                banned_spans.append(match.span())
            elif phrasing.name == "keywords_required" and any(s <= match.start() < e for s, e in banned_spans):
                continue  # "use the word" inside "do not use the word"
            yield match.start(), phrasing, phrasing.read(match, text)


def recognise(text: str) -> dict[str, Any]:
    """The constraint fields stated in ``text`` (only those found), merged as the docstring says.

    Args:
        text: the prompt text.

    Returns:
        A dict of `Constraints` field -> value, ready for ``Constraints(**found)``.
    """
    forms: set[str] = set()
    maxima: dict[str, int] = {}
    minima: dict[str, int] = {}
    keywords: dict[str, list[str]] = {"required_keywords": [], "banned_keywords": []}
    last: dict[str, tuple[int, Any]] = {}
    for position, _phrasing, updates in iter_matches(text):
        for field, value in updates:
            if field == "answer_form":
                forms.add(value)
            elif field.startswith("max_"):
                maxima[field] = min(value, maxima.get(field, value))
            elif field.startswith("min_"):
                minima[field] = max(value, minima.get(field, value))
            elif field in keywords:
                if value.lower() not in (k.lower() for k in keywords[field]):
                    keywords[field].append(value)
            elif field not in last or position >= last[field][0]:
                last[field] = (position, value)
    found: dict[str, Any] = {**maxima, **minima}
    for form in ANSWER_FORM_PRIORITY:
        if form in forms:
            found["answer_form"] = form
            break
    for field, values in keywords.items():
        if values:
            found[field] = tuple(values)
    for field, (_, value) in last.items():
        found[field] = value
    return found

