r"""The parts of a completion as the aspects read them: tag sections, \boxed{...} groups, the response.

A thin view over `hymar.rewards.completion.parse_completion`, the one parse every component shares
(so the format aspect and the verifier agree on what the answer section and the boxes are). Tags
match in any case; positions refer to ``parse_completion(text).text``, which equals ``text`` unless
it held zero-width characters, an end-of-turn token (``<|im_end|>``: what follows is cut) or
doubly escaped LaTeX.

The "response text" (what the length, keyword and language aspects judge) is the content of the
last complete <answer>...</answer> section outside the reasoning when the completion has one,
because in a reasoning format the answer section is what the user reads; otherwise the completion
with its reasoning removed (complete <think> sections, everything before a closing tag the prompt
opened, everything after an unclosed <think>).
"""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.completion import ParsedCompletion, parse_completion
from hymar.rewards.completion.tags import TagCounts, TagSection

__all__ = [
    "Boxed", "TagCounts", "TagSection", "answer_section", "count_tags", "find_boxed", "parsed", "response_text",
    "strip_reasoning", "tag_sections",
]  # fmt: skip


def parsed(text: str, answer_tag: str = "answer", think_tag: str = "think") -> ParsedCompletion:
    """The shared parse of ``text`` (cached), with these tag names."""
    return parse_completion(text if isinstance(text, str) else "", think_tag=think_tag, answer_tag=answer_tag)


def count_tags(text: str, tag: str) -> TagCounts:
    """Count "<tag>" and "</tag>" occurrences (any case)."""
    return parsed(text).tag_counts(tag)


def tag_sections(text: str, tag: str) -> list[TagSection]:
    """Complete, non-nested <tag>...</tag> sections in order (anywhere in the text; see
    `hymar.rewards.completion.tags.tag_sections`)."""
    return parsed(text).sections(tag)


def answer_section(text: str, tag: str = "answer") -> str | None:
    """Content of the last complete <tag>...</tag> section outside the reasoning, or None."""
    p = parsed(text, answer_tag=tag)
    return p.answer_sections[-1].content(p.text) if p.answer_sections else None


def strip_reasoning(text: str, tag: str = "think") -> str:
    """The completion without its reasoning (see the module docstring)."""
    return parsed(text, think_tag=tag).response


def response_text(completion: str, answer_tag: str = "answer", think_tag: str = "think") -> str:
    """What the user reads: the last answer section if any, else the completion minus reasoning.

    Args:
        completion: the model's output (untrusted).
        answer_tag, think_tag: tag names of the reasoning format.

    Returns:
        The stripped text.
    """
    p = parsed(completion, answer_tag, think_tag)
    if p.answer_sections:
        return p.answer_sections[-1].content(p.text).strip()
    return p.response.strip()


@dataclass(frozen=True)
class Boxed:
    r"""One \boxed{...} group.

    Attributes:
        start: index of the backslash of "\boxed".
        end: index just after the closing brace (``len(text)`` when unbalanced).
        content: the text inside the braces ("" when unbalanced).
        balanced: whether the closing brace was found.
    """

    start: int
    end: int
    content: str
    balanced: bool


def find_boxed(text: str) -> list[Boxed]:
    r"""Top-level \boxed{...} / \fbox{...} groups anywhere in the text, in order (a box inside
    another is part of the outer content; an unclosed one is listed as unbalanced)."""
    p = parsed(text)
    return [Boxed(b.start, b.end, b.content(p.text), b.balanced) for b in p.boxes]
