"""Final-answer extraction from an untrusted completion.

Sources, most trusted first (confidence in brackets):

1. ``<answer>...</answer>`` tags [1.0]; when a tag holds a ``\\boxed{}``, the boxed content is taken.
2. ``\\boxed{...}`` / ``\\fbox{...}`` [1.0], nested braces matched by a hand scanner.
3. A marker phrase [0.9]: "the (final/correct) answer is X" (source ``answer_is``) or "Answer: X",
   "Final answer: X", "**Answer:** X", a "## Final Answer" heading followed by X on the next line
   (source ``answer_colon``). When both kinds occur, the LAST marker in the text wins: a model
   that changes its mind ends with its final word, and both kinds are equally explicit.
4. The last non-empty line [0.6]. When that line is a sentence ("The area is 25, so the perimeter
   is 20."), the value after its last " is " / "=" is taken instead (source ``last_line_value``
   [0.5], one of several numbers there), if that value holds a digit; ``whole_line`` keeps the line
   for non-numeric golds (`as_whole_line`).

Text after the last ``</think>`` is searched first; when it holds no tag, box or marker, the whole
completion is searched, and the last-line fallback uses the text after ``</think>``.

Strictness: several DIFFERENT answers at the chosen tag/box source (``\\boxed{3} ... \\boxed{4}``)
set ``conflict``; the verifier scores that wrong. Identical repeats are fine. An explicit final
marker AFTER the last tag/box ("\\boxed{8}. Final answer: 6", "... the answer is 6") joins the
candidates, so a different value there is a conflict too (a same-value restatement is not). Marker
phrases are taken from their last occurrence only (earlier ones are reasoning). A hedge ("3 or 4",
"maybe 5", "either A or B", "3/4?") sets ``hedged``; the verifier decides whether the gold
legitimately contains the same pattern.

Safety: every pass is linear. Braces are scanned by hand, regexes are literals or single character
classes (no nested quantifiers), scans of repeated markers are bounded, and a completion over
``Limits.max_completion_chars`` is never extracted (no silent truncation): the result is
``invalid``. More \\boxed{} (or answer tags) than ``Limits.max_boxed``, or braces nested deeper than
``Limits.max_brace_depth`` inside a box, are invalid too.

Example:
    >>> extract_answer("So 1/2 of them.\\n\\nThe final answer is $\\\\frac{1}{2}$.").answer
    '\\\\frac{1}{2}'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from hymar.rewards.rules.braces import matching_brace
from hymar.rewards.rules.limits import (
    DEFAULT_LIMITS,
    MAX_BOXED,
    MAX_BRACE_DEPTH,
    LimitExceeded,
    Limits,
    check_text,
    strip_invisible,
)

CONFIDENCE = {
    "answer_tag": 1.0,
    "boxed": 1.0,
    "answer_is": 0.9,
    "answer_colon": 0.9,
    "last_line": 0.6,
    # the value picked out of a last-line sentence: one of several numbers there, so below a whole line
    "last_line_value": 0.5,
}

# Literal or single-class patterns only: each is linear-time on any input.
_TAG_OPEN = re.compile("<answer>", re.IGNORECASE)
_TAG_CLOSE = re.compile("</answer>", re.IGNORECASE)
_ANSWER_WORD = re.compile("answer", re.IGNORECASE)
# One token of the brace scanner: a box opener, an escaped character, or a bare brace. The \s* before
# "{" is followed by a literal, so a failed attempt costs one pass over the whitespace run.
_BOX_TOKEN = re.compile(r"\\(?:boxed|fbox)\s*\{|\\.|[{}]", re.DOTALL)
_INLINE_JUNK = re.compile(r"[ \t*_:#>]*")
_ANY_SPACE = re.compile(r"\s*")
_WORD = re.compile(r"[^\W_]+")
_WRAPPER_COMMANDS = ("\\boxed", "\\fbox", "\\text", "\\textbf", "\\mathrm", "\\mathbf", "\\textrm")
_SENTENCE_ENDS = (". ", ".\t", "! ", "; ", " because ", " since ")
_HEDGE_WORDS = ("either", "maybe", "perhaps", "possibly")
# how many earlier marker phrases we try when the last one is empty ("... what the answer is.")
_MAX_MARKER_TRIES = 8
# "X answer is" is a final-answer marker after a box only for these X ("This answer is correct" is not)
_STRICT_ANSWER_IS = frozenset({"the", "final", "correct", "my"})
# a marker value after a box that refers back to the box instead of giving a new answer
_BACK_REFERENCES = frozenset(
    {"above", "as above", "shown above", "boxed", "boxed above", "in the box", "the boxed value", "correct",
     "incorrect", "right", "wrong", "the same", "same", "unchanged", "confirmed", "verified"}
)  # fmt: skip
_BACK_REFERENCE_STARTS = ("above", "as above", "as shown", "shown above", "boxed", "given above", "in the box")
# words of a last line, for telling a sentence from a formula; function names are not prose
_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]+")
_MATH_WORDS = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "max", "min", "sqrt", "det", "gcd", "lcm", "mod"}
)


@dataclass(frozen=True)
class Extraction:
    """The final answer found in a completion.

    Attributes:
        answer: final answer text, stripped; None when nothing was found (or the input is invalid).
        source: "answer_tag" | "boxed" | "answer_is" | "answer_colon" | "last_line" | "none".
        confidence: extraction confidence (see `CONFIDENCE`); 0.0 when nothing was found.
        candidates: distinct final answers found at the chosen source, in order of appearance.
        conflict: several different final answers at the chosen source.
        hedged: the answer hedges ("3 or 4", "maybe 5", "4?").
        reason: why the input is invalid, why nothing was found, or the hedge/conflict note.
        invalid: the completion broke a safety limit (the verifier returns an invalid Score).
        whole_line: for source "last_line_value", the whole last line the value was taken from
            (see `as_whole_line`); None otherwise.
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


