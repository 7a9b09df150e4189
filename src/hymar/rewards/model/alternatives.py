"""Split an answer into the alternatives it states, so a model score can take the weakest one.

A hedge ("a red circle or a blue square"), a late correction ("A red circle. Actually, a blue
square.") or alternatives glued with invisible characters all contain the right description next to
a wrong one. A similarity score of the whole text rises with every right phrase it contains, so
listing alternatives beats committing to one wrong answer: exactly what GRPO would learn
(`hymar probe`, exploits ``late_contradiction`` and ``zero_width_hedge``). Scoring such an answer by
its weakest alternative gives a hedge no more than its wrong part alone.

Markers: "or", "actually", "rather", "instead", "wait", "ou" (French) and "oder" (German), as whole
words, case-insensitive. Format characters (zero-width spaces and joiners, Unicode category Cf)
count as spaces first.
"""

from __future__ import annotations

import re
import unicodedata

_MARKERS = re.compile(r"\b(?:or|actually|rather|instead|wait|ou|oder)\b", re.IGNORECASE)
_EDGES = " \t\r\n,;:-"
_REPEATED_END = re.compile(r"([.!?])\1+$")
#: longest text split (longer answers are scored whole: the split is a guard against hedges, not a parser)
MAX_CHARS = 2000


def split_alternatives(text: str) -> list[str]:
    """The alternatives ``text`` states, or ``[text]`` when it states one.

    Example:
        >>> split_alternatives("A red circle. Actually, a blue square.")
        ['A red circle.', 'a blue square.']
        >>> split_alternatives("A red circle on a white background.")
        ['A red circle on a white background.']
    """
    if len(text) > MAX_CHARS:
        return [text]
    visible = invisible_as_spaces(text)
    parts = [_REPEATED_END.sub(r"\1", p.strip(_EDGES)) for p in _MARKERS.split(visible)]
    parts = [p for p in parts if any(ch.isalnum() for ch in p)]
    return parts if len(parts) > 1 else [text]


def invisible_as_spaces(text: str) -> str:
    """``text`` with every format character (Unicode category Cf: zero-width spaces and joiners, BOM)
    replaced by a space; linear."""
    if text.isascii():
        return text
    return "".join(" " if unicodedata.category(ch) == "Cf" else ch for ch in text)
