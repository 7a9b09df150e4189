"""Word and sentence counts for length limits.

Words: whitespace-separated tokens, except that each CJK ideograph and each kana counts as one word
(Chinese and Japanese do not separate words by spaces; a character is the usual unit for their
length limits). Korean Hangul is space-separated and counted by tokens. Punctuation-only tokens
("-", "—", "...") are not words.

Sentences: text segments ending in ".", "!", "?" (or a run of them) followed by whitespace or the
end, or in "。", "！", "？"; a blank line also ends a sentence (headings, list blocks). A segment
counts only if it holds a letter or digit. Known limits: abbreviations such as "e.g." or "Dr." end a
sentence early, and list items without final punctuation on consecutive lines count as one.
Both counters are single linear regex scans (a punctuation run is matched only from its first
character and possessively, so a long run of dots cannot make the scan quadratic).
"""

from __future__ import annotations

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_HAS_ALNUM = re.compile(r"[^\W_]")
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++(?=\s|$)|(?<![。！？])[。！？]++|\n[ \t]*+\n")


def count_words(text: str) -> int:
    """Number of words in ``text`` (see the module docstring for what counts)."""
    return sum(1 for m in _WORD.finditer(text) if _HAS_ALNUM.search(m.group(0)))


def count_sentences(text: str) -> int:
    """Number of sentences in ``text`` (see the module docstring for the rule and its limits)."""
    count, pos = 0, 0
    for match in _SENTENCE_END.finditer(text):
        if _HAS_ALNUM.search(text, pos, match.start()):
            count += 1
        pos = match.end()
    if _HAS_ALNUM.search(text, pos):
        count += 1
    return count
