"""JSON in and out without surprises: what a line cannot be read as, and output that is always JSON.

Output: Python's json writes NaN and Infinity as bare ``NaN``/``Infinity``, which no JSON parser reads,
and they reach output through echoed input fields and component info. `dumps_json` writes them as
null. It first tries the plain encoder and rebuilds the value with `finite` only when that refuses a
non-finite number: the rebuild is recursive Python, and deeply nested values (which the C encoder
handles) should not pay for it on every line.

Input: `loads_line` reads one JSON text and turns every way it can fail (syntax, nesting too deep for
the parser, an integer over Python's int-string limit) into a `LineDecodeError` whose message says
which. NaN/Infinity are accepted on input (Python writes them), and become null on output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


class LineDecodeError(ValueError):
    """A text is not JSON this reader can decode; the message says why."""


def loads_line(text: str) -> Any:
    """Decode one JSON text.

    Raises:
        LineDecodeError: "invalid JSON: ..." with the parser's message and column, "nested too deeply",
            or the int-string limit message.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise LineDecodeError(f"invalid JSON: {err.msg} (column {err.colno})") from None
    except RecursionError:
        raise LineDecodeError("invalid JSON: nested too deeply for the parser") from None
    except ValueError as err:  # an integer over Python's digit limit (sys.get_int_max_str_digits)
        raise LineDecodeError(f"invalid JSON: {str(err).split(';')[0]}") from None


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None and every mapping key made a string.

    Args:
        value: a JSON-like tree (dicts, lists, tuples, scalars; other objects are left to the encoder).
    Returns:
        A copy that ``json.dumps(..., allow_nan=False)`` accepts.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps_json(value: Any, *, compact: bool = False) -> str:
    """ASCII JSON with only finite numbers (non-finite ones as null, unknown objects as strings).

    Raises:
        RecursionError: a value nested too deeply to encode (callers turn it into a per-record error).
    """
    options: dict[str, Any] = {"ensure_ascii": True, "allow_nan": False, "default": str}
    if compact:
        options["separators"] = (",", ":")
    try:
        return json.dumps(value, **options)
    except ValueError:  # a NaN or an infinity somewhere in the value
        return json.dumps(finite(value), **options)
