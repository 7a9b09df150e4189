"""The grading conventions on which hymar deliberately differs from some peer graders, and a
detector per convention that says whether a (gold, completion) case touches it.

The benchmark reports the cases that touch each convention apart (they stay in the main table
too), so a reader sees where a disagreement is a choice rather than a bug. The texts are hymar's
rules, documented in docs/verifiers.md ("Conventions").
"""

from __future__ import annotations

import re

from hymar.rewards.completion import parse_completion
from hymar.rewards.rules.extract import extract_answer
from hymar.rewards.rules.math.normalise import decimal_comma, normalise
from hymar.rewards.rules.math.structures import structure

CONVENTIONS = {
    "several_boxes": "several different boxes are one answer only when together they list the gold's values "
    "(\\boxed{1}, \\boxed{2} for {1, 2}); against a one-value gold they are a conflict: wrong",
    "decimal_comma": "a comma that cannot separate thousands (1,22; 0,111; 1000,99) is a decimal comma when one "
    "number is compared with one number; 1,234 is 1234, and against a list the comma separates values",
    "bracketed_value": "one value in square brackets ([90]) is that value; two values in brackets are an interval",
    "option_text_gold": "a gold written as a labelled option ((C) Paris, C Paris) carries its letter; option text "
    "without a letter needs the options (prompt or completion) to judge a letter answer, else invalid",
    "list_order": "bare lists of values compare order-free, as lists of solutions (confidence 0.9 when the order "
    "differs); tuples, points and intervals are ordered",
    "lower_case_letter": "a lower-case letter (c) answers gold C",
    "answer_in_reasoning": "an answer written only inside the reasoning (<think>...</think>, or after an unclosed "
    "<think>) is no answer",
    "rounding_exact_constant": "a correctly rounded decimal with at least 2 significant digits answers an exact "
    "gold (3.14159 for \\pi, 0.33 for 1/3)",
    "box_then_other_final": "a final-answer line after the last box that states a different value is a conflict: wrong",
}

_DECIMAL_COMMA = re.compile(r"(?<![\d,.])\d+,\d+(?![\d,])")
_BRACKETED = re.compile(r"\[[^\[\],]+\]")
_LETTER = re.compile(r"\(?[A-J]\)?")
_DECIMAL = re.compile(r"-?\d*\.\d+")


def conventions_of(gold: str, completion: str, task: str | None, prompt: str | None) -> set[str]:
    """The names of the `CONVENTIONS` a case touches."""
    out: set[str] = set()
    parsed = parse_completion(completion)
    extraction = extract_answer(completion)
    answer = (extraction.answer or "").strip()
    boxes = {b.content(parsed.text).strip() for b in parsed.response_boxes if b.balanced}
    if len(boxes) >= 2:
        out.add("several_boxes")
    texts = [gold, answer, *boxes]
    if any(decimal_comma(m) for t in texts for m in _DECIMAL_COMMA.findall(t)):
        out.add("decimal_comma")
    if any(_BRACKETED.fullmatch(normalise(t)) for t in (gold, answer) if t):
        out.add("bracketed_value")
    if task == "choice" and not _LETTER.fullmatch(gold.strip()):
        out.add("option_text_gold")
    if task == "choice" and len(answer.strip("()[]. ")) == 1 and answer.strip("()[]. ").islower():
        out.add("lower_case_letter")
    if _is_list(gold):
        out.add("list_order")
    if parsed.reasoning and any(parsed.in_reasoning(b.start) for b in parsed.boxes):
        out.add("answer_in_reasoning")
    elif parsed.reasoning and "answer" in parsed.reasoning_text.lower() and not parsed.response.strip():
        out.add("answer_in_reasoning")
    if _DECIMAL.fullmatch(answer) and "." not in gold and re.search(r"\\pi|\\sqrt|\\frac|/|\\ln|e\^", gold):
        out.add("rounding_exact_constant")
    if extraction.conflict and extraction.source == "boxed" and len(extraction.candidates) > len(boxes):
        out.add("box_then_other_final")
    return out


def _is_list(gold: str) -> bool:
    try:
        found = structure(normalise(gold))
    except ValueError:
        return False
    return found is not None and found.kind == "list" and len(found.items) >= 2
