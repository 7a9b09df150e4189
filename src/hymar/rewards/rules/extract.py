"""Final-answer extraction from an untrusted completion.

The completion is read once by `hymar.rewards.completion.parse_completion` (reasoning, answer
sections, boxes, marker phrases); extraction picks the final answer from the parts OUTSIDE the
reasoning. Sources, most trusted first (confidence in brackets):

1. ``<answer>...</answer>`` sections [1.0]; when a section holds a ``\\boxed{}``, the boxed content.
2. ``\\boxed{...}`` / ``\\fbox{...}`` [1.0].
3. A marker phrase [0.9] (`hymar.rewards.completion.markers`, several languages): "the (final)
   answer is X" (source ``answer_is``), "Answer: X", "Final answer: X", "**Answer:** X",
   "Answer $X$" at the start of a line, a "## Final Answer" heading followed by X on the next line
   (source ``answer_colon``); a math span opened after the marker is taken whole, across lines. The
   LAST marker wins. When the value is a sentence ("The largest $n$ is 34."), the value it states
   is picked out (`sentences.sentence_value`) at confidence 0.8, and ``whole_line`` keeps the
   sentence for non-numeric golds (`as_whole_line`).
4. The last non-empty line [0.6; 0.8 when it is the whole response and holds no prose, 0.5 when it
   is prose] (a display block closing the text counts as one line; a long paragraph is cut to its
   last sentence). When that line is a sentence, the value it states is taken instead (source
   ``last_line_value`` [0.6 when the sentence holds one value, 0.5 when several]), ``whole_line``
   keeping the line. A value picked out of a marker's sentence gets 0.8 (one value) or 0.6.

An answer written only inside the reasoning (``<think>...</think>``, a section the prompt opened, or
an unclosed ``<think>``) is no answer: the model never stated it as final.

Strictness: several DIFFERENT answers at the chosen tag/box source (``\\boxed{3} ... \\boxed{4}``)
set ``conflict``; the verifier scores that wrong unless together they are the gold's list of
values. Identical repeats are fine. An explicit final marker AFTER the last tag/box ("\\boxed{8}.
Final answer: 6") joins the candidates, so a different value there is a conflict too. A hedge ("3
or 4", "maybe 5", "either A or B", "3/4?") sets ``hedged``; the verifier decides whether the gold
legitimately contains the same pattern.

Safety: every pass is linear (see the completion package), and a completion that breaks a limit
(`Limits`: length, number of boxes or answer tags, brace depth inside a box) is never extracted:
the result is ``invalid``.

Example:
    >>> extract_answer("So 1/2 of them.\\n\\nThe final answer is $\\\\frac{1}{2}$.").answer
    '\\\\frac{1}{2}'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from hymar.rewards.completion import ParsedCompletion, parse_completion
from hymar.rewards.completion.boxes import scan_boxes
from hymar.rewards.completion.markers import Marker, find_markers, math_mask, value_after
from hymar.rewards.completion.tags import tag_sections
from hymar.rewards.rules.answer_text import candidate_key, clean_answer, detect_hedge
from hymar.rewards.rules.limits import DEFAULT_LIMITS, MAX_BOXED, MAX_BRACE_DEPTH, LimitExceeded, Limits
from hymar.rewards.rules.sentences import (
    count_values,
    drop_rejected_tail,
    last_sentence,
    prose_words,
    sentence_value,
    strip_boilerplate,
)

__all__ = [
    "CONFIDENCE", "Extraction", "as_whole_line", "boxed_spans", "clean_answer", "detect_hedge", "extract_answer",
    "find_answer_tags", "find_boxed", "marker_value",
]  # fmt: skip

CONFIDENCE = {
    "answer_tag": 1.0,
    "boxed": 1.0,
    "answer_is": 0.9,
    "answer_colon": 0.9,
    "last_line": 0.6,
    # the value picked out of a last-line sentence: one of several numbers there, so below a whole line
    "last_line_value": 0.5,
}
#: a value picked out of the sentence after a marker ("Final Answer: The largest $n$ is 34."), when
#: the sentence states one value, and when it states several (the pick could be the wrong one)
MARKER_SENTENCE_CONFIDENCE = 0.8
MARKER_SENTENCE_AMBIGUOUS_CONFIDENCE = 0.6
#: a last line that is the whole response and has no prose ("$x^2 + 1$"): nothing else could be
#: the answer; a last line of prose taken whole (no value could be picked) is the least certain
BARE_ANSWER_CONFIDENCE = 0.8
PROSE_LINE_CONFIDENCE = 0.5
# how many earlier marker phrases we try when the last one is empty ("... what the answer is.")
_MAX_MARKER_TRIES = 8
# a marker value this wordy is a sentence stating the answer, not the answer itself
_SENTENCE_WORDS = 3
# a word that only leads to the value on a last line ("Thus 9.", "So: 12")
_CONNECTIVES = frozenset({"so", "thus", "hence", "therefore", "then", "finally", "altogether", "overall", "total"})
# "X answer is" is a final-answer marker after a box only for these X ("This answer is correct" is not)
_STRICT_ANSWER_IS = frozenset({"the", "final", "correct", "my", "la", "le", "el", "die", "a", "o"})
# a marker value after a box that refers back to the box instead of giving a new answer
_BACK_REFERENCES = frozenset(
    {"above", "as above", "shown above", "boxed", "boxed above", "in the box", "the boxed value", "correct",
     "incorrect", "right", "wrong", "the same", "same", "unchanged", "confirmed", "verified"}
)  # fmt: skip
_BACK_REFERENCE_STARTS = ("above", "as above", "as shown", "shown above", "boxed", "given above", "in the box")


@dataclass(frozen=True)
class Extraction:
    """The final answer found in a completion.

    Attributes:
        answer: final answer text, stripped; None when nothing was found (or the input is invalid).
        source: "answer_tag" | "boxed" | "answer_is" | "answer_colon" | "last_line" |
            "last_line_value" | "none".
        confidence: extraction confidence (see `CONFIDENCE`); 0.0 when nothing was found.
        candidates: distinct final answers found at the chosen source, in order of appearance.
        conflict: several different final answers at the chosen source.
        hedged: the answer hedges ("3 or 4", "maybe 5", "4?").
        reason: why the input is invalid, why nothing was found, or the hedge/conflict note.
        invalid: the completion broke a safety limit (the verifier returns an invalid Score).
        whole_line: when ``answer`` is a value picked out of a sentence, the whole sentence (see
            `as_whole_line`); None otherwise.
        whole_source: the source of ``whole_line`` ("last_line", "answer_colon", "answer_is").
    """

    answer: str | None
    source: str
    confidence: float
    candidates: tuple[str, ...] = ()
    conflict: bool = False
    hedged: bool = False
    reason: str | None = None
    invalid: bool = False
    whole_line: str | None = None
    whole_source: str | None = None


def extract_answer(completion: str, limits: Limits = DEFAULT_LIMITS) -> Extraction:
    """Find the final answer in ``completion``.

    Args:
        completion: the model's response (untrusted).
        limits: size limits; inputs over them give ``Extraction(invalid=True)``.

    Returns:
        An `Extraction`; never raises on a str input.
    """
    parsed = parse_completion(completion, limits=limits)
    if parsed.problem is not None:
        return Extraction(None, "none", 0.0, reason=parsed.problem, invalid=True)
    found = _structured(parsed, limits)
    if found is not None:
        return found
    last = _last_line(parsed.response, limits)
    return last if last is not None else Extraction(None, "none", 0.0, reason="no answer found")


def as_whole_line(extraction: Extraction) -> Extraction:
    """For a value picked out of a sentence, the same sentence taken whole.

    A value picked after the last " is " suits numeric golds; for a yes/no, choice or text gold the
    whole line ("Yes, it is 5 m tall.") is the better reading. Other extractions are returned as is.
    """
    if extraction.whole_line is None or extraction.whole_source is None:
        return extraction
    return _finish(extraction.whole_source, [extraction.whole_line])


def marker_value(text: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The value of the last final-answer marker in ``text`` (whole, not reduced), or None.

    Used to read golds that are written as a sentence ("Alina and the answer is (C) Cecile").
    """
    found = _marker(text, find_markers(text), limits)
    return found[1] if found is not None else None


