"""Cleaning an extracted answer string, and telling a hedge from an answer.

`clean_answer` strips what surrounds an answer without being part of it (markdown emphasis, math
delimiters, quotes, ``\\text{}`` wrappers, trailing punctuation, a stray trailing backslash);
`detect_hedge` names the hedge in an answer ("3 or 4", "maybe 5", "4?"); `candidate_key` decides
whether two final answers are "the same" before any comparison. Every function is a bounded number
of linear passes.
"""

from __future__ import annotations

import re

from hymar.rewards.completion.boxes import matching_brace

_WORD = re.compile(r"[^\W_]+")
_WRAPPER_COMMANDS = ("\\boxed", "\\fbox", "\\text", "\\textbf", "\\mathrm", "\\mathbf", "\\textrm")
_HEDGE_WORDS = ("either", "maybe", "perhaps", "possibly", "between")  # "between 4 and 6": a range, no value
_QUOTES = (('\\"', '\\"'), ('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"), ("\u00ab", "\u00bb"), ("\u300c", "\u300d"))
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def clean_answer(answer: str) -> str:
    """Strip surrounding markdown and math delimiters (**x**, `x`, $x$, \\(x\\), \\text{x}), quotes
    ("x", 'x', «x», and ``\\"x\\"`` from text escaped twice), trailing punctuation ('.', ',', ';', ':', '。') and a stray trailing backslash
    (``185\\`` is 185: a ``\\ `` space cut by the extraction). A bounded number of rounds, each linear.

    Example:
        >>> clean_answer('**"C"**.'), clean_answer("$\\\\text{odd}$")
        ('C', 'odd')
    """
    s = answer.strip()
    for _ in range(8):
        before = s
        s = s.strip().rstrip(".,;:。，；：").strip()
        if s.endswith("\\") and not s.endswith("\\\\"):
            s = s[:-1].rstrip()
        if len(s) > 1 and s.strip("*`") and (s[0] in "*`" or s[-1] in "*`"):
            s = s.strip("*`")
        for left, right in _DELIMITERS + _QUOTES:
            if len(s) >= len(left) + len(right) + 1 and s.startswith(left) and s.endswith(right):
                s = s[len(left) : len(s) - len(right)]
                break
        s = _unwrap_command(s)
        if s == before:
            break
    return s.strip()


def detect_hedge(answer: str) -> str | None:
    """The hedge marker in ``answer`` ("or", "either", "maybe", ..., "question mark") or None.

    "or" counts only between two words ("3 or 4"), not at an edge.
    """
    stripped = answer.strip()
    if stripped.endswith("?"):
        return "question mark"
    words = [w.lower() for w in _WORD.findall(stripped)]
    for word in _HEDGE_WORDS:
        if word in words:
            return word
    for i, word in enumerate(words):
        if word == "or" and 0 < i < len(words) - 1:
            return "or"
    return None


def candidate_key(answer: str) -> str:
    """Light normalisation deciding whether two final answers are 'the same' rendering: spacing,
    ``\\left``/``\\right``, ``\\dfrac``, math delimiters and quotes do not count."""
    s = "".join(answer.split())
    for spacing in ("\\,", "\\!", "\\;", "\\:", "\\ ", "\\left", "\\right", "$", '"', "'"):
        s = s.replace(spacing, "")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    if len(s) == 3 and s[0] == "(" and s[2] == ")":
        s = s[1]
    return s


def _unwrap_command(s: str) -> str:
    """``\\text{x}`` -> ``x`` when the whole string is one such command (braces matched by hand)."""
    for command in _WRAPPER_COMMANDS:
        if not s.startswith(command):
            continue
        rest = s[len(command) :].lstrip()
        if not rest.startswith("{") or not rest.endswith("}"):
            continue
        close = matching_brace(rest, 0)
        return rest[1:-1] if close == len(rest) - 1 else s
    return s
