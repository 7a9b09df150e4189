"""Brace matching for LaTeX answers, by one linear scan (no regex, so no backtracking)."""

from __future__ import annotations


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
