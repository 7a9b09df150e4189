"""Comparers for yes/no, count and short-text answers (the non-math rule paths).

Each comparer takes an already-extracted answer (``pred``) and the gold, and returns a
`Comparison`: ``equal=None`` when the GOLD cannot be read as this type (the verifier turns that into
an invalid score), ``equal=False`` when only the prediction cannot (the model failed to answer in
the expected form). All work is linear in the (size-limited) answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from hymar.rewards.rules.base import Comparison

_YES = frozenset({"yes", "true", "correct"})
_NO = frozenset({"no", "false", "incorrect"})
_NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "cannot", "isnt", "arent", "dont", "doesnt"})
_ARTICLES = frozenset({"a", "an", "the"})

_UNITS = {
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
# a signed digit group (thousands separators "1,000", optional decimals) or a run of letters
_COUNT_TOKEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+")
# counts beyond this many digits are not counts; compare_math handles big numbers
_MAX_COUNT_DIGITS = 30

_YESNO_WINDOW = 8  # the polarity word must come early: "The answer is yes" is fine, an essay is not
# words that join two polarities into a hedge: "yes and no", "yes or no", "both yes and no"
_JOINERS = frozenset({"and", "or", "nor"})

# LaTeX text wrappers whose command name is not part of the answer: "\text{odd}" is "odd". Only the
# command name is removed; its braces become spaces with the rest of the punctuation.
_LATEX_WRAPPER_RE = re.compile(
    r"\\(?:text|mathrm|textrm|textbf|mathbf|textit|mathit|textnormal|mbox|operatorname)\s*(?=\{)"
)


# "_2" / "^{2}" glued to a letter or digit: a chemical or unit subscript, part of the word
_SCRIPT_RE = re.compile(r"(?<=[A-Za-z0-9)\]])[_^]\{?([A-Za-z0-9+\-]{1,8})\}?")


def normalize_text(s: str) -> str:
    """SQuAD-style normalisation: NFKC, casefold, punctuation -> space (apostrophes removed),
    drop the articles a/an/the, collapse whitespace. LaTeX text wrappers (``\\text{}``,
    ``\\mathrm{}``, ``\\textbf{}``, ...) keep only their content, ``$`` math delimiters go, and a
    sub- or superscript inside a word is written inline (``H_2O``, ``H_{2}O`` and ``H₂O`` are H2O).

    Example:
        >>> normalize_text("The  Eiffel-Tower!"), normalize_text("$\\text{odd}$")
        ('eiffel tower', 'odd')
    """
    s = _LATEX_WRAPPER_RE.sub(" ", s).replace("$", " ")
    s = _SCRIPT_RE.sub(r"\1", s)
    s = unicodedata.normalize("NFKC", s).casefold()
    chars = []
    for ch in s:
        if ch in "'\u2019":
            continue  # "don't" -> "dont"
        chars.append(" " if unicodedata.category(ch).startswith("P") else ch)
    return " ".join(w for w in "".join(chars).split() if w not in _ARTICLES)


def parse_yesno(text: str) -> bool | None:
    """True/False for a yes/no answer ("Yes.", "YES", "yes, because ...", "The answer is no",
    "not correct"), None when no polarity word comes among the first few words, or when the first
    one is joined to the opposite polarity ("yes and no", "yes or no", "yes/no": see
    `is_yesno_hedge`)."""
    words = _yesno_words(text)
    for i, word in enumerate(words):
        if word in _YES or word in _NO:
            if _both_polarities(words, i):
                return None
            return _polarity(words, i)
    return None


def is_yesno_hedge(text: str) -> bool:
    """True when the answer gives both polarities joined together: "Yes and no", "yes or no",
    "both yes and no", "yes/no", "true or false". A hedge covering both answers is wrong, whatever
    the gold. "No, that is not true" is not a hedge: both words say no."""
    words = _yesno_words(text)
    return any((w in _YES or w in _NO) and _both_polarities(words, i) for i, w in enumerate(words))


def _yesno_words(text: str) -> list[str]:
    # "yes/no" joins like "or"; the slash would otherwise vanish with the punctuation
    return normalize_text(text.replace("/", " or ")).split()[:_YESNO_WINDOW]


def _polarity(words: list[str], i: int) -> bool:
    value = words[i] in _YES
    return (not value) if i > 0 and words[i - 1] == "not" else value


def _both_polarities(words: list[str], i: int) -> bool:
    """The polarity word at ``i`` is followed, after a joiner ("and"/"or"/"nor"), by a polarity word
    of the opposite meaning. Without a joiner it is a sentence ("Yes, no doubt"), not a hedge."""
    j = i + 2
    if j >= len(words) or words[i + 1] not in _JOINERS or not (words[j] in _YES or words[j] in _NO):
        return False
    return _polarity(words, i) != _polarity(words, j)


def compare_yesno(pred: str, gold: str) -> Comparison:
    """Compare yes/no-style answers (yes/no, true/false, correct/incorrect are synonyms). A hedge
    that gives both ("yes and no") is wrong at full confidence."""
    g = parse_yesno(gold)
    if g is None:
        return Comparison.undecided(f"gold {gold[:50]!r} is not a yes/no answer", method="yesno")
    if is_yesno_hedge(pred):
        return Comparison(False, 1.0, "yesno", "both yes and no")
    p = parse_yesno(pred)
    if p is None:
        return Comparison(False, 0.8, "yesno", "no yes/no in answer")
    return Comparison(p == g, 1.0, "yesno")


def parse_count(text: str) -> int | None:
    """A single non-negative whole number in ``text``, in digits or words, or None.

    Accepts "7", "7 apples", "1,000", "7.0", "seven", "twenty-three", "one hundred and five",
    "a dozen", "two dozen", "three thousand". Returns None when there is no number, a negative or
    non-integer number, or several different numbers ("2 cats and 3 dogs" is ambiguous).
    """
    found: set[int] = set()
    words: list[str] = []
    for token in _COUNT_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()):
        if token[0].isdigit() or token[0] == "-":
            if words:
                found.update(_words_to_numbers(words))
                words = []
            value = _digits_to_count(token)
            if value is None:
                return None
            found.add(value)
        else:
            words.append(token)
    found.update(_words_to_numbers(words))
    return found.pop() if len(found) == 1 else None


def compare_count(pred: str, gold: str) -> Comparison:
    """Compare counts ("seven" == "7 apples" == "7")."""
    g = parse_count(gold)
    if g is None:
        return Comparison.undecided(f"gold {gold[:50]!r} is not a count", method="count")
    p = parse_count(pred)
    if p is None:
        return Comparison(False, 0.8, "count", "no single count in answer")
    return Comparison(p == g, 1.0, "count")


def compare_text(pred: str, gold: str) -> Comparison:
    """Compare short text answers after `normalize_text`.

    Exact match -> equal, confidence 1.0. Otherwise "fuzzy" equal with confidence 0.7 when the gold
    appears as a whole-word phrase in a short prediction (at most twice the gold's words) or the
    token F1 (SQuAD's answer-overlap F1: harmonic mean of token precision and recall) is >= 0.8,
    unless the prediction adds a negation the gold lacks ("not Paris"). Otherwise not equal with
    confidence 0.9 (a different short answer is almost surely wrong, but wording varies).
    """
    g = normalize_text(gold).split()
    if not g:
        return Comparison.undecided("gold is empty after normalisation", method="text")
    p = normalize_text(pred).split()
    if p == g:
        return Comparison(True, 1.0, "exact")
    if not p:
        return Comparison(False, 0.9, "text", "empty answer")
    added_negation = (_NEGATIONS & set(p)) - set(g)
    if not added_negation:
        if len(p) <= 2 * len(g) and _contains_phrase(p, g):
            return Comparison(True, 0.7, "fuzzy", "gold phrase contained in answer")
        f1 = token_f1(p, g)
        if f1 >= 0.8:
            return Comparison(True, 0.7, "fuzzy", f"token F1 {f1:.2f}")
    return Comparison(False, 0.9, "text")


def token_f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    """Token-overlap F1 (as in the SQuAD evaluation script): 2PR/(P+R) over multiset overlap."""
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision = common / len(pred_tokens)
    recall = common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def _contains_phrase(tokens: list[str], phrase: list[str]) -> bool:
    # tokens is at most 2x phrase long here, so the naive scan is O(len(phrase)^2) on a short answer
    k = len(phrase)
    return any(tokens[i : i + k] == phrase for i in range(len(tokens) - k + 1))


def _digits_to_count(token: str) -> int | None:
    if token.startswith("-"):
        return None
    whole, _, frac = token.replace(",", "").partition(".")
    if frac.strip("0") or len(whole) > _MAX_COUNT_DIGITS:
        return None
    return int(whole)


def _words_to_numbers(words: list[str]) -> list[int]:
    """Numbers spelled out in a run of words ("twenty three", "a dozen", "one hundred and five").

    A unit right after a unit (or a tens word after anything but a scale) starts a new number, so
    "one two" gives [1, 2] rather than 3.
    """
    out: list[int] = []
    total = current = 0
    active = False
    last = ""  # kind of the previous number word: "unit", "tens", "scale"
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in _UNITS or word in _TENS:
            kind = "unit" if word in _UNITS else "tens"
            value = _UNITS.get(word, _TENS.get(word, 0))
            continues = active and (
                last == "scale" or (last == "tens" and kind == "unit" and value < 10)
            )
            if active and not continues:
                out.append(total + current)
                total = current = 0
            current += value
            active, last = True, kind
        elif word in ("hundred", "dozen"):
            current = (current or 1) * (100 if word == "hundred" else 12)
            active, last = True, "scale"
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
            active, last = True, "scale"
        elif word in ("a", "an") and (nxt in ("hundred", "dozen") or nxt in _SCALES):
            continue  # "a dozen" = 12: the multiplier reads (current or 1)
        elif word == "and" and active and (nxt in _UNITS or nxt in _TENS):
            continue  # "one hundred and five"
        elif active:
            out.append(total + current)
            total = current = 0
            active, last = False, ""
    if active:
        out.append(total + current)
    return out
