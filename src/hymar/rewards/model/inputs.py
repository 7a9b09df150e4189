"""Turning a Sample into reward-model input: chat messages, rendered text, loaded images (no torch).

PIL is imported when an image is loaded.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hymar.rewards.types import Sample, prompt_to_text

#: refuse decompression bombs far below PIL's own warning limit: a reward call must stay cheap
MAX_IMAGE_PIXELS = 64_000_000


class ImageError(ValueError):
    """An image of a sample could not be loaded."""


def load_image(image: Any) -> Any:
    """A decoded RGB PIL image from a path, bytes, a PIL image or a ``{"path"|"bytes": ...}`` dict.

    Raises:
        ImageError: missing file, unreadable or corrupt data, too many pixels, unsupported type.
    """
    from PIL import Image

    try:
        if isinstance(image, Image.Image):
            img = image
        elif isinstance(image, (str, Path)):
            img = Image.open(image)
        elif isinstance(image, (bytes, bytearray)):
            img = Image.open(io.BytesIO(image))
        elif isinstance(image, Mapping) and (image.get("bytes") or image.get("path")):
            return load_image(image.get("bytes") or image.get("path"))
        else:
            raise ImageError(f"unsupported image type {type(image).__name__}")
        if img.width * img.height > MAX_IMAGE_PIXELS:
            raise ImageError(f"image too large: {img.width}x{img.height}")
        img.load()  # decode now so a truncated file fails here, for this sample only
        return img.convert("RGB")
    except ImageError:
        raise
    except Exception as err:  # noqa: BLE001 - PIL raises many types for bad data
        raise ImageError(f"cannot load image: {type(err).__name__}: {err}"[:200]) from err


def _is_image_part(part: Any) -> bool:
    return isinstance(part, Mapping) and part.get("type") in ("image", "image_url")


def build_messages(sample: Sample, *, multimodal: bool) -> list[dict[str, Any]]:
    """Chat messages for (prompt, completion); never mutates the sample.

    Text models get every message's content flattened to a string. Multimodal models get content
    part lists with one ``{"type": "image"}`` placeholder per image of the sample: the prompt's own
    image parts are kept (reduced to placeholders), and when the prompt has none the sample's images
    are placed before the text of the first user message.

    Raises:
        ImageError: the prompt's image parts and ``sample.images`` disagree in number.
    """
    prompt = sample.prompt
    raw = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt or [])
    messages: list[dict[str, Any]] = []
    for message in raw:
        role = str(message.get("role", "user")) if isinstance(message, Mapping) else "user"
        content = message.get("content", "") if isinstance(message, Mapping) else message
        if not multimodal:
            messages.append({"role": role, "content": prompt_to_text([{"content": content}])})
            continue
        if isinstance(content, str):
            parts: list[dict[str, Any]] = [{"type": "text", "text": content}]
        else:
            parts = []
            for part in content or []:
                if _is_image_part(part):
                    parts.append({"type": "image"})
                elif isinstance(part, Mapping) and part.get("type") == "text":
                    parts.append({"type": "text", "text": str(part.get("text", ""))})
        messages.append({"role": role, "content": parts})
    if multimodal:
        placed = sum(1 for m in messages for p in m["content"] if p.get("type") == "image")
        n_images = len(sample.images)
        if placed == 0 and n_images:
            target = next((m for m in messages if m["role"] == "user"), None)
            if target is None:
                target = {"role": "user", "content": []}
                messages.insert(0, target)
            target["content"] = [{"type": "image"} for _ in range(n_images)] + target["content"]
        elif placed != n_images:
            raise ImageError(f"prompt has {placed} image parts but the sample has {n_images} images")
    messages.append({"role": "assistant", "content": sample.completion})
    return messages


def render(messages: list[dict[str, Any]], template_owner: Any) -> str:
    """The conversation as one string: the chat template when there is one, else plain text."""
    if getattr(template_owner, "chat_template", None):
        return template_owner.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    return "\n".join(_plain(m["content"]) for m in messages)


def _plain(content: str | Sequence[Any]) -> str:
    return content if isinstance(content, str) else prompt_to_text([{"content": content}])