_THINK_TAG = re.compile(r"</?think>", re.IGNORECASE)


def extract_answer(completion: str, limits: Limits = DEFAULT_LIMITS) -> Extraction:
    """Find the final answer in ``completion``.

    Args:
        completion: the model's response (untrusted).
        limits: size limits; inputs over them give ``Extraction(invalid=True)``.

    Returns:
        An `Extraction`; never raises on a str input.
    """
    problem = check_text(completion, "completion", limits.max_completion_chars)
    if problem is not None:
        return Extraction(None, "none", 0.0, reason=problem, invalid=True)
    text = strip_invisible(completion)
    think_end = text.rfind("</think>")
    region = text[think_end + len("</think>") :] if think_end >= 0 else text
    if not region.strip():
        region = text
    try:
        found = _structured(region, limits)
        if found is None and region is not text:
            # Nothing after the reasoning: look inside it, with the tags turned into line breaks so a
            # marker such as "the answer is 5</think>" cannot carry the tag into the answer.
            found = _structured(_THINK_TAG.sub("\n", text), limits)
    except LimitExceeded as err:
        return Extraction(None, "none", 0.0, reason=str(err), invalid=True)
    whole_line = None
    if found is None:
        last = _last_line(region, limits)
        if last is not None:
            found = (last[0], [last[1]], None)
            whole_line = last[2]
    if found is None:
        return Extraction(None, "none", 0.0, reason="no answer found")
    source, answers, restatement = found
    extraction = _finish(source, answers, restatement)
    return replace(extraction, whole_line=whole_line) if whole_line is not None else extraction


def as_whole_line(extraction: Extraction) -> Extraction:
    """For a "last_line_value" extraction, the same last line taken whole (source "last_line").

    A value picked after the last " is " suits numeric golds; for a yes/no, choice or text gold the
    whole line ("Yes, it is 5 m tall.") is the better reading. Other extractions are returned as is.
    """
    if extraction.source != "last_line_value" or extraction.whole_line is None:
        return extraction
    return _finish("last_line", [extraction.whole_line])


