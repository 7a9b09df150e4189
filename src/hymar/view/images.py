"""Images inlined as base64 data URIs, downscaled so a page of hundreds of rollouts stays small."""

from __future__ import annotations

import base64
import io
from pathlib import Path

#: longest side of an inlined image, in pixels (the enlarged view; the thumbnail is scaled by CSS)
MAX_SIDE = 768


def image_data_uri(path: str | Path, max_side: int = MAX_SIDE) -> tuple[str | None, str | None]:
    """``(data URI, None)`` for a readable image, else ``(None, why not)``; never raises on bad files."""
    try:
        from PIL import Image
    except ImportError:
        return None, "Pillow is not installed"
    try:
        with Image.open(path) as image:
            image.load()
            if max(image.size) > max_side:
                image.thumbnail((max_side, max_side))
            has_alpha = image.mode in ("RGBA", "LA", "P")
            image = image.convert("RGBA" if has_alpha else "RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        return None, f"cannot read image {Path(path).name}: {type(err).__name__}"
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), None
