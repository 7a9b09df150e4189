"""Picking the answer value out of a sentence, for numeric answers.

A final answer often comes as a sentence: "Final Answer: The largest $n$ is 34.", "Therefore $x
\\geq 5$ is the solution.", "所以一共有 13 只鸟。", "لذا ... هو **92**". `sentence_value` reads such a
sentence the way a grader does, in this order, in its LAST sentence (boilerplate such as "I hope it
is correct." dropped first):

in the last clause (", so", " and", " which", ... outside math) that holds a digit or math:

1. the value after the clause's last copula (" is ", " are ", " equals ", "=", "'s ", " est ",
   " es ", " ist ", "是", "为", " هو ", ...), when it holds a digit or math; if that value is itself
   prose ("a zero matrix: $M$"), steps 2-3 are applied to it;
2. else the last math span (``$...$``, ``\\(...\\)``);
3. else the last number (with its sign, decimals, a ``/`` fraction or a ``\\frac{a}{b}``; a unit or
   word glued to it, "858颗", "1,000.99m²", is left behind).

Clause cuts and sentence splits never fall inside a math span, so "$(7, 6)$" stays whole. Every step
is a bounded number of linear passes over the (size-limited) sentence.
"""

from __future__ import annotations

import re

from hymar.rewards.completion.markers import math_mask
from hymar.rewards.rules.answer_text import clean_answer

#: sentences a model appends after its answer that say nothing about it (lower-case prefixes)
BOILERPLATE = ("i hope it is correct", "i hope this is correct", "i hope it helps", "i hope this helps", "hope this helps")
_SENTENCE_SPLIT = (". ", "! ", "? ", "; ", "。", "！", "？", "। ", "؟ ", ".\n", "\n")
_COPULAS = (" is ", " are ", " equals ", " was ", " be ", "=", "'s ", "\u2019s ", " est ", " es ", " ist ",
            " é ", " è ", "是", "为", "為", " هو ", " هي ", "は")  # fmt: skip
_CLAUSE_STOPS = (", ", " so ", " and ", " but ", " which ", "，", "、", " because ", " since ")
# a clause that names the value ruled out ("The area is 9, not 10"; "9 rather than 10")
_REJECTING_STARTS = ("not ", "but not ", "and not ", "rather than ", "instead of ", "pas ", "nicht ", "不是")
# a clause that says what the answer is not ("The area is not 9"): it states no value
_NEGATION = re.compile(r"\b(?:not|never|isn't|aren't|wasn't|cannot|can't|nicht|pas)\b|n't\b|不是")
# a value followed by the one it rules out: "9, not 8", "9 (not 8)", "9 rather than 8"
_REJECTED_TAIL = re.compile(
    r"(?:\s*,\s*(?:but\s+|and\s+)?not|\s*\(\s*not|,?\s+rather\s+than|,?\s+instead\s+of)\s+[^,;()]{1,40}\)?\s*$",
    re.IGNORECASE,
)
_REJECTED_TAIL_WINDOW = 120
# prose: runs of 2+ letters outside math; a CJK character is a word by itself (no spaces there)
_LETTERS = re.compile(r"[\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af]|[^\W\d_]{2,}")
_MATH_WORDS = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "max", "min", "sqrt", "det", "gcd", "lcm",
     "mod", "pi", "infty", "frac", "dfrac", "cdot", "times", "text", "mathrm", "le", "ge", "leq", "geq"}
)  # fmt: skip
_NUMBER = re.compile(
    r"\\[dt]?frac\{-?\d+\}\{-?\d+\}|(?<![0-9A-Za-z.])[-\u2212]?\d+(?:[.,]\d+)*(?:/\d+)?%?"
)
#: how much of the end of a sentence is read (bounds the work on a hostile megabyte line)
MAX_SENTENCE_CHARS = 4000


def prose_words(text: str, min_letters: int = 2) -> int:
    """How many words of prose (``min_letters`` letters or more; a CJK character is a word) ``text``
    holds outside math spans; function names do not count."""
    mask = math_mask(text)
    count = 0
    for m in _LETTERS.finditer(text):
        word = m.group()
        if len(word) < min_letters and ord(word[0]) < 0x2E80:
            continue
        if not mask[m.start()] and word.lower() not in _MATH_WORDS and not _after_backslash(text, m.start()):
            count += 1
    return count


def strip_boilerplate(text: str) -> str:
    """``text`` without trailing sentences from `BOILERPLATE` ("... is 12. I hope it is correct.")."""
    s = text.rstrip()
    for _ in range(3):
        lowered = s.lower()
        cut = max(lowered.rfind(b) for b in BOILERPLATE)
        if cut < 0 or lowered[cut:].strip(" .!").strip() not in BOILERPLATE:
            break
        s = s[:cut].rstrip()
    return s


def last_sentence(text: str) -> str:
    """The last non-empty sentence of ``text`` (split outside math; see `_SENTENCE_SPLIT`)."""
    # a display ending a sentence ("... = 2.$$ Therefore ...") puts its full stop inside the math
    s = strip_boilerplate(text).replace(".$$", "$$.").replace(".\\]", "\\].").rstrip(" .!。！")
    mask = math_mask(s)
    start = 0
    for i in range(len(s)):
        if not mask[i] and s.startswith(_SENTENCE_SPLIT, i) and s[i + 1 :].strip():
            start = i + 1
    return s[start:].strip()


