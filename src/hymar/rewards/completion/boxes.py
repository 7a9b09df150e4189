r"""``\boxed{...}`` / ``\fbox{...}`` groups and brace matching, by one linear scan (no backtracking).

Escaped braces (``\{``, ``\}``) are literal set braces and never count as grouping. A box nested in
another box is part of the outer one's content. A box whose braces never close is reported as
unbalanced (its content runs to the end of the text); boxes closed inside it still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One token of the scanner: a box opener, an escaped character, or a bare brace. The \s* before "{"
# is followed by a literal, so a failed attempt costs one pass over the whitespace run.
_BOX_TOKEN = re.compile(r"\\(?:boxed|fbox)\s*\{|\\.|[{}]", re.DOTALL)


@dataclass(frozen=True)
class Box:
    r"""One ``\boxed{...}`` group.

    Attributes:
        start: index of the backslash of ``\boxed``.
        content_start, content_end: the content is ``text[content_start:content_end]``.
        end: index just after the closing brace (``len(text)`` when unbalanced).
        balanced: whether the closing brace was found.
    """

    start: int
    content_start: int
    content_end: int
    end: int
    balanced: bool

    def content(self, text: str) -> str:
        return text[self.content_start : self.content_end] if self.balanced else ""


@dataclass(frozen=True)
class BoxScan:
    """The result of `scan_boxes`: top-level boxes in order, and why scanning stopped early."""

    boxes: tuple[Box, ...]
    problem: str | None = None


def scan_boxes(text: str, max_count: int, max_depth: int) -> BoxScan:
    """Top-level boxes of ``text`` in order of their start.

    Args:
        text: the completion (or part of it).
        max_count: more box openers than this stops the scan with a problem.
        max_depth: braces nested deeper than this inside a box stop the scan with a problem.

    Returns:
        A `BoxScan`; with a problem ("too many \\boxed answers (> N)", "braces nested too deep in
        \\boxed (> N)") the boxes are those closed before the scan stopped.
    """
    closed: list[tuple[int, int, int]] = []  # (opener start, content start, content end)
    stack: list[tuple[int, int, int]] = []  # (opener start, content start, depth just inside)
    depth = opened = 0
    problem = None
    for token in _BOX_TOKEN.finditer(text):
        piece = token.group()
        if len(piece) > 2:  # a box opener ("\\{" and "\\}" are two characters)
            opened += 1
            if opened > max_count:
                problem = f"too many \\boxed answers (> {max_count})"
                break
            depth += 1
            stack.append((token.start(), token.end(), depth))
        elif piece == "{":
            depth += 1
            if stack and depth - stack[0][2] > max_depth:
                problem = f"braces nested too deep in \\boxed (> {max_depth})"
                break
        elif piece == "}":
            if stack and stack[-1][2] == depth:
                start, content_start, _ = stack.pop()
                closed.append((start, content_start, token.start()))
            depth = max(depth - 1, 0)
    boxes: list[Box] = []
    last_end = -1
    for start, content_start, content_end in sorted(closed):
        if start > last_end:  # not nested inside a box already taken
            boxes.append(Box(start, content_start, content_end, content_end + 1, True))
            last_end = content_end
    if problem is None and stack:
        # the outermost box left open runs to the end; boxes closed inside it stay listed
        start, content_start, _ = stack[0]
        boxes.append(Box(start, content_start, len(text), len(text), False))
        boxes.sort(key=lambda b: b.start)
    return BoxScan(tuple(boxes), problem)


def matching_brace(s: str, open_at: int) -> int | None:
    """Index of the brace closing the one at ``open_at`` (escaped ``\\{ \\}`` skipped), or None."""
    depth, i = 0, open_at
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