# --- compatibility helpers over the completion package ---------------------------------------


def find_answer_tags(text: str, max_count: int | None = None) -> list[str]:
    """Contents of complete ``<answer>...</answer>`` pairs (case-insensitive), in order.

    Raises:
        LimitExceeded: more than ``max_count`` tags.
    """
    sections = tag_sections(text.lower(), "answer")
    if max_count is not None and len(sections) > max_count:
        raise LimitExceeded(f"too many answer tags (> {max_count})")
    return [s.content(text) for s in sections]


def find_boxed(text: str, max_count: int = MAX_BOXED, max_depth: int = MAX_BRACE_DEPTH) -> list[str]:
    """Contents of the outermost balanced ``\\boxed{...}`` / ``\\fbox{...}`` in ``text``, in order.

    Raises:
        LimitExceeded: more than ``max_count`` boxes, or braces nested deeper than ``max_depth``.
    """
    return [text[start:end] for start, end in boxed_spans(text, max_count, max_depth)]


def boxed_spans(text: str, max_count: int = MAX_BOXED, max_depth: int = MAX_BRACE_DEPTH) -> list[tuple[int, int]]:
    """Like `find_boxed`, but (content start, content end) index pairs."""
    scan = scan_boxes(text, max_count, max_depth)
    if scan.problem is not None:
        raise LimitExceeded(scan.problem)
    return [(b.content_start, b.content_end) for b in scan.boxes if b.balanced]


