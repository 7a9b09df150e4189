"""Text helpers shared by the model-based components (no torch)."""

from __future__ import annotations

_OPEN = "<think>"
_CLOSE = "</think>"


def strip_think(text: str) -> str:
    """Remove reasoning blocks: the text with every ``<think>...</think>`` span cut out.

    Hand-scanned (no regex) so a hostile completion costs linear time. Conventions handled:
    a ``</think>`` with no opening tag (chat templates that put ``<think>`` in the prompt) drops
    everything before it; an unclosed ``<think>`` drops everything after it (the model never
    finished reasoning, so there is no answer part). Tags are matched case-insensitively.

    Args:
        text: a completion.

    Returns:
        The completion without its reasoning, stripped of surrounding whitespace.
    """
    lower = text.lower()
    out: list[str] = []
    pos = 0
    first_open = lower.find(_OPEN)
    first_close = lower.find(_CLOSE)
    if first_close != -1 and (first_open == -1 or first_close < first_open):
        pos = first_close + len(_CLOSE)
    while True:
        start = lower.find(_OPEN, pos)
        if start == -1:
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        end = lower.find(_CLOSE, start + len(_OPEN))
        if end == -1:
            break
        pos = end + len(_CLOSE)
    return "".join(out).strip()
