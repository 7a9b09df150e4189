"""Judging an extracted answer against the gold: the comparer for the answer type, and what to do
with several candidates (conflicting boxes, "or" alternatives, boxes that together list a set).

`Question` holds what every comparison of one sample needs (gold, answer type, prompt, the
completion for options it lists itself, tolerance); `compare` dispatches on the answer type;
`score_conflict`, `score_or_restatement` and `hedge_allowed` apply the verifier's strictness rules
(see `verifier`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hymar.rewards.rules.answer_text import clean_answer, detect_hedge
from hymar.rewards.rules.answer_type import infer_answer_type
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.choice import compare_choice, parse_options, sentence_letters
from hymar.rewards.rules.extract import Extraction
from hymar.rewards.rules.limits import has_bidi_controls
from hymar.rewards.rules.text import compare_count, compare_text, compare_yesno, parse_count
from hymar.rewards.types import Score

#: at most this many conflicting candidates are compared with the gold (each may cost a symbolic call)
MAX_CONFLICT_CHECKS = 3
#: boxes that together list the gold's values: at most this many are joined into one list answer
MAX_LIST_BOXES = 16
#: confidence of a list answer written as several boxes (a convention, so below a single box)
LIST_OF_BOXES_CONFIDENCE = 0.9
#: several different final answers are wrong by hymar's strictness rule; graders that take the
#: last box would say otherwise, so the verdict is not certain
CONFLICT_CONFIDENCE = 0.7
INFO_ANSWER_CHARS = 200
_PERCENT_QUESTION = re.compile(r"percent|percentage|per cent|%", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """What judging one sample needs besides the answer.

    Attributes:
        gold: the gold answer (cleaned).
        answer_type: "math" | "number" | "count" | "choice" | "yesno" | "text".
        prompt: the question text, or None.
        context: the completion, where a multiple-choice answer may list its own options.
        tolerance: relative tolerance for numbers.
        percent_question: the prompt asks for a percentage.
    """

    gold: str
    answer_type: str
    prompt: str | None
    context: str | None
    tolerance: float

    @property
    def percent_question(self) -> bool:
        return bool(self.prompt) and _PERCENT_QUESTION.search(self.prompt or "") is not None

    @property
    def numeric(self) -> bool:
        """Whether answers of this type are compared as numbers/math (see `compare`)."""
        if self.answer_type in ("math", "number", "count"):
            return True
        return self.answer_type == "text" and infer_answer_type(self.gold) == "number"


def compare(pred: str, q: Question) -> Comparison:
    """Dispatch on the answer type (one comparer per type; see the `verifier` docstring)."""
    gold = q.gold
    if q.answer_type == "choice":
        return compare_choice(pred, gold, q.prompt, context=q.context)
    if q.answer_type == "yesno":
        return compare_yesno(pred, gold)
    if q.answer_type == "count":
        comparison = compare_count(pred, gold)
        undecidable = comparison.equal is None or (parse_count(pred) is None and any(c.isdigit() for c in pred))
        return compare_math_answer(pred, q) if undecidable else comparison
    if q.answer_type == "text":
        if infer_answer_type(gold) == "number":
            return compare_math_answer(pred, q)
        if not any(c.isdigit() for c in gold) and parse_count(gold) is not None:
            # "9" for a gold written "nine": a count, whichever side uses words
            comparison = compare_count(pred, gold)
            if comparison.equal is not None:
                return comparison
        return compare_text(pred, gold)
    if q.answer_type == "number" and not any(c.isdigit() for c in pred) and parse_count(pred) is not None:
        # "seven" for gold "7 apples": number words are a count, not something to parse as LaTeX
        comparison = compare_count(pred, gold)
        if comparison.equal is not None:
            return comparison
    return compare_math_answer(pred, q)  # "math", "number"


def compare_math_answer(pred: str, q: Question) -> Comparison:
    # Imported here so the verifier imports (and the other comparers work) without the math
    # package and its sympy-backed worker being loaded.
    try:
        from hymar.rewards.rules.math import compare_math
    except ImportError as err:
        return Comparison.undecided(f"math comparer unavailable: {err}", method="math")
    return compare_math(pred, q.gold, tolerance=q.tolerance, percent_question=q.percent_question)


def to_score(comparison: Comparison, extraction_confidence: float, info: dict[str, Any]) -> Score:
    info = {**info, "method": comparison.method}
    if comparison.reason:
        info["reason"] = comparison.reason
    if comparison.equal is None:
        rest = {k: v for k, v in info.items() if k != "reason"}
        return Score.invalid(comparison.reason or "could not compare", **rest)
    return Score(1.0 if comparison.equal else 0.0, verdict_confidence(comparison, extraction_confidence), True, info)


def verdict_confidence(comparison: Comparison, extraction_confidence: float) -> float:
    """How far the verdict can be trusted: the comparison's confidence times the extraction's.

    An extracted span that EQUALS the gold is itself evidence that it is the final answer (a stray
    intermediate value rarely matches the gold exactly), so for a "right" verdict the extraction's
    doubt counts half: (1 + c) / 2 instead of c. A "wrong" verdict keeps the full doubt: the answer
    may be elsewhere in the text.
    """
    ext = min(1.0, max(0.0, extraction_confidence))
    if comparison.equal:
        ext = (1.0 + ext) / 2
    return min(1.0, max(0.0, ext * comparison.confidence))


def score_conflict(extraction: Extraction, q: Question, info: dict[str, Any]) -> Score:
    """Several different final answers: right when together they are the gold's list of values
    (``\\boxed{1}, \\boxed{2}`` for "1, 2"), or when every one of them equals the gold."""
    listed = _score_list_of_boxes(extraction, q, info)
    if listed is not None:
        return listed
    info = {**info, "candidates": [c[:INFO_ANSWER_CHARS] for c in extraction.candidates[:MAX_CONFLICT_CHECKS]]}
    info = {**info, "method": "conflict", "reason": extraction.reason}
    wrong = Score(0.0, extraction.confidence * CONFLICT_CONFIDENCE, True, info)
    if len(extraction.candidates) > MAX_CONFLICT_CHECKS:
        return wrong
    confidences = []
    for candidate in extraction.candidates:
        if has_bidi_controls(candidate):
            return Score.invalid("answer contains bidi control characters", **info)
        if detect_hedge(candidate) and not hedge_allowed(candidate, q):
            restated = score_or_restatement(candidate, 1.0, q, info)
            if restated is None or restated.value != 1.0:
                return wrong
            confidences.append(restated.confidence)
            continue
        comparison = compare(candidate, q)
        if comparison.equal is not True:
            return wrong
        confidences.append(comparison.confidence)
    info.update(method="all_candidates_equal", reason="several renderings of the same answer")
    return Score(1.0, verdict_confidence(Comparison(True, min(confidences)), extraction.confidence), True, info)


def _score_list_of_boxes(extraction: Extraction, q: Question, info: dict[str, Any]) -> Score | None:
    """Several boxes against a gold that lists several values: the boxes, read as one list, are the
    answer (hymar's convention; a one-value gold keeps them a conflict). None when that is not the
    case or the list does not equal the gold (the caller then judges the conflict as usual)."""
    if q.answer_type not in ("math", "number") or extraction.source not in ("boxed", "answer_tag"):
        return None
    if not 2 <= len(extraction.candidates) <= MAX_LIST_BOXES or not _lists_values(q.gold):
        return None
    if any(has_bidi_controls(c) or detect_hedge(c) for c in extraction.candidates):
        return None
    comparison = compare_math_answer(", ".join(extraction.candidates), q)
    if comparison.equal is not True:
        return None
    info = {**info, "candidates": [c[:INFO_ANSWER_CHARS] for c in extraction.candidates[:MAX_CONFLICT_CHECKS]]}
    info.update(method="list_of_boxes", reason="several boxes that together list the gold's values")
    listed = Comparison(True, min(comparison.confidence, LIST_OF_BOXES_CONFIDENCE))
    return Score(1.0, verdict_confidence(listed, extraction.confidence), True, info)


def _lists_values(gold: str) -> bool:
    """The gold is a list or set of at least two values ("1, 2", "\\{1, 2\\}", "(1,2), (2,1)")."""
    try:
        from hymar.rewards.rules.math.normalise import normalise
        from hymar.rewards.rules.math.structures import structure
    except ImportError:
        return False
    try:
        found = structure(normalise(gold))
    except ValueError:  # over the item limit
        return False
    return found is not None and found.kind in ("list", "set") and len(found.items) >= 2


def or_alternatives(answer: str, max_parts: int = MAX_CONFLICT_CHECKS) -> list[str] | None:
    """The alternatives an answer joins with the word "or" ("$\\frac{1}{2}$, or 0.5" -> [``\\frac{1}{2}``,
    "0.5"]), cleaned like extracted answers; None when there is no "or" between two non-empty parts
    or more than ``max_parts`` parts. ``\\text{ or }`` counts as "or". Linear: a split on whitespace."""
    for wrapped in ("\\text{ or }", "\\text{or}", "\\mbox{ or }", "\\mathrm{ or }"):
        answer = answer.replace(wrapped, " or ")
    parts: list[list[str]] = [[]]
    for token in answer.split():
        if token.lower() == "or":
            if len(parts) == max_parts:
                return None
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) < 2:
        return None
    cleaned = [clean_answer(" ".join(p)) for p in parts]
    return cleaned if all(cleaned) else None


def score_or_restatement(answer: str, confidence: float, q: Question, info: dict[str, Any]) -> Score | None:
    """An "or" that restates one value ("The answer is 1/2, or 0.5") is not a hedge: right when
    every alternative equals the gold (as for conflicting boxes). None when the answer has no such
    "or" or an alternative differs (the caller then scores the hedge as wrong)."""
    if detect_hedge(answer) != "or":
        return None
    alternatives = or_alternatives(answer)
    if alternatives is None:
        return None
    confidences = []
    for alternative in alternatives:
        if detect_hedge(alternative) is not None:
            return None
        comparison = compare(alternative, q)
        if comparison.equal is not True:
            return None
        confidences.append(comparison.confidence)
    info = {**info, "method": "all_alternatives_equal", "reason": "'or' joins renderings of the same answer"}
    return Score(1.0, verdict_confidence(Comparison(True, min(confidences)), confidence), True, info)


def hedge_allowed(answer: str, q: Question) -> bool:
    """A hedge pattern is legitimate when the gold has one ("black or white"); for multiple choice
    when an option's text has one, or when the "or" only joins rejected options ("D, it can't be A
    or B": one letter is chosen); and for math when the gold lists several values: "x = 1 or x = -1"
    states a solution set, which `compare_math` compares with the gold's list."""
    gold = q.gold
    if detect_hedge(gold) is not None:
        return True
    if q.answer_type in ("math", "number") and "," in gold and detect_hedge(answer) == "or":
        return True
    if q.answer_type == "choice":
        if detect_hedge(answer) == "or":
            chosen, rejected = sentence_letters(answer)
            if len(chosen) == 1 and rejected:
                return True
        if q.prompt:
            return any(detect_hedge(text) is not None for text in parse_options(q.prompt).values())
    return False