def find_answer_tags(text: str, max_count: int | None = None) -> list[str]:
    """Contents of ``<answer>...</answer>`` pairs (case-insensitive), in order.

    An unclosed trailing tag is ignored (a truncated completion has no final answer). A tag nested
    in a tag keeps the innermost content.

    Raises:
        LimitExceeded: more than ``max_count`` tags.
    """
    out: list[str] = []
    pos = 0
    while True:
        opening = _TAG_OPEN.search(text, pos)
        if opening is None:
            break
        closing = _TAG_CLOSE.search(text, opening.end())
        if closing is None:
            break
        content = text[opening.end() : closing.start()]
        inner = _last_match_end(_TAG_OPEN, content)
        out.append(content[inner:])
        if max_count is not None and len(out) > max_count:
            raise LimitExceeded(f"too many answer tags (> {max_count})")
        pos = closing.end()
    return out


def find_boxed(text: str, max_count: int = MAX_BOXED, max_depth: int = MAX_BRACE_DEPTH) -> list[str]:
    """Contents of the outermost ``\\boxed{...}`` / ``\\fbox{...}`` in ``text``, in order.

    Braces are matched by one linear scan; escaped braces (``\\{``, ``\\}``) are literal set braces
    and do not count. An unclosed box is ignored (boxes inside it still count).

    Raises:
        LimitExceeded: more than ``max_count`` boxes, or braces nested deeper than ``max_depth``
            inside a box.
    """
    return [text[start:end] for start, end in boxed_spans(text, max_count, max_depth)]


def boxed_spans(
    text: str, max_count: int = MAX_BOXED, max_depth: int = MAX_BRACE_DEPTH
) -> list[tuple[int, int]]:
    """Like `find_boxed`, but (content start, content end) index pairs; ``text[end]`` is the box's
    closing brace.

    Raises:
        LimitExceeded: as `find_boxed`.
    """
    closed: list[tuple[int, int]] = []
    stack: list[tuple[int, int]] = []  # (content start, brace depth just inside the box)
    depth = 0
    opened = 0
    for token in _BOX_TOKEN.finditer(text):
        piece = token.group()
        if len(piece) > 2:  # a box opener ("\\{" and "\\}" are two characters)
            opened += 1
            if opened > max_count:
                raise LimitExceeded(f"too many \\boxed answers (> {max_count})")
            depth += 1
            stack.append((token.end(), depth))
        elif piece == "{":
            depth += 1
            if stack and depth - stack[0][1] > max_depth:
                raise LimitExceeded(f"braces nested too deep in \\boxed (> {max_depth})")
        elif piece == "}":
            if stack and stack[-1][1] == depth:
                closed.append((stack.pop()[0], token.start()))
            depth = max(depth - 1, 0)
    closed.sort()
    spans: list[tuple[int, int]] = []
    last_end = -1
    for start, end in closed:
        if start > last_end:  # not nested inside a box already taken
            spans.append((start, end))
            last_end = end
    return spans


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


def clean_answer(answer: str) -> str:
    """Strip surrounding markdown and math delimiters (**x**, `x`, $x$, \\(x\\), \\text{x}) and trailing
    punctuation ('.', ',', ';', ':'). A bounded number of rounds, each linear."""
    s = answer.strip()
    for _ in range(8):
        before = s
        s = s.strip().rstrip(".,;:").strip()
        if len(s) > 1 and s.strip("*`") and (s[0] in "*`" or s[-1] in "*`"):
            s = s.strip("*`")
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s = s[len(left) : len(s) - len(right)]
                break
        s = _unwrap_command(s)
        if s == before:
            break
    return s.strip()


# --- internals -------------------------------------------------------------------------------


