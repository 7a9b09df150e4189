"""Chat prompt helpers shared by training and evaluation: one prompt, shaped for a text or a vision policy.

A task row's ``prompt`` is a string or chat messages whose content is a string or a list of parts
(``{"type": "text", "text": ...}``, ``{"type": "image"}``). GRPO training (`hymar.train.grpo.data`)
and generation (`hymar.eval.generate`) both reshape it here, so the two never disagree on what a text
policy or a VLM is shown.
"""

from __future__ import annotations

from typing import Any


def text_only_prompt(prompt: Any) -> Any:
    """A prompt without image parts: each message's text parts joined into one string.

    Args:
        prompt: a string (returned as is) or chat messages whose content is a string or a list of parts.

    Returns:
        The same kind of prompt, with string contents only.
    """
    if isinstance(prompt, str):
        return prompt
    out = []
    for message in prompt:
        content = message["content"]
        if not isinstance(content, str):
            content = "".join(part.get("text") or "" for part in content if part.get("type") == "text")
        out.append({"role": message["role"], "content": content})
    return out


def vision_messages(prompt: Any, has_image: bool) -> list[dict[str, Any]]:
    """Chat messages for a VLM: list-of-parts content, image parts only when the row has an image.

    Args:
        prompt: a string or chat messages (string or list-of-parts content).
        has_image: whether an image goes with the row.

    Returns:
        Messages whose content is a list of parts; exactly one image part (first in the first user turn)
        when ``has_image``, none otherwise.
    """
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    out, placed = [], False
    for message in prompt:
        content = message["content"]
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
        kept = []
        for part in parts:
            if part.get("type") == "image":
                if has_image and not placed:
                    kept.append({"type": "image"})
                    placed = True
            elif part.get("type") == "text":
                kept.append({"type": "text", "text": part.get("text") or ""})
        out.append({"role": message["role"], "content": kept})
    if has_image and not placed:
        first_user = next((m for m in out if m["role"] == "user"), out[0])
        first_user["content"].insert(0, {"type": "image"})
    return out
