"""Final-answer marker phrases ("The answer is X", "Answer: X", "## Final Answer" + next line), in the
languages multilingual benchmarks use, and the value that follows one.

Marker words (case-insensitive): English "answer"; French "réponse", Spanish "respuesta", Portuguese
"resposta", Italian "risposta", German "Antwort", Dutch "antwoord", Russian "ответ", Ukrainian
"відповідь", Polish "odpowiedź", Turkish "cevap"/"yanıt", Indonesian "jawaban", Malay "jawapan",
Vietnamese "đáp án", Swahili "jibu", Greek "απάντηση", Hebrew "תשובה", Arabic "الإجابة"/"الجواب",
Hindi "उत्तर", Bengali "উত্তর", Thai "คำตอบ", Chinese "答案" (and "答" before a colon), Japanese
"答え"/"解答", Korean "정답"/"답". A word counts as:

- ``answer_is``: followed by a copula: " is", " est", " es", " ist", " lautet", " é", " è", "是",
  "为", "は", "은"/"는", " هو"/" هي"; the value runs to the end of the sentence;
- ``answer_colon``: followed (after at most four spaces or markdown marks, and optionally an
  adjective such as "final"/"finale") by ":" or "：", or at the start of a line directly by math
  (``Answer $9$``, ``Answer \\( 9 \\)``), or alone on its line as a heading (value on the next line).

Latin, Cyrillic and Greek words need a word boundary before them ("reanswer" is no marker); CJK
words do not (their scripts have no spaces). Every pattern is a literal alternation or a bounded
look-around, so a scan is linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER_WORDS = (
    "answer", "réponse", "reponse", "respuesta", "resposta", "risposta", "antwort", "antwoord",
    "ответ", "відповідь", "odpowiedź", "cevap", "yanıt", "jawaban", "jawapan", "đáp án", "jibu",
    "απάντηση", "תשובה", "الإجابة", "الاجابة", "الجواب", "उत्तर", "উত্তর", "คำตอบ",
    "答案", "答え", "解答", "정답", "答", "답",
)  # fmt: skip
# Longest first, so "答案" wins over "答" at the same position.
_MARKER_RE = re.compile("|".join(re.escape(w) for w in sorted(MARKER_WORDS, key=len, reverse=True)), re.IGNORECASE)
# Words that only mark an answer when a colon follows ("答" alone is a common word part).
_COLON_ONLY = frozenset({"答", "답"})
COPULAS = (" is", " est", " es", " ist", " lautet", " é", " è", "是", "为", "為", "は", "은", "는", " هو", " هي")
# adjectives written after the marker word ("Réponse finale :", "Respuesta correcta:")
_POST_WORDS = ("final", "finale", "finales", "correcte", "correcta", "correta", "corretta", "definitiva")
_COLONS = ":："
_INLINE_JUNK = re.compile(r"[ \t*_:：#>]*")
_ANY_SPACE = re.compile(r"\s*")
_MATH_OPENERS = ("$$", "\\[", "$", "\\(")
_MATH_CLOSERS = {"$$": "$$", "\\[": "\\]", "$": "$", "\\(": "\\)"}
# where an "answer is" value ends: a sentence end or a reason clause
SENTENCE_ENDS = (". ", ".\t", "! ", "? ", "; ", " because ", " since ", "。", "！", "？", "। ")


@dataclass(frozen=True)
class Marker:
    """One final-answer marker in a text.

    Attributes:
        kind: "answer_is" or "answer_colon".
        start: index of the marker word.
        value_start: where its value begins (the value may start on the next line).
        word_before: the word just before the marker (lower-cased, for "the answer is" vs
            "this answer is").
    """

    kind: str
    start: int
    value_start: int
    word_before: str


def find_markers(text: str, max_markers: int = 64) -> list[Marker]:
    """Every marker in ``text`` by the module's rules, in order (the last ``max_markers`` at most)."""
    out: list[Marker] = []
    for m in _MARKER_RE.finditer(text):
        start, end = m.start(), m.end()
        word = m.group().lower()
        if _needs_boundary(word) and start > 0 and text[start - 1].isalnum():
            continue
        kind, value_at = _classify(text, start, end, word)
        if kind is None:
            continue
        out.append(Marker(kind, start, value_at, _word_before(text, start)))
    return out[-max_markers:]


def value_after(text: str, pos: int, cap: int, sentence: bool) -> str:
    """The value after a marker: the rest of its line, or the next non-empty line when the rest is
    empty. A math span opened there (``$$``, ``\\[``, ``$``, ``\\(``) is taken whole even across lines.
    With ``sentence``, the value ends at the first `SENTENCE_ENDS` outside math.

    At most ``cap + 1`` characters are taken, so an over-long value stays over-long (and is then
    rejected by the verifier) instead of being truncated into something that looks valid.
    """
    n = len(text)
    pos = _INLINE_JUNK.match(text, pos).end()
    if pos >= n or text[pos] in "\r\n":
        pos = _ANY_SPACE.match(text, pos).end()
        pos = _INLINE_JUNK.match(text, pos).end()
    limit = min(n, pos + cap + 1)
    span_end = _math_span_end(text, pos, limit)
    line_end = text.find("\n", span_end if span_end is not None else pos, limit)
    value = text[pos : line_end if line_end >= 0 else limit]
    if sentence:
        cut = sentence_end(value)
        if cut >= 0:
            value = value[:cut]
    return value


