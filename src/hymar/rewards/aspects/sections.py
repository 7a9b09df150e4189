r"""Locate the parts of a completion: <think>/<answer> tag sections and \boxed{...} groups.

Plain ``str.find`` scans and one brace-matching pass, no regex: completions are untrusted and may be
long, and every function here is linear in the completion length.

The "response text" (what the length, keyword and language aspects judge) is the content of the
last complete <answer>...</answer> section when the completion has one, because in a reasoning
format the answer section is what the user reads; otherwise the whole completion with any
<think>...</think> reasoning removed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: longest \boxed{...} content scanned for its closing brace before giving up
MAX_BOXED_CHARS = 20_000


@dataclass(frozen=True)
class TagSection:
    """One <tag>...</tag> pair: positions of the opening tag, the content and the closing tag.

    Attributes:
        open_start: index of "<tag>" (-1 when the section was opened implicitly, e.g. the chat
            template put "<think>" in the prompt).
        content_start, content_end: the content is ``text[content_start:content_end]``.
        close_end: index just after "</tag>".
    """

    open_start: int
    content_start: int
    content_end: int
    close_end: int

    def content(self, text: str) -> str:
        return text[self.content_start : self.content_end]


@dataclass(frozen=True)
class TagCounts:
    """How many opening and closing tags of one name a text holds."""

    opens: int
    closes: int


def count_tags(text: str, tag: str) -> TagCounts:
    """Count "<tag>" and "</tag>" occurrences (exact, lower-case tag names as the model emits them)."""
    return TagCounts(text.count(f"<{tag}>"), text.count(f"</{tag}>"))


def tag_sections(text: str, tag: str) -> list[TagSection]:
    """Complete, non-nested <tag>...</tag> sections in order.

    An opening tag without a closing one, or a closing tag without an opening one, is skipped.

    Args:
        text: the completion.
        tag: the tag name without brackets ("think", "answer").

    Returns:
        The sections, each opening matched with the next closing tag after it.
    """
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    out: list[TagSection] = []
    pos = 0
    while True:
        start = text.find(open_tag, pos)
        if start < 0:
            return out
        content_start = start + len(open_tag)
        end = text.find(close_tag, content_start)
        if end < 0:
            return out
        # A second opening before the close means the first was stray: restart from the later one.
        reopen = text.rfind(open_tag, content_start, end)
        if reopen >= 0:
            start, content_start = reopen, reopen + len(open_tag)
        out.append(TagSection(start, content_start, end, end + len(close_tag)))
        pos = end + len(close_tag)


def answer_section(text: str, tag: str = "answer") -> str | None:
    """Content of the last complete <tag>...</tag> section, or None when there is none."""
    sections = tag_sections(text, tag)
    return sections[-1].content(text) if sections else None


def strip_reasoning(text: str, tag: str = "think") -> str:
    """The completion without its reasoning: complete <think> sections removed, and when a "</think>"
    closes a section opened in the prompt, everything before it removed."""
    close_tag = f"</{tag}>"
    sections = tag_sections(text, tag)
    if sections:
        parts, pos = [], 0
        for section in sections:
            parts.append(text[pos : section.open_start])
            pos = section.close_end
        parts.append(text[pos:])
        text = "".join(parts)
    cut = text.rfind(close_tag)
    return text[cut + len(close_tag) :] if cut >= 0 else text


def response_text(completion: str, answer_tag: str = "answer", think_tag: str = "think") -> str:
    """What the user reads: the last answer section if any, else the completion minus reasoning.

    Args:
        completion: the model's output (untrusted).
        answer_tag, think_tag: tag names of the reasoning format.

    Returns:
        The stripped text.
    """
    answer = answer_section(completion, answer_tag)
    if answer is not None:
        return answer.strip()
    return strip_reasoning(completion, think_tag).strip()


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


def find_boxed(text: str, command: str = "\\boxed") -> list[Boxed]:
    r"""Top-level \boxed{...} groups in order (a \boxed inside another is part of the outer content).

    Args:
        text: the completion.
        command: the LaTeX command to look for ("\boxed"; "\fbox" works too).

    Returns:
        The groups; the last one is unbalanced when its braces never close (scanning stops there,
        which keeps the whole search linear).
    """
    opener = command + "{"
    out: list[Boxed] = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            return out
        depth, i = 1, start + len(opener)
        limit = min(len(text), i + MAX_BOXED_CHARS)
        while i < limit and depth:
            char = text[i]
            if char == "\\":
                i += 2  # an escaped brace \{ or \} does not count
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            i += 1
        if depth:
            out.append(Boxed(start, len(text), "", False))
            return out
        out.append(Boxed(start, i, text[start + len(opener) : i - 1], True))
        pos = i
