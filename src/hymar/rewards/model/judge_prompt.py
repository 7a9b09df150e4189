"""Judge prompt rendering, reply parsing and image encoding for `LLMJudge` (no network, no torch)."""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_RUBRIC = """You are a strict grader. Rate the assistant's response to the user's request.

[Request]
{prompt}

[Reference answer (may be empty)]
{reference}

[Response]
{completion}

Judge correctness first, then whether the response follows every instruction in the request, then
clarity. Reply with one line of reasoning, then a final line exactly of the form "Score: N" where N is
an integer from {low} to {high} ({high} = perfect)."""

_FIELD = re.compile(r"\{(prompt|completion|reference|answer|low|high)\}")
# "Score: 7", "score = 7.5", "**Score:** 8", "Score: 8/10"; bounded quantifiers, nothing nested
_SCORE_LINE = re.compile(r"score\**\s{0,3}[:=]\s{0,3}\**\s{0,3}(-?\d{1,4}(?:\.\d{1,4})?)", re.IGNORECASE)
_JSON_SCORE = re.compile(r"\"score\"\s{0,3}:\s{0,3}\"?(-?\d{1,4}(?:\.\d{1,4})?)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"\s{0,20}(-?\d{1,4}(?:\.\d{1,4})?)\s{0,20}")
#: replies are scanned up to this length: a judge that rambles further is not trusted
MAX_REPLY_CHARS = 20_000


def render_prompt(template: str, fields: Mapping[str, str]) -> str:
    """Fill ``{prompt}``, ``{completion}``, ``{reference}``, ``{answer}``, ``{low}``, ``{high}``.

    One pass with a fixed field set: other braces (e.g. a JSON example in the rubric) stay as they
    are, and braces inside the untrusted completion are never interpreted.
    """
    return _FIELD.sub(lambda m: str(fields.get(m.group(1), "")), template)


def parse_score(reply: str, low: float, high: float) -> float | None:
    """The judge's score in [low, high] from its reply, or None.

    Order: a JSON ``{"score": N}`` (as the whole reply or inside it), then the first "Score: N"
    whose N lies in [low, high], then a reply that is a bare number. Out-of-range numbers are
    skipped, never clipped: "Score: 11" on a 1-10 scale is not a 10.
    """
    text = reply[:MAX_REPLY_CHARS]
    for pattern in (_JSON_SCORE, _SCORE_LINE):
        for match in pattern.finditer(text):
            value = float(match.group(1))
            if low <= value <= high:
                return value
    bare = _BARE_NUMBER.fullmatch(text)
    if bare is not None:
        value = float(bare.group(1))
        if low <= value <= high:
            return value
    return _json_object_score(text, low, high)


def _json_object_score(text: str, low: float, high: float) -> float | None:
    """{"score": N} with N a JSON number that the regexes missed (e.g. 1e0)."""
    start = text.find("{")
    if start == -1:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    value = obj.get("score") if isinstance(obj, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high:
        return float(value)
    return None


def image_data_url(image: Any) -> str:
    """A ``data:`` URL for an image given as a file path, bytes or a PIL image (PNG for PIL)."""
    if isinstance(image, (str, Path)):
        mime = mimetypes.guess_type(str(image))[0] or "image/png"
        data = Path(image).read_bytes()
    elif isinstance(image, (bytes, bytearray)):
        mime, data = "image/png", bytes(image)
    elif hasattr(image, "save"):
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        mime, data = "image/png", buf.getvalue()
    else:
        raise ValueError(f"unsupported image type {type(image).__name__}")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
