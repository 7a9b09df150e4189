"""Text helpers shared by the model-based components (no torch)."""

from __future__ import annotations

from hymar.rewards.completion import parse_completion


def strip_think(text: str) -> str:
    """Remove reasoning blocks: the completion outside its reasoning, as every component reads it.

    The one parse of `hymar.rewards.completion.parse_completion` (linear, cached): complete
    ``<think>...</think>`` spans are cut out; a ``</think>`` with no opening tag (chat templates that
    put ``<think>`` in the prompt) drops everything before it; an unclosed ``<think>`` drops everything
    after it (the model never finished reasoning, so there is no answer part). Tags match in any
    case; text after an end-of-turn token (``<|im_end|>``) is not part of the completion.

    Args:
        text: a completion.

    Returns:
        The completion without its reasoning, stripped of surrounding whitespace.
    """
    return parse_completion(text).response.strip()
