"""String normalisation of math answers: linear, pure string work, no parsing."""

from __future__ import annotations

import re

from hymar.rewards.completion.boxes import matching_brace
from hymar.rewards.rules.numbers import percent_words_to_sign

_PLAIN_REPLACEMENTS = (
    ("\u2212", "-"),
    ("\u221e", "\\infty"),
    ("\\infin ", "\\infty "),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("\\displaystyle", ""),
    ("\\textstyle", ""),
    ("\\$", ""),  # currency: decoration
    ("$", ""),
    ("\\(", ""),
    ("\\)", ""),
    ("\\[", ""),
    ("\\]", ""),
    ("\\lbrace", "\\{"),
    ("\\rbrace", "\\}"),
    ("\\%", "%"),
    ("\\!", ""),
    ("\\,", " "),
    ("\\;", " "),
    ("\\:", " "),
    ("\\ ", " "),
    ("\\qquad", " "),
    ("\\quad", " "),
    ("~", " "),
    ("^{\\circ}", "°"),
    ("^\\circ", "°"),
    ("\\degree", "°"),
    ("\\circ", "°"),
)
_LEFT_RIGHT_RE = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![A-Za-z])")
_WRAPPER_START_RE = re.compile(
    r"\\(?:text|mathrm|textrm|mbox|textbf|mathbf|textit|mathit|textnormal|boxed)\s*\{"
)
_MAX_UNWRAPS = 64
_AND_OR_RE = re.compile(r"\s+(?:and|or)\s+")
_SPACES_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical string form of an answer (see the module docstring for the rules).

    Args:
        text: an extracted answer, e.g. ``"$\\dfrac{1}{2}$."``.

    Returns:
        The normalised string, e.g. ``"\\frac{1}{2}"``.
    """
    s = text
    for old, new in _PLAIN_REPLACEMENTS:
        if old in s:
            s = s.replace(old, new)
    s = _LEFT_RIGHT_RE.sub("", s)
    s = _unwrap_wrappers(s)
    s = _SPACES_RE.sub(" ", s).strip()
    s = percent_words_to_sign(s)
    s = _AND_OR_RE.sub(", ", s)
    while s.endswith(".") and not s.endswith(".."):
        s = s[:-1].rstrip()
    if s.startswith("+") and not s.startswith("+-"):
        s = s[1:].lstrip()
    return s


def _unwrap_wrappers(s: str) -> str:
    """Replace ``\\text{...}``, ``\\boxed{...}`` and friends by their content (nested braces allowed)."""
    pos = 0
    for _ in range(_MAX_UNWRAPS):
        m = _WRAPPER_START_RE.search(s, pos)
        if m is None:
            break
        close = matching_brace(s, m.end() - 1)
        if close is None:
            break
        s = f"{s[: m.start()]} {s[m.end() : close]} {s[close + 1 :]}"
        pos = m.start()
    return s


_VAR_RE = re.compile(
    r"(?P<v>[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|\\[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?)\s*(?:=|\\in(?![A-Za-z]))\s*(?P<rhs>.+)",
    re.DOTALL,
)


def strip_variable(s: str) -> tuple[str | None, str]:
    """``"x = 2"`` -> ("x", "2"); ``"x \\in [1,3)"`` -> ("x", "[1,3)"); anything else -> (None, s)."""
    m = _VAR_RE.fullmatch(s)
    if m is None or "=" in m.group("rhs"):
        return None, s
    return m.group("v"), m.group("rhs").strip()