def _structured(text: str, limits: Limits) -> tuple[str, list[str], str | None] | None:
    """Answer tags, then boxes, then marker phrases; None when none is present.

    Returns (source, answers, restatement): for a tag or box source, ``restatement`` is the value of
    an explicit final-answer marker written AFTER the last tag/box (`_restatement`), else None.
    """
    tags = [t for t in find_answer_tags(text, limits.max_boxed) if t.strip()]
    if tags:
        answers: list[str] = []
        for tag in tags:
            boxed = find_boxed(tag, limits.max_boxed, limits.max_brace_depth)
            answers.extend(boxed if boxed else [tag])
        found = _nonempty("answer_tag", answers)
        tail_at = _last_match_end(_TAG_CLOSE, text)
    else:
        spans = boxed_spans(text, limits.max_boxed, limits.max_brace_depth)
        found = _nonempty("boxed", [text[start:end] for start, end in spans])
        tail_at = spans[-1][1] + 1 if spans else len(text)
    if found is not None:
        return found[0], found[1], _restatement(text[tail_at:], limits)
    marker = _marker(text, limits)
    return (marker[0], marker[1], None) if marker is not None else None


def _restatement(tail: str, limits: Limits) -> str | None:
    """The value of an explicit final-answer marker in the text after the last tag/box, or None.

    Only deliberate final statements count: "Answer: X" / "Final answer: X" and "the/final/correct
    answer is X" ("This answer is correct" is commentary, not an answer), and a value that points
    back at the box ("the answer is boxed above") is no new answer.
    """
    found = _marker(tail, limits, strict=True)
    if found is None:
        return None
    value = found[1][0]
    lowered = value.lower()
    if lowered.rstrip(".!").strip() in _BACK_REFERENCES or lowered.startswith(_BACK_REFERENCE_STARTS):
        return None
    if "answer" in lowered:
        return None  # another marker phrase ("The answer is\nThe answer is"), not a value
    return value


def _nonempty(source: str, answers: list[str]) -> tuple[str, list[str]] | None:
    cleaned = [a for a in (clean_answer(x) for x in answers) if a]
    return (source, cleaned) if cleaned else None


def _marker(text: str, limits: Limits, strict: bool = False) -> tuple[str, list[str]] | None:
    """The last usable "answer is X" / "Answer: X" / answer heading, trying a bounded few.

    With ``strict``, "answer is" counts only after "the", "final" or "correct" (see `_restatement`).
    """
    matches = list(_ANSWER_WORD.finditer(text))
    tries = 0
    for m in reversed(matches):
        start, end = m.start(), m.end()
        if start > 0 and text[start - 1].isalnum():
            continue
        source, value_at = _marker_kind(text, start, end)
        if source is None:
            continue
        if strict and source == "answer_is" and _word_before(text, start) not in _STRICT_ANSWER_IS:
            continue
        tries += 1
        value = clean_answer(_value_after(text, value_at, limits.max_answer_chars, source == "answer_is"))
        if value:
            return source, [value]
        if tries >= _MAX_MARKER_TRIES:
            break
    return None


def _marker_kind(text: str, start: int, end: int) -> tuple[str | None, int]:
    """Classify the "answer" word at text[start:end]; returns (source, where the value starts)."""
    n = len(text)
    if text[end : end + 3].lower() == " is" and (end + 3 >= n or not text[end + 3].isalnum()):
        return "answer_is", end + 3
    # "Answer:", "Answer**:", "answer :" -- look at most 4 markdown/space characters ahead
    j = end
    while j < n and j - end < 4 and text[j] in " *_":
        j += 1
    if j < n and text[j] == ":":
        return "answer_colon", j + 1
    # a heading line "## Final Answer" / "**Answer**" with the value on the next line
    k = end
    while k < n and k - end < 4 and text[k] in " *_#":
        k += 1
    if k >= n or text[k] not in "\r\n":
        return None, end
    i = start
    if text[max(0, i - 6) : i].lower() == "final ":
        i -= 6
    while i > 0 and start - i < 12 and text[i - 1] in " *_#":
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return "answer_colon", k
    return None, end


