"""A small, dependency-free language detector for short answers.

Two methods, tried in order:

1. Script: letters are binned by Unicode script. When at least half of them are non-Latin, the
   dominant script names the language: Han -> zh (ja when kana make up >= 10 % of the CJK letters),
   kana -> ja, Hangul -> ko, Cyrillic -> ru, Arabic -> ar, Greek -> el, Hebrew -> he,
   Devanagari -> hi. A script stands for its most common language (Cyrillic Ukrainian reads as ru,
   Persian as ar, Japanese written only in kanji as zh).
2. Stopwords, for Latin-script text: each word found in a language's list of frequent function
   words votes for it with weight 1/k, where k is how many of the lists hold the word ("de" is in
   five lists and counts little, "the" or "und" count fully). The language with the most votes wins.

Undetectable: fewer than ``min_words`` (default 3) Latin-script words, or no stopword at all (a list
of names, a number) -> ``Detection(language=None)``. Confidence of a stopword decision:
(0.5 + 0.5 * margin) * min(1, words / 8), margin = (best - second) / best, so short or ambiguous
texts get low confidence; a script decision gets 1.0 (0.9 for Han without kana, which may be
Japanese written only in kanji).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """the and is are was were of to in that it with for on this be have has not you he she they we but at
        by from or an which would there their what about can will been had its than them who when does""".split()
    ),
    "fr": frozenset(
        """le la les de des du un une et est sont que qui dans pour pas ne sur avec au aux ce cette il elle ils
        nous vous je mais ou plus par se son sa ses été être avoir très c l d qu j n leur aussi comme""".split()
    ),
    "de": frozenset(
        """der die das und ist sind nicht ein eine einen dem den des zu mit von auf für im sich auch es ich wir
        sie er dass wie oder aber wird werden hat haben war bei nach noch nur kann einer""".split()
    ),
    "es": frozenset(
        """el la los las de del y que en un una es son por para con no se su sus lo al como más pero este esta
        está están muy también ha hay fue ser yo entre cuando donde porque""".split()
    ),
    "it": frozenset(
        """il lo la gli le di del della dei e è che un una per non con sono si da in al alla anche come più ma
        questo questa molto ha hanno essere stato nel nella ci perché l dell""".split()
    ),
    "pt": frozenset(
        """o a os as de do da dos das e é que um uma em no na não para com por se são mais mas como foi ao seu
        sua também muito está ser tem isso este esta eu você pelo pela""".split()
    ),
    "nl": frozenset(
        """de het een en van is zijn niet dat die in op te met voor er ook aan als maar om bij door naar dan wat
        wordt worden hij zij ik we je heeft hebben was nog deze dit geen""".split()
    ),
}
_WEIGHT: dict[str, float] = {}
for _words in _STOPWORDS.values():
    for _w in _words:
        _WEIGHT[_w] = _WEIGHT.get(_w, 0.0) + 1.0
_WEIGHT = {w: 1.0 / k for w, k in _WEIGHT.items()}

#: script name -> language code it stands for
_SCRIPT_LANGUAGE = {
    "han": "zh", "kana": "ja", "hangul": "ko", "cyrillic": "ru", "arabic": "ar", "greek": "el",
    "hebrew": "he", "devanagari": "hi",
}
#: every language code `detect_language` can return
SUPPORTED_LANGUAGES = frozenset(_STOPWORDS) | frozenset(_SCRIPT_LANGUAGE.values())

_RANGES = (  # (first, last, script), checked in order
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"),
    (0xF900, 0xFAFF, "han"), (0xAC00, 0xD7AF, "hangul"), (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"),
    (0x0400, 0x052F, "cyrillic"), (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"),
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"), (0x0590, 0x05FF, "hebrew"), (0x0900, 0x097F, "devanagari"),
)
_LATIN_WORD = re.compile(r"[^\W\d_]+")
#: longest prefix of a text the detector reads (a few thousand characters decide any language)
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Detection:
    """The detector's verdict.

    Attributes:
        language: ISO 639-1 code, or None when undetectable.
        confidence: in [0, 1] (0 when undetectable).
        method: "script", "stopwords" or "undetectable".
        scores: per-language votes (stopwords) or letter counts (script), for debugging.
    """

    language: str | None
    confidence: float
    method: str
    scores: dict[str, float] = field(default_factory=dict)


def _script(char: str) -> str | None:
    code = ord(char)
    if code < 0x0250:
        return "latin" if char.isalpha() else None
    for first, last, name in _RANGES:
        if first <= code <= last:
            return name
    if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return None


def detect_language(text: str, min_words: int = 3) -> Detection:
    """Detect the language of ``text`` (see the module docstring for the method).

    Args:
        text: the text, e.g. an answer section (only its first 20,000 characters are read).
        min_words: fewer Latin-script words than this is undetectable.

    Returns:
        A `Detection`; ``language`` is None when the text is too short or has no stopword.

    Example:
        >>> detect_language("Le chat est sur la table et il dort.").language
        'fr'
    """
    text = text[:MAX_CHARS]
    scripts = Counter(s for s in map(_script, text) if s is not None)
    letters = sum(scripts.values())
    non_latin = letters - scripts.get("latin", 0)
    if letters and non_latin * 2 >= letters:
        cjk = scripts.get("han", 0) + scripts.get("kana", 0)
        if cjk and scripts.get("kana", 0) * 10 >= cjk:
            return Detection("ja", 1.0, "script", dict(scripts))
        top = max((s for s in scripts if s != "latin"), key=lambda s: scripts[s])
        return Detection(_SCRIPT_LANGUAGE[top], 0.9 if top == "han" else 1.0, "script", dict(scripts))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if len(words) < min_words:
        return Detection(None, 0.0, "undetectable", {"words": float(len(words))})
    votes: dict[str, float] = {}
    for word in words:
        weight = _WEIGHT.get(word)
        if weight is None:
            continue
        for lang, stop in _STOPWORDS.items():
            if word in stop:
                votes[lang] = votes.get(lang, 0.0) + weight
    if not votes:
        return Detection(None, 0.0, "undetectable", {"words": float(len(words))})
    ranked = sorted(votes.items(), key=lambda kv: kv[1], reverse=True)
    best, best_votes = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_votes - second) / best_votes
    confidence = (0.5 + 0.5 * margin) * min(1.0, len(words) / 8)
    return Detection(best, round(confidence, 3), "stopwords", {k: round(v, 3) for k, v in ranked})