def sentence_end(text: str) -> int:
    """Index of the first `SENTENCE_ENDS` in ``text`` outside math spans, or -1 (one linear pass)."""
    mask = math_mask(text)
    for i in range(len(text)):
        if not mask[i] and text.startswith(SENTENCE_ENDS, i):
            return i
    return -1


def math_mask(text: str) -> bytearray:
    """1 for each position inside ``$...$``, ``$$...$$``, ``\\(...\\)`` or ``\\[...\\]`` (delimiters
    included), else 0. An escaped ``\\$`` is a dollar sign, and so is a last ``$`` left without a
    partner ("220 $ à payer": a currency sign, not math to the end of the text). Linear.
    """
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        return bytearray(len(text))  # most prose: no math at all
    singles = _single_dollars(text)
    lone = singles[-1] if len(singles) % 2 == 1 else -1
    mask = bytearray(len(text))
    inline = display = False
    depth = 0
    i, n = 0, len(text)
    while i < n:
        two = text[i : i + 2]
        if two == "\\$":
            i += 2
            continue
        if two == "$$":
            display = not display
            mask[i] = mask[i + 1] = 1
            i += 2
            continue
        if two in ("\\(", "\\["):
            depth += 1
            mask[i] = mask[i + 1] = 1
            i += 2
            continue
        if two in ("\\)", "\\]") and depth:
            depth -= 1
            mask[i] = mask[i + 1] = 1
            i += 2
            continue
        if text[i] == "$" and i != lone:
            inline = not inline
            mask[i] = 1
        elif inline or display or depth:
            mask[i] = 1
        i += 1
    return mask


def _single_dollars(text: str) -> list[int]:
    """Positions of the single ``$`` delimiters (not escaped, not part of ``$$``)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("\\$", i) or text.startswith("$$", i):
            i += 2
            continue
        if text[i] == "$":
            out.append(i)
        i += 1
    return out


# --- internals -------------------------------------------------------------------------------


def _needs_boundary(word: str) -> bool:
    return ord(word[0]) < 0x2E80  # scripts written with spaces between words


def _classify(text: str, start: int, end: int, word: str) -> tuple[str | None, int]:
    """(kind, where the value starts) for the marker word at ``text[start:end]``."""
    n = len(text)
    if word not in _COLON_ONLY:
        for copula in COPULAS:
            stop = end + len(copula)
            if text.startswith(copula, end) and (stop >= n or not (copula[-1].isalpha() and text[stop].isalpha())):
                return "answer_is", stop
    j = _skip(text, end, " *_")
    after_word = _post_word(text, j)
    if after_word is not None:
        j = _skip(text, after_word, " *_")
    if j < n and text[j] in _COLONS:
        return "answer_colon", j + 1
    if word in _COLON_ONLY or not _starts_line(text, start):
        return None, end
    k = _skip(text, end, " \t*_#")
    if k < n and text.startswith(_MATH_OPENERS, k) and not text[end:k].strip(" \t"):
        return "answer_colon", k  # "Answer $9$", "Answer \\( 9 \\)"
    if k >= n or text[k] in "\r\n":
        return "answer_colon", k  # a heading: "## Final Answer" with the value on the next line
    return None, end


def _skip(text: str, pos: int, chars: str, most: int = 4) -> int:
    j = pos
    while j < len(text) and j - pos < most and text[j] in chars:
        j += 1
    return j


def _post_word(text: str, pos: int) -> int | None:
    for word in _POST_WORDS:
        stop = pos + len(word)
        if text[pos:stop].lower() == word and (stop >= len(text) or not text[stop].isalpha()):
            return stop
    return None


def _starts_line(text: str, start: int) -> bool:
    """The marker word begins its line, after markdown marks and an optional "final "."""
    i = start
    if text[max(0, i - 6) : i].lower() == "final ":
        i -= 6
    while i > 0 and start - i < 12 and text[i - 1] in " \t*_#":
        i -= 1
    return i == 0 or text[i - 1] == "\n"


def _word_before(text: str, pos: int) -> str:
    """The word just before ``pos`` (lower-cased; at most 20 characters are looked at)."""
    window = text[max(0, pos - 20) : pos].split()
    return window[-1].lower().strip("*_") if window else ""


def _math_span_end(text: str, pos: int, limit: int) -> int | None:
    """End of a math span opened at ``pos`` (searched up to ``limit``), or None."""
    for opener in _MATH_OPENERS:
        if text.startswith(opener, pos):
            close = text.find(_MATH_CLOSERS[opener], pos + len(opener), limit)
            return close + len(_MATH_CLOSERS[opener]) if close >= 0 else None
    return None