def sentence_value(text: str, min_prose_words: int = 1) -> str | None:
    """The value a sentence states (see the module docstring), or None when ``text`` is not a
    sentence (fewer than ``min_prose_words`` words of prose) or states no value.

    The value comes from the LAST clause that states one ("The total is 40, so each box holds 5"
    states 5; "The answer is 42, which is even" states 42).
    """
    # a very long sentence: only its end can state the value
    sentence = last_sentence(text)[-MAX_SENTENCE_CHARS:]
    if not sentence or prose_words(sentence) < min_prose_words:
        return None
    clauses = _clauses(sentence)
    for index in range(len(clauses) - 1, -1, -1):
        clause = clauses[index]
        if index > 0 and clause.lstrip().lower().startswith(_REJECTING_STARTS):
            continue  # ", not 10": the value ruled out; the answer is in an earlier clause
        if _has_digit(clause) or _last_math(clause) is not None:
            if _negated(clause):
                return None  # "The area is not 9": no value stated
            return _clause_value(clause)
    return None


def drop_rejected_tail(value: str) -> str:
    """``value`` without a trailing alternative it rules out ("9, not 8" -> "9"; "B (not C)" -> "B").

    Only a comma, a parenthesis, "rather than" or "instead of" introduces the tail, so a value that is
    itself a negative statement ("It is not possible") stays whole; the tail never starts inside math.
    """
    # the tail is short: searching only the end keeps a hostile run of spaces from costing n^2
    found = _REJECTED_TAIL.search(value, max(0, len(value) - _REJECTED_TAIL_WINDOW))
    if found is None or math_mask(value)[found.start()] or not value[: found.start()].strip():
        return value
    return value[: found.start()].rstrip()


def _negated(clause: str) -> bool:
    """The clause negates its value: a negation after its last copula ("is not 9") or in the word before
    it ("cannot be 9"), or anywhere in a clause without a copula ("It isn't 9"). A negation before an
    earlier copula ("not 10, it's 12" read as one clause) does not count. Math spans are ignored."""
    mask = math_mask(clause)
    prose = "".join(" " if masked else ch for ch, masked in zip(clause, mask)).lower().replace("\u2019", "'")
    after = _after_copula(prose)
    if after is not None:
        before = prose[: len(prose) - len(after)].split()
        prose = (before[-2] if len(before) >= 2 else "") + " " + after
    return _NEGATION.search(prose) is not None


def _clause_value(clause: str) -> str | None:
    after = _after_copula(clause)
    if after is not None:
        value = clean_answer(after)
        if prose_words(value) == 0 and (_has_digit(value) or _last_math(after) is not None):
            return value or None
        picked = _last_math(after) or _last_number(after)
        if picked is not None:
            return picked
    return _last_math(clause) or _last_number(clause)


def _clauses(sentence: str) -> list[str]:
    """The sentence cut at `_CLAUSE_STOPS` outside math (", so ", " and ", " which ", ...)."""
    mask = math_mask(sentence)
    out, start = [], 0
    for i in range(len(sentence)):
        if not mask[i] and sentence.startswith(_CLAUSE_STOPS, i) and i >= start:
            out.append(sentence[start:i])
            start = i + 1
    out.append(sentence[start:])
    return [c for c in out if c.strip()]


def count_values(text: str) -> int:
    """Numbers and math spans in ``text`` (a number inside a math span is not counted again)."""
    mask = math_mask(text)
    spans = sum(1 for i in range(len(text)) if mask[i] and (i == 0 or not mask[i - 1]))
    return spans + sum(1 for m in _NUMBER.finditer(text) if not mask[m.start()])


# --- internals -------------------------------------------------------------------------------


def _after_copula(sentence: str) -> str | None:
    """The clause after the last copula outside math, or None."""
    mask = math_mask(sentence)
    best = -1
    best_len = 0
    for copula in _COPULAS:
        at = sentence.rfind(copula)
        while at >= 0 and mask[at]:
            at = sentence.rfind(copula, 0, at)
        if at > best:
            best, best_len = at, len(copula)
    if best < 0:
        return None
    if sentence[best] == "=" and best > 0 and sentence[best - 1] in "<>!":
        return None  # "<=", ">=", "!=": a relation, not "is"
    return sentence[best + best_len :]


def _last_math(text: str) -> str | None:
    """The content of the last non-empty math span (a run of `math_mask`), delimiters stripped."""
    mask = math_mask(text)
    end = len(text)
    while end > 0:
        while end > 0 and not mask[end - 1]:
            end -= 1
        start = end
        while start > 0 and mask[start - 1]:
            start -= 1
        if start == end:
            return None
        inner = clean_answer(text[start:end])
        if inner and inner not in ("$", "$$"):
            return inner
        end = start
    return None


def _last_number(text: str) -> str | None:
    found = None
    for m in _NUMBER.finditer(text):
        found = m.group()
    return found.rstrip(".,") if found else None


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _after_backslash(text: str, pos: int) -> bool:
    """A command name (``\\frac``), or letters after a control character (a mangled command)."""
    return pos > 0 and (text[pos - 1] == "\\" or not text[pos - 1].isprintable())
