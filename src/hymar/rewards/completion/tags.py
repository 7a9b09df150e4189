"""Tag sections of a completion (``<think>...</think>``, ``<answer>...</answer>``) and its reasoning.

Plain ``str.find`` scans over a lower-cased copy (tags match in any case: ``<THINK>`` is ``<think>``),
so every function here is linear in the completion length.

Reasoning conventions, the same for every component that reads a completion:
- a complete ``<think>...</think>`` pair is reasoning;
- a ``</think>`` with no opening tag before it closes a section the chat template opened in the
  prompt: everything before it is reasoning;
- an unclosed ``<think>`` means the model never finished reasoning: everything after it is reasoning
  (a truncated completion has no answer part).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A half-open range ``[start, end)`` of a text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class TagSection:
    """One ``<tag>...</tag>`` pair: positions of the opening tag, the content and the closing tag.

    Attributes:
        open_start: index of "<tag>" (-1 when the section was opened implicitly, e.g. the chat
            template put "<think>" in the prompt).
        content_start, content_end: the content is ``text[content_start:content_end]``.
        close_end: index just after "</tag>" (``len(text)`` for a section that never closes).
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


def count_tags(lowered: str, tag: str) -> TagCounts:
    """Count "<tag>" and "</tag>" in an already lower-cased text."""
    return TagCounts(lowered.count(f"<{tag}>"), lowered.count(f"</{tag}>"))


def tag_sections(lowered: str, tag: str) -> list[TagSection]:
    """Complete, non-nested ``<tag>...</tag>`` sections in order, found in a lower-cased text.

    An opening tag without a closing one, or a closing tag without an opening one, is skipped; a
    second opening before the close means the first was stray (the innermost pair is kept).
    """
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    out: list[TagSection] = []
    pos = 0
    while True:
        start = lowered.find(open_tag, pos)
        if start < 0:
            return out
        content_start = start + len(open_tag)
        end = lowered.find(close_tag, content_start)
        if end < 0:
            return out
        reopen = lowered.rfind(open_tag, content_start, end)
        if reopen >= 0:
            start, content_start = reopen, reopen + len(open_tag)
        out.append(TagSection(start, content_start, end, end + len(close_tag)))
        pos = end + len(close_tag)


def reasoning_sections(lowered: str, tag: str = "think") -> list[TagSection]:
    """The reasoning of a completion as sections, by the module's conventions.

    One left-to-right scan over the tags: an opening tag starts a section (a second opening inside
    it changes nothing); a closing tag ends the open section, or, when none is open, makes
    everything since the previous section (or the start) reasoning: an implicit section with
    ``open_start == -1`` when nothing came before, else the previous section grown to this tag. A
    section still open at the end runs to the end of the text (``content_end == len(text)``).
    """
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    n = len(lowered)
    out: list[TagSection] = []
    open_at = -1  # start of the section being read, -1 when outside reasoning
    pos = 0
    while True:
        next_open = lowered.find(open_tag, pos) if open_at < 0 else -1
        next_close = lowered.find(close_tag, pos)
        if open_at < 0 and next_open >= 0 and (next_close < 0 or next_open < next_close):
            open_at, pos = next_open, next_open + len(open_tag)
            continue
        if next_close < 0:
            break
        close_end = next_close + len(close_tag)
        if open_at >= 0:
            out.append(TagSection(open_at, open_at + len(open_tag), next_close, close_end))
        elif out:  # a stray closing tag: the text since the previous section was reasoning too
            last = out[-1]
            out[-1] = TagSection(last.open_start, last.content_start, next_close, close_end)
        else:  # opened by the chat template in the prompt
            out.append(TagSection(-1, 0, next_close, close_end))
        open_at, pos = -1, close_end
    if open_at >= 0:
        out.append(TagSection(open_at, open_at + len(open_tag), n, n))
    return out


def outside(spans: list[Span], n: int) -> list[Span]:
    """The complement of sorted, non-overlapping ``spans`` within ``[0, n)``."""
    out, pos = [], 0
    for span in spans:
        if span.start > pos:
            out.append(Span(pos, span.start))
        pos = max(pos, span.end)
    if pos < n:
        out.append(Span(pos, n))
    return out
