"""String normalisation of math answers: linear, pure string work, no parsing."""

from __future__ import annotations

import re
from functools import lru_cache

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
    # "32,\\! 349" is a thousands separator, not a list: the thin-space command goes with its space
    (",\\! ", ","),
    (",\\!", ","),
    ("\\!", ""),
    ("\\,", " "),
    ("\\;", " "),
    ("\\:", " "),
    ("\\qquad", " "),
    ("\\quad", " "),
    ("~", " "),
    ("^{\\circ}", "°"),
    ("^\\circ", "°"),
    ("\\degree", "°"),
    ("\\circ", "°"),
    # upright constants are the constants (the LaTeX grammar cannot read "\\frac{1}{ e }")
    ("\\mathrm{e}", "e"),
    ("\\mathrm{i}", "i"),
    ("\\operatorname{e}", "e"),
    # one empty set, one modulo operator (the grammar reads \\mod but not \\bmod)
    ("\\varnothing", "\\emptyset"),
    ("\u2205", "\\emptyset"),
    ("\\{\\}", "\\emptyset"),
    ("\\bmod", "\\mod "),
    ("\u2248", " \\approx "),
    ("\\bmatrix", "\\pmatrix"),
    ("{bmatrix}", "{pmatrix}"),
    ("{Bmatrix}", "{pmatrix}"),
)
_LEFT_RIGHT_RE = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![A-Za-z])")
_WRAPPER_START_RE = re.compile(
    r"\\(?:text|mathrm|textrm|mbox|textbf|mathbf|textit|mathit|textnormal|boxed)\s*\{"
)
_MAX_UNWRAPS = 64
# "a and b", "a, b, and c" (Oxford comma): a list
_AND_OR_RE = re.compile(r"(?:\s*,)?\s+(?:and|or)\s+")
_SPACES_RE = re.compile(r"\s+")
# "\\ " is a space, but in "a \\\\ b" the second backslash ends a matrix row
_BACKSLASH_SPACE_RE = re.compile(r"(?<!\\)\\ ")
# words before a number that change its sign or only say it is rounded ("negative 12", "about 0.33")
_SIGN_WORDS = {"negative": "-", "minus": "-", "positive": "", "plus": ""}
_APPROXIMATELY = ("approximately", "approx.", "approx", "about", "around", "roughly", "nearly", "\\approx", "\\sim")
# an array written as a bracketed matrix: "[\\begin{array}{cc} ... \\end{array}]" (after \\left/\\right go)
_ARRAY_RE = re.compile(r"[\[(]?\s*\\begin\{array\}\{[lcr| ]*\}(?P<body>.*?)\\end\{array\}\s*[\])]?", re.DOTALL)
_MATRIX_RE = re.compile(r"\\begin\{pmatrix\}(?P<body>.*?)\\end\{pmatrix\}", re.DOTALL)
# a decimal comma: digits, one comma, digits that cannot be a thousands group ("1,22", "0,111", "1000,99")
_DECIMAL_COMMA_RE = re.compile(r"(?P<sign>[+-]?)(?P<int>\d+),(?P<frac>\d+)")


@lru_cache(maxsize=8192)  # pure; each gold is normalised once per group, not once per rollout
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
    s = _BACKSLASH_SPACE_RE.sub(" ", s)
    s = _LEFT_RIGHT_RE.sub("", s)
    s = _unwrap_wrappers(s)
    s = _matrices(s)
    s = _SPACES_RE.sub(" ", s).strip()
    s = _bare_brace_set(s)
    s = percent_words_to_sign(s)
    s = _AND_OR_RE.sub(", ", s)
    s = _leading_words(s)
    for _ in range(4):
        before = s
        while s.endswith(".") and not s.endswith(".."):
            s = s[:-1].rstrip()
        if s.endswith("\\") and not s.endswith("\\\\"):
            s = s[:-1].rstrip()  # a stray trailing backslash ("185\\"): a "\\ " space cut short
        if s == before:
            break
    if s.startswith("+") and not s.startswith("+-"):
        s = s[1:].lstrip()
    return s


def decimal_comma(s: str) -> str | None:
    """``"1,22"`` -> ``"1.22"`` when ``s`` is one number whose comma cannot separate thousands (the
    digits after it are not exactly three, or the integer part is 0 or over three digits); else None.

    Only for a single number compared with a single number: "2,5" against the list "2, 5" is a list.
    """
    m = _DECIMAL_COMMA_RE.fullmatch(s)
    if m is None:
        return None
    whole, frac = m.group("int"), m.group("frac")
    if len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0":
        return None  # "1,234": a thousands separator
    return f"{m.group('sign')}{whole}.{frac}"


def _bare_brace_set(s: str) -> str:
    """``{1,2,3}`` (braces without backslashes, as plain-text golds write sets) is ``\\{1,2,3\\}``; a
    LaTeX group around one value (``{5}``) is left alone."""
    if len(s) < 5 or s[0] != "{" or matching_brace(s, 0) != len(s) - 1:
        return s
    inner = s[1:-1]
    depth = 0
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            return f"\\{{{inner}\\}}"
    return s


def _leading_words(s: str) -> str:
    """Drop "approximately"-style words and read sign words before a number: "negative 12" is -12,
    "about 0.33" is 0.33 (rounding is judged by the comparison, not by the word)."""
    for _ in range(3):
        head, _, rest = s.partition(" ")
        lowered = head.lower()
        if lowered in _APPROXIMATELY and rest:
            s = rest.lstrip()
        elif lowered in _SIGN_WORDS and rest[:1].isdigit():
            s = _SIGN_WORDS[lowered] + rest
        else:
            break
    return s


def _matrices(s: str) -> str:
    """One spelling of a matrix: ``\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}`` (bmatrix, a bracketed
    array, spaces inside: all the same matrix)."""
    if "\\begin" not in s:
        return s
    s = _ARRAY_RE.sub(lambda m: f"\\begin{{pmatrix}}{m.group('body')}\\end{{pmatrix}}", s)
    return _MATRIX_RE.sub(lambda m: "\\begin{pmatrix}" + "".join(m.group("body").split()) + "\\end{pmatrix}", s)


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


_NAME = r"(?:[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|\\[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?)"
# a name, or a tuple of names ("(p, q) = (3, 2)": the pair's value is the tuple on the right)
_VAR_RE = re.compile(
    rf"(?P<v>{_NAME}|\(\s*{_NAME}(?:\s*,\s*{_NAME})+\s*\))\s*(?:=|\\in(?![A-Za-z]))\s*(?P<rhs>.+)",
    re.DOTALL,
)


def strip_variable(s: str) -> tuple[str | None, str]:
    """``"x = 2"`` -> ("x", "2"); ``"x \\in [1,3)"`` -> ("x", "[1,3)"); ``"(p, q) = (3, 2)"`` ->
    ("(p, q)", "(3, 2)"); anything else -> (None, s)."""
    m = _VAR_RE.fullmatch(s)
    if m is None or "=" in m.group("rhs"):
        return None, s
    return m.group("v"), m.group("rhs").strip()