# --- internals -------------------------------------------------------------------------------


def _structured(parsed: ParsedCompletion, limits: Limits) -> Extraction | None:
    """Answer sections, then boxes, then marker phrases, outside the reasoning; None when none."""
    text = parsed.text
    if parsed.answer_tags_unpaired:
        return Extraction(None, "none", 0.0, reason="nested or unpaired <answer> tags")
    tags = [t for t in parsed.answer_sections if t.content(text).strip()]
    answers: list[str] = []
    if tags:
        for tag in tags:
            inner = [
                b.content(text)
                for b in parsed.boxes
                if b.balanced and tag.content_start <= b.start and b.end <= tag.content_end
            ]
            answers.extend(inner or [tag.content(text)])
        source, tail = "answer_tag", parsed.response_from(tags[-1].close_end)
    else:
        boxes = [b for b in parsed.response_boxes if b.balanced]
        answers = [b.content(text) for b in boxes]
        source, tail = "boxed", parsed.response_from(boxes[-1].end) if boxes else ""
    cleaned = [a for a in (clean_answer(x) for x in answers) if a]
    if cleaned:
        return _finish(source, cleaned, _restatement(tail, limits))
    marker = _marker(parsed.response, parsed.markers, limits)
    if marker is None:
        return None
    kind, value = marker
    reduced = _reduce_sentence(value, _SENTENCE_WORDS)
    if reduced is None:
        return _finish(kind, [value])
    confidence = MARKER_SENTENCE_CONFIDENCE if count_values(value) <= 1 else MARKER_SENTENCE_AMBIGUOUS_CONFIDENCE
    return replace(_finish(kind, [reduced]), confidence=confidence, whole_line=value, whole_source=kind)


def _reduce_sentence(value: str, min_words: int) -> str | None:
    """The value a wordy marker value states ("The largest $n$ is 34" -> "34"), or None."""
    if prose_words(value) < min_words or detect_hedge(value) is not None:
        return None  # a hedge ("1/2 or 0.5 or 50%") is judged whole, never reduced to one of its values
    reduced = sentence_value(value)
    return reduced if reduced and reduced != value else None


def _restatement(tail: str, limits: Limits) -> str | None:
    """The value of an explicit final-answer marker in the text after the last tag/box, or None.

    Only deliberate final statements count: "Answer: X" / "Final answer: X" and "the/final/correct
    answer is X" ("This answer is correct" is commentary, not an answer), and a value that points
    back at the box ("the answer is boxed above") is no new answer. A sentence is reduced to the
    value it states.
    """
    if not tail.strip():
        return None
    found = _marker(tail, find_markers(tail), limits, strict=True)
    if found is None:
        return None
    value = found[1]
    lowered = value.lower()
    if lowered.rstrip(".!").strip() in _BACK_REFERENCES or lowered.startswith(_BACK_REFERENCE_STARTS):
        return None
    if "answer" in lowered:
        return None  # another marker phrase ("The answer is\nThe answer is"), not a value
    return _reduce_sentence(value, _SENTENCE_WORDS) or value


def _marker(text: str, markers: Sequence[Marker], limits: Limits, strict: bool = False) -> tuple[str, str] | None:
    """(kind, cleaned value) of the last usable marker, trying a bounded few from the end.

    With ``strict``, "answer is" counts only after "the", "final", "correct", "my" (or an article of
    another language).
    """
    tries = 0
    for m in reversed(markers):
        if strict and m.kind == "answer_is" and m.word_before not in _STRICT_ANSWER_IS and m.word_before:
            continue
        tries += 1
        raw = strip_boilerplate(value_after(text, m.value_start, limits.max_answer_chars, m.kind == "answer_is"))
        if m.kind == "answer_is" and raw.rstrip().endswith("!") and not math_mask(raw.rstrip())[-1]:
            raw = raw.rstrip()[:-1]  # "The answer is 42!": the sentence's "!", not a factorial
        value = clean_answer(drop_rejected_tail(clean_answer(raw)))
        if value:
            return m.kind, value
        if tries >= _MAX_MARKER_TRIES:
            break
    return None


