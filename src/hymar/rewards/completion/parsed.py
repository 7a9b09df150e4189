"""`parse_completion`: a completion read once into its parts, for every component that needs them.

The verifier (``rules``), the instruction-adherence aspects (``aspects``) and the model-based
components (``model``) all read the same `ParsedCompletion`, so they cannot disagree on what the
reasoning, the answer section or the boxes of a completion are.

What the parse does to the text first (``ParsedCompletion.text``; positions refer to it):
1. zero-width characters are removed (see `rules.limits.strip_invisible`);
2. the text is cut at the first end-of-turn token (`END_OF_TURN`: ``<|im_end|>``, ``<|im_start|>``,
   ``<|endoftext|>``, ``</s>``, ...): what follows is not part of this answer (a model that runs on
   writes the next chat turn, "<|im_start|>user ...");
3. text escaped twice (a string literal dumped into JSON: ``\\\\boxed{\\\\frac{1}{2}}``, line breaks
   written ``\\n``) is unescaped once, when that is the only reading: the text holds doubled-backslash
   commands and no single-backslash command, or it holds no line break and only escaped ones.

Then, with `tags.reasoning_sections` for the reasoning, `tags.tag_sections` for the answer tags and
`boxes.scan_boxes` for the boxes, all on the whole text; `ParsedCompletion.response` is the text
outside the reasoning, and `ParsedCompletion.markers` the final-answer markers found in it.

Parses are cached (LRU, texts up to 64 KiB): a GRPO batch is read by several components in turn.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from hymar.rewards.completion.boxes import Box, scan_boxes
from hymar.rewards.completion.markers import Marker, find_markers
from hymar.rewards.completion.tags import Span, TagCounts, TagSection, count_tags, outside, reasoning_sections, tag_sections
from hymar.rewards.rules.limits import DEFAULT_LIMITS, Limits, check_text, strip_invisible

END_OF_TURN = (
    "<|im_end|>", "<|im_start|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<|end_of_text|>",
    "<end_of_turn>", "</s>", "<｜end▁of▁sentence｜>",
)  # fmt: skip
_CACHE_MAX_CHARS = 65_536
_SINGLE_COMMAND = re.compile(r"(?<!\\)\\[A-Za-z]")
_DOUBLE_COMMAND = re.compile(r"\\\\[A-Za-z]{2}")


@dataclass(frozen=True)
class ParsedCompletion:
    """A completion split into its parts (see the module docstring).

    Attributes:
        text: the completion as read (invisible characters removed, cut at an end-of-turn token,
            doubled backslashes undone); every position below refers to it.
        reasoning: the reasoning sections (`tags.reasoning_sections` conventions).
        answer_tags: every complete ``<answer>`` section, in order (also those inside reasoning).
        boxes: every top-level ``\\boxed{}``/``\\fbox{}``, in order (also those inside reasoning).
        problem: why the completion breaks a safety limit (length, null bytes, too many boxes,
            braces too deep), else None. The parts are still read where that is safe.
        think_tag, answer_tag: the tag names used.
    """

    text: str
    reasoning: tuple[TagSection, ...]
    answer_tags: tuple[TagSection, ...]
    boxes: tuple[Box, ...]
    problem: str | None
    think_tag: str = "think"
    answer_tag: str = "answer"
    _lowered: str = field(default="", repr=False, compare=False)

    # -- reasoning -------------------------------------------------------------------------
    @property
    def reasoning_unclosed(self) -> bool:
        """The last reasoning section never closes (the model stopped while reasoning)."""
        return bool(self.reasoning) and self.reasoning[-1].content_end == self.reasoning[-1].close_end

    @cached_property
    def reasoning_text(self) -> str:
        """The reasoning sections' contents, joined by newlines."""
        return "\n".join(s.content(self.text) for s in self.reasoning)

    def in_reasoning(self, pos: int) -> bool:
        """Whether ``pos`` lies inside a reasoning section (tags included); sections are sorted."""
        i = bisect_right(self._reasoning_starts, pos) - 1
        return i >= 0 and pos < self.reasoning[i].close_end

    def overlaps_reasoning(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` touches a reasoning section."""
        if self.in_reasoning(start):
            return True
        i = bisect_right(self._reasoning_starts, start)
        return i < len(self._reasoning_starts) and self._reasoning_starts[i] < end

    @cached_property
    def _reasoning_starts(self) -> list[int]:
        return [max(s.open_start, 0) for s in self.reasoning]

    # -- the part outside the reasoning ------------------------------------------------------
    @cached_property
    def response_spans(self) -> tuple[Span, ...]:
        spans = [Span(max(s.open_start, 0), s.close_end) for s in self.reasoning]
        return tuple(outside(spans, len(self.text)))

    @cached_property
    def response(self) -> str:
        """The text outside the reasoning (the pieces around reasoning blocks joined as they are)."""
        return "".join(s.of(self.text) for s in self.response_spans)

    def response_from(self, pos: int) -> str:
        """The text outside the reasoning from ``pos`` on."""
        return "".join(self.text[max(s.start, pos) : s.end] for s in self.response_spans if s.end > pos)

    @cached_property
    def answer_sections(self) -> tuple[TagSection, ...]:
        """Complete answer sections wholly outside the reasoning."""
        return tuple(s for s in self.answer_tags if not self.overlaps_reasoning(s.open_start, s.close_end))

    @cached_property
    def answer_tags_unpaired(self) -> bool:
        """An answer tag outside the reasoning is not part of one complete, un-nested section
        ("<answer><answer>5</answer> 6</answer>", a stray "</answer>"): which text is the final
        answer is then undefined, and every reader treats the completion as giving none."""
        response = self.response.lower()
        opens, closes = response.count(f"<{self.answer_tag}>"), response.count(f"</{self.answer_tag}>")
        sections = len(self.answer_sections)
        return sections > 0 and not (opens == closes == sections)

    @cached_property
    def response_boxes(self) -> tuple[Box, ...]:
        """Boxes wholly outside the reasoning."""
        return tuple(b for b in self.boxes if not self.overlaps_reasoning(b.start, b.end))

    @cached_property
    def markers(self) -> tuple[Marker, ...]:
        """Final-answer markers in `response` (positions refer to `response`)."""
        return tuple(find_markers(self.response))

    # -- helpers for format checks -----------------------------------------------------------
    def tag_counts(self, tag: str) -> TagCounts:
        return count_tags(self._lowered, tag)

    def sections(self, tag: str) -> list[TagSection]:
        """Complete ``<tag>`` sections anywhere in the text (any tag name)."""
        if tag == self.answer_tag:
            return list(self.answer_tags)
        return tag_sections(self._lowered, tag)


def parse_completion(
    completion: str, think_tag: str = "think", answer_tag: str = "answer", limits: Limits = DEFAULT_LIMITS
) -> ParsedCompletion:
    """Read ``completion`` into its parts (cached for texts up to 64 KiB).

    Args:
        completion: the model's output (untrusted); a non-str is read as "".
        think_tag, answer_tag: tag names of the reasoning format (case-insensitive).
        limits: size limits; a breach sets ``problem``.

    Returns:
        A `ParsedCompletion`. Linear in the input; never raises.

    Example:
        >>> p = parse_completion("<think>2+2</think><answer>\\\\boxed{4}</answer>")
        >>> p.response, p.answer_sections[0].content(p.text)
        ('<answer>\\\\boxed{4}</answer>', '\\\\boxed{4}')
    """
    if not isinstance(completion, str):
        return _parse("", think_tag, answer_tag, limits, f"completion is not a string ({type(completion).__name__})")
    if len(completion) <= _CACHE_MAX_CHARS:
        return _parse_cached(completion, think_tag, answer_tag, limits)
    return _parse(completion, think_tag, answer_tag, limits, None)


@lru_cache(maxsize=4096)
def _parse_cached(completion: str, think_tag: str, answer_tag: str, limits: Limits) -> ParsedCompletion:
    return _parse(completion, think_tag, answer_tag, limits, None)


def _parse(completion: str, think_tag: str, answer_tag: str, limits: Limits, problem: str | None) -> ParsedCompletion:
    problem = problem or check_text(completion, "completion", limits.max_completion_chars)
    text = _cut_at_end_of_turn(strip_invisible(completion))
    text = _unescape_twice(text)
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased (e.g. "İ")
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    reasoning = tuple(reasoning_sections(lowered, think_tag))
    answers = tag_sections(lowered, answer_tag)
    if len(answers) > limits.max_boxed:
        problem = problem or f"too many answer tags (> {limits.max_boxed})"
    scan = scan_boxes(text, limits.max_boxed, limits.max_brace_depth)
    return ParsedCompletion(
        text=text,
        reasoning=reasoning,
        answer_tags=tuple(answers),
        boxes=scan.boxes,
        problem=problem or scan.problem,
        think_tag=think_tag,
        answer_tag=answer_tag,
        _lowered=lowered,
    )


def _unescape_twice(text: str) -> str:
    if not _DOUBLE_COMMAND.search(text):
        return text
    if not _SINGLE_COMMAND.search(text):
        return text.replace("\\\\", "\\")
    if "\n" not in text and "\\n" in text:
        # A one-line string literal: "\\n" are its line breaks, "\\\\" its backslashes.
        out, i, n = [], 0, len(text)
        while i < n:
            pair = text[i : i + 2]
            if pair in _ESCAPES:
                out.append(_ESCAPES[pair])
                i += 2
            else:
                out.append(text[i])
                i += 1
        return "".join(out)
    return text


_ESCAPES = {"\\\\": "\\", "\\n": "\n", "\\t": "\t", '\\"': '"'}


def _cut_at_end_of_turn(text: str) -> str:
    cut = len(text)
    for token in END_OF_TURN:
        at = text.find(token, 0, cut)
        if at >= 0:
            cut = at
    return text[:cut]
