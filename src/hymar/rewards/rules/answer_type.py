"""Which comparer applies: task tags mapped to answer types, or the type inferred from the gold.

Task tags (`normalize_task`, case-insensitive, "-" and " " read as "_"):

    ==================================================  =========
    tag                                                  type
    ==================================================  =========
    math, numeric, number                                "math"
    counting, count                                      "count"
    choice, mcq, multiple_choice                         "choice"
    yesno, boolean, yes_no                               "yesno"
    text, short_text, ocr                                "text"
    open, open_ended, caption, description               "open"  (rules do not apply)
    ==================================================  =========

An unknown tag (or None) maps to None, and the verifier then infers the type from the gold with
`infer_answer_type`: so a dataset with its own domain names ("geometry", "chartqa") still gets a
comparer chosen by what its gold answers look like.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TASKS = {
    "math": "math", "numeric": "math", "number": "math",
    "counting": "count", "count": "count",
    "choice": "choice", "mcq": "choice", "multiple_choice": "choice",
    "yesno": "yesno", "boolean": "yesno", "yes_no": "yesno",
    "text": "text", "short_text": "text", "ocr": "text",
    "open": "open", "open_ended": "open", "caption": "open", "description": "open",
}  # fmt: skip

_YESNO = frozenset({"yes", "no", "true", "false", "correct", "incorrect"})
# Each pattern below is anchored and has no nested or adjacent overlapping quantifiers, so a match
# attempt is linear. Number: sign, digits with optional 3-digit separator groups, decimals, exponent.
_NUMBER = r"[+\-\u2212]?(?:\d+(?:[,_]\d{3})*(?:\.\d+)?|\.\d+)(?:[eE][+\-]?\d+)?"
_NUMBER_FORMS = (
    re.compile(rf"{_NUMBER}\s?%"),  # 50%
    re.compile(rf"{_NUMBER}/\d+"),  # 3/4
    re.compile(rf"{_NUMBER}(?:\s?(?:\\times|\*|x|\u00d7|\u00b7)\s?10\^\{{?[+\-]?\d+\}}?)?"),  # 3 x 10^4
    # a number then a short unit: "12 cm", "3.5 kg", "90°", "5 m^2", "7 apples", "$12" handled below
    re.compile(rf"{_NUMBER}\s?(?:°|[^\W\d_]{{1,12}}(?:\^?[23\u00b2\u00b3])?)"),
    re.compile(rf"[$\u20ac\u00a3]\s?{_NUMBER}"),  # $12, €3.50
)
_MATH_CHARS = frozenset("\\^_=<>{}[]()+*/|\u2264\u2265\u2260\u221e\u03c0\u221a")
_LETTERS = "ABCDEFGHIJ"


def normalize_task(task: str | None) -> str | None:
    """Map a task tag to an answer type ("math", "count", "choice", "yesno", "text", "open").

    Returns None for None or an unknown tag (the caller then infers the type from the gold).
    """
    if not isinstance(task, str):
        return None
    key = task.strip().lower().replace("-", "_").replace(" ", "_")
    return _TASKS.get(key)


@lru_cache(maxsize=4096)  # pure; a group's rollouts share one gold
def infer_answer_type(gold: str) -> str:
    """Guess the answer type from a gold answer.

    Returns one of:
        "choice": one letter A-J, upper case, optionally in parentheses ("C", "(C)", "(c)"); a bare
            lower-case letter is not taken as a choice ("e" and "i" are more often math constants).
        "yesno": yes/no/true/false/correct/incorrect (any case, trailing '.').
        "number": integer, decimal, fraction, percent, scientific notation, a number with a short
            unit ("12 cm", "7 apples") or a currency sign.
        "math": LaTeX or an expression, interval, set, tuple, equation (contains \\, ^, =, brackets,
            operators ...).
        "text": anything else.

    Example:
        >>> [infer_answer_type(g) for g in ("(B)", "Yes", "3/4", "x^2+1", "Paris")]
        ['choice', 'yesno', 'number', 'math', 'text']
    """
    s = gold.replace("$", " ").strip() if gold.count("$") % 2 == 0 else gold.strip().strip("$").strip()
    if s.startswith("\\text{") and s.endswith("}"):
        s = s[len("\\text{") : -1].strip()
    if _is_number_list(s):
        return "math"  # "1 and 2 and 3", "$1$, $2$": several values
    if _is_letter(s):
        return "choice"
    if s.rstrip(".").strip().lower() in _YESNO:
        return "yesno"
    if any(p.fullmatch(s) for p in _NUMBER_FORMS):
        return "number"
    if not _MATH_CHARS.isdisjoint(s) or _is_short_expression(s):
        return "math"
    return "text"


# a comma before exactly three digits separates thousands ("1,234"), not values
_LIST_SEPARATORS = re.compile(r"\s*(?:,(?!\d{3}(?!\d))|;|\band\b)\s*")


def _is_number_list(s: str) -> bool:
    parts = [p for p in _LIST_SEPARATORS.split(s) if p]
    return len(parts) >= 2 and len(s) <= 200 and all(_NUMBER_FORMS[2].fullmatch(p) for p in parts)


def _is_letter(s: str) -> bool:
    if len(s) == 1:
        return s in _LETTERS
    return len(s) == 3 and s[0] == "(" and s[2] == ")" and s[1].upper() in _LETTERS


def _is_short_expression(s: str) -> bool:
    """"2x - 1", "x", "3 - y": digits/single-letter variables joined by -, without words."""
    tokens = s.replace("-", " - ").split()
    if not tokens or len(s) > 100:
        return False
    has_operand = False
    for token in tokens:
        if token == "-" or token == ",":
            continue
        core = token.rstrip(",")
        letters = [c for c in core if c.isalpha()]
        if len(letters) > 1 or not all(c.isalnum() or c in ".," for c in core):
            return False
        has_operand = True
    return has_operand
