"""Wire format helpers shared by the endpoints: strict JSON in, finite JSON out, errors with a status.

Parsing is strict where Python's json module is lenient: the non-standard literals NaN/Infinity are
refused, and so are nesting too deep for the parser and integers too long to convert (both raise
inside ``json.loads``), each as a 400 that says what is wrong. Output is ASCII-only JSON (a lone
surrogate in an echoed completion cannot break the encoder, as it would with UTF-8 output) in which
every non-finite float has become null.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hymar.data.jsonsafe import dumps_json, finite  # noqa: F401 - finite is part of this module's API


class RequestError(Exception):
    """A request the server refuses; ``status`` is the HTTP status, ``message`` says why.

    Args:
        status: HTTP status code (4xx for the client's fault, 503/504 for load and time limits).
        message: shown to the client as ``{"error": message}``; names the field or index at fault.
        headers: extra response headers (WWW-Authenticate, Retry-After).
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (numbers must be finite)")


def parse_json(body: bytes) -> Any:
    """Decode a request body as strict JSON.

    Args:
        body: the raw bytes (UTF-8, optionally with a BOM).
    Returns:
        The decoded value.
    Raises:
        RequestError: 400 naming the problem (encoding, syntax with line/column, NaN, nesting, huge int).
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RequestError(400, f"body is not UTF-8 (byte {err.start})") from None
    if not text.strip():
        raise RequestError(400, "body is empty; expected JSON")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise RequestError(400, f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise RequestError(400, "invalid JSON: nested too deeply") from None
    except ValueError as err:  # NaN/Infinity (ours) or an integer over Python's digit limit
        raise RequestError(400, f"invalid JSON: {err}") from None


def dumps(value: Any) -> bytes:
    """Response body: compact ASCII JSON with only finite numbers (unknown objects become strings)."""
    return dumps_json(value, compact=True).encode("ascii")


def require_list(value: Any, field: str, max_items: int) -> list[Any]:
    """``value`` as a list of at most ``max_items``, else a 4xx naming ``field``.

    Raises:
        RequestError: 422 for a non-list or an over-long list.
    """
    if not isinstance(value, list):
        raise RequestError(422, f"{field}: expected a JSON list, got {json_type(value)}")
    if len(value) > max_items:
        raise RequestError(422, f"{field}: {len(value)} items, this server accepts at most {max_items} per request")
    return value


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__
