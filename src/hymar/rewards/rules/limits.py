"""Safety limits for rule-based verification of untrusted model output.

Everything the verifier does in-process is linear in the input size and bounded by these limits;
only the symbolic math path (``rules.math``) does super-linear work, and it runs in a time-bounded
worker process. Each limit is a documented constant and can be overridden per verifier through
`Limits` (``AccuracyReward(max_completion_chars=..., ...)``).

Invisible-character policy:
    * Zero-width characters (U+200B-U+200D, U+2060, U+FEFF) are stripped everywhere, reasoning and
      answer alike: they carry no meaning and only defeat string matching ("2\u200b4" is "24").
    * Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are ignored in
      the reasoning, but an EXTRACTED answer that contains one is invalid: bidi controls change how
      text displays (a right-to-left override shows "24" as "42"), so the string a human reviewer
      sees and the string we compare could differ.
"""

from __future__ import annotations

from dataclasses import dataclass

#: completions longer than this are not extracted at all (invalid, never silently truncated)
MAX_COMPLETION_CHARS = 262_144
#: an extracted final answer longer than this is invalid (no real answer is this long)
MAX_ANSWER_CHARS = 2_000
#: more \boxed{} / \fbox{} than this in one completion is invalid
MAX_BOXED = 64
#: brace nesting deeper than this inside a \boxed{} is invalid
MAX_BRACE_DEPTH = 64

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# str.translate table deleting every zero-width character (one linear pass)
_STRIP_TABLE = {ord(ch): None for ch in ZERO_WIDTH}


class LimitExceeded(ValueError):
    """An input broke a safety limit; the message is the invalid reason shown to users."""


@dataclass(frozen=True)
class Limits:
    """Size limits applied by the verifier (defaults are the module constants).

    Args:
        max_completion_chars: longest completion that is extracted at all.
        max_answer_chars: longest extracted answer that is compared.
        max_boxed: most \\boxed{} in one completion.
        max_brace_depth: deepest brace nesting inside a \\boxed{}.
    """

    max_completion_chars: int = MAX_COMPLETION_CHARS
    max_answer_chars: int = MAX_ANSWER_CHARS
    max_boxed: int = MAX_BOXED
    max_brace_depth: int = MAX_BRACE_DEPTH

    def __post_init__(self) -> None:
        for name in ("max_completion_chars", "max_answer_chars", "max_boxed", "max_brace_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = Limits()


def check_text(text: str, field: str, max_chars: int = MAX_COMPLETION_CHARS) -> str | None:
    """Return why ``text`` cannot be verified, or None when it is acceptable.

    Args:
        text: the untrusted text (completion, answer or gold).
        field: its name, used in the reason ("completion", "gold", ...).
        max_chars: longest acceptable length.

    Returns:
        An invalid reason (not a string, over-length, null bytes, lone surrogates) or None.

    The length check comes first so a hostile megabyte costs O(1) before any other pass.
    """
    if not isinstance(text, str):
        return f"{field} is not a string ({type(text).__name__})"
    if len(text) > max_chars:
        return f"{field} too long ({len(text)} > {max_chars} characters)"
    if "\x00" in text:
        return f"{field} contains null bytes"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # lone surrogates ("\ud800") cannot be encoded: not real text
        return f"{field} contains lone surrogates (not valid UTF-8)"
    return None


def strip_invisible(text: str) -> str:
    """Remove zero-width characters (U+200B-U+200D, U+2060, U+FEFF); one linear pass."""
    return text.translate(_STRIP_TABLE)


def has_bidi_controls(text: str) -> bool:
    """True when ``text`` contains a bidirectional control character (see the module policy)."""
    return not BIDI_CONTROLS.isdisjoint(text)