def _word_before(text: str, pos: int) -> str:
    """The word just before ``pos`` (lower-cased; at most 20 characters are looked at)."""
    window = text[max(0, pos - 20) : pos].split()
    return window[-1].lower().strip("*_") if window else ""


def _value_after(text: str, pos: int, cap: int, sentence: bool) -> str:
    """The value after a marker: rest of its line, or the next non-empty line when the rest is empty.

    At most ``cap + 1`` characters are taken, so an over-long value stays over-long (and is then
    rejected by the verifier) instead of being truncated into something that looks valid.
    """
    n = len(text)
    pos = _INLINE_JUNK.match(text, pos).end()
    if pos >= n or text[pos] in "\r\n":
        pos = _ANY_SPACE.match(text, pos).end()
        pos = _INLINE_JUNK.match(text, pos).end()
    line_end = text.find("\n", pos, pos + cap + 1)
    value = text[pos : line_end if line_end >= 0 else min(n, pos + cap + 1)]
    if sentence:
        cut = min((i for i in (value.find(sep) for sep in _SENTENCE_ENDS) if i >= 0), default=-1)
        if cut >= 0:
            value = value[:cut]
    return value


def _last_line(text: str, limits: Limits) -> tuple[str, str, str | None] | None:
    """(source, answer, whole line when the answer is a value picked from it) or None."""
    body = text.rstrip()
    start = body.rfind("\n") + 1
    if len(body) - start > limits.max_answer_chars:
        return None  # a long paragraph is not an answer: the model gave none
    line = clean_answer(body[start:])
    if not line:
        return None
    value = _sentence_value(line)
    if value is not None:
        return "last_line_value", value, line
    return "last_line", line, None


def _sentence_value(line: str) -> str | None:
    """In a last line that is a sentence ("The area is 25, so the perimeter is 20."), the value after
    the last " is " or "=" (up to the end of that clause), when it holds a digit; else None.

    A line counts as a sentence when it has a word of 3+ letters that is not a LaTeX command or a
    function name before that " is "/"=": "x + y = 3" (an equation answer) is left whole.
    """
    cut = max(line.rfind(" is "), line.rfind("="))
    if cut < 0:
        return None
    skip = 4 if line.startswith(" is ", cut) else 1
    words = [w.lower() for w in _PROSE_WORD.findall(line, 0, cut)]
    if not any(len(w) >= 3 and w not in _MATH_WORDS for w in words):
        return None
    if line[cut - 1 : cut] in "<>!" and skip == 1:
        return None  # "<=", ">=", "!=": a relation, not "is"
    value = _value_after(line, cut + skip, len(line), sentence=True)
    for stop in (", ", " so ", " and ", " which "):
        at = value.find(stop)
        if at >= 0:
            value = value[:at]
    value = clean_answer(value)
    return value if any(ch.isdigit() for ch in value) else None


def _finish(source: str, answers: list[str], restatement: str | None = None) -> Extraction:
    """Build the Extraction; a ``restatement`` after the last tag/box joins the candidates, so a
    different value there is a conflict ("\\boxed{8} ... Final answer: 6")."""
    keys: dict[str, str] = {}
    for a in answers + ([restatement] if restatement else []):
        keys.setdefault(_candidate_key(a), a)
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


def _candidate_key(answer: str) -> str:
    """Light normalisation deciding whether two answers at one source are 'the same'."""
    s = "".join(answer.split())
    for spacing in ("\\,", "\\!", "\\;", "\\:", "\\ ", "\\left", "\\right"):
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


def _last_match_end(pattern: re.Pattern[str], text: str) -> int:
    end = 0
    for m in pattern.finditer(text):
        end = m.end()
    return end