def _last_line(response: str, limits: Limits) -> Extraction | None:
    """The last-line fallback (see the module docstring), or None."""
    line = _last_line_text(response)
    line = strip_boilerplate(line)
    if len(line) > limits.max_answer_chars:
        line = last_sentence(line)  # a long paragraph: only its last sentence can be the answer
        if len(line) > limits.max_answer_chars:
            return None
    line = clean_answer(line)
    if not line:
        return None
    value = sentence_value(line) if detect_hedge(line) is None else None
    # a sentence: three words of prose, one of 3+ letters and a copula ("The area is 25."), a word
    # copula after any subject ("It is 9.", "x is 9"), or a connective before the value ("Thus 9.");
    # "So x = 5" is an equation, not yet a sentence
    words = prose_words(line)
    sentence = (
        words >= _SENTENCE_WORDS
        or (prose_words(line, 3) >= 1 and _copula_value(line))
        or (words >= 1 and _word_copula(line))
        or (words == 1 and not _copula_value(line) and line.split(maxsplit=1)[0].lower().strip(",:") in _CONNECTIVES)
    )
    if not sentence and words and value is not None and value in _math_spans(line):
        sentence = True  # "Special matrix: $M$": a label, then the answer in math
    if value is not None and value != line and sentence:
        confidence = CONFIDENCE["last_line"] if count_values(line) <= 1 else CONFIDENCE["last_line_value"]
        return replace(
            _finish("last_line_value", [value]), confidence=confidence, whole_line=line, whole_source="last_line"
        )
    extraction = _finish("last_line", [line])
    if words == 0 and not response.strip().count("\n"):
        return replace(extraction, confidence=BARE_ANSWER_CONFIDENCE)
    if words >= 2:
        return replace(extraction, confidence=PROSE_LINE_CONFIDENCE)
    return extraction


def _math_spans(line: str) -> list[str]:
    """Contents of the math spans of ``line`` (delimiters stripped)."""
    mask, out, start = math_mask(line), [], None
    for i in range(len(line) + 1):
        inside = i < len(line) and mask[i]
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            out.append(clean_answer(line[start:i]))
            start = None
    return out


def _word_copula(line: str) -> bool:
    """The line says "... is X" with a word ("It is 9", "x is 9"); "=" alone is an equation."""
    return any(c in line for c in (" is ", " are ", " equals ", " was ", "'s ", "\u2019s "))


def _copula_value(line: str) -> bool:
    """A short sentence still states a value when it says "... is X" ("The area is 25.")."""
    return any(c in line for c in (" is ", " are ", "=", " equals ", "'s ", " est ", " ist ", "是", "为", " هو "))


def _last_line_text(response: str) -> str:
    """The last non-empty line; a display block that closes the text (``$$ ... $$`` or ``\\[ ... \\]``
    over several lines) is one line."""
    body = response.rstrip()
    start = body.rfind("\n") + 1
    line = body[start:]
    for closer, opener in (("$$", "$$"), ("\\]", "\\[")):
        if line.strip() == closer:
            begin = body.rfind(opener, 0, start)
            if begin >= 0:
                line_start = body.rfind("\n", 0, begin) + 1
                return body[line_start:]
    return line


def _finish(source: str, answers: list[str], restatement: str | None = None) -> Extraction:
    """Build the Extraction; a ``restatement`` after the last tag/box joins the candidates, so a
    different value there is a conflict ("\\boxed{8} ... Final answer: 6")."""
    keys: dict[str, str] = {}
    for a in answers + ([restatement] if restatement else []):
        keys.setdefault(candidate_key(a), a)
    candidates = tuple(keys.values())
    final = answers[-1]
    conflict = len(candidates) > 1
    hedge = detect_hedge(final)
    reasons = []
    if conflict:
        reasons.append(f"conflicting answers at {source}: {len(candidates)} different values")
    if hedge is not None:
        reasons.append(f"hedged answer ({hedge})")
    return Extraction(
        answer=final,
        source=source,
        confidence=CONFIDENCE[source],
        candidates=candidates,
        conflict=conflict,
        hedged=hedge is not None,
        reason="; ".join(reasons) or None,
    )
