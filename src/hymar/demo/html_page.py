"""`hymar demo`'s report.html: report.md's tables and plots, and the examples side by side.

The tables and text are report.md's (`hymar.demo.report.render_report`, rendered by `markdown`);
plots and example images are inlined; each example shows the base's and every trained policy's
answer side by side, highlighted by the completion parser, with its verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hymar.atomic import atomic_write_text
from hymar.view.cards import completion_html, esc, images_html, verdict_badge
from hymar.view.images import image_data_uri
from hymar.view.markdown import to_html
from hymar.view.page import LEGEND, shell

REPORT_HTML = "report.html"
#: plots are kept at full size (their text must stay legible)
PLOT_MAX_SIDE = 2400


def _inside(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it stays inside ``root`` (results.json is data, not a path to trust)."""
    path = (root / relative).resolve()
    return path if path.is_relative_to(root.resolve()) else None


def examples_html(examples: list[Mapping[str, Any]], demo_dir: Path) -> str:
    """Each example: image, prompt, gold, and one column per policy (base first) with its answer."""
    if not examples:
        return ""
    parts = ["<h2>Examples: the base's and each trained policy's answers side by side</h2>", LEGEND]
    for ex in examples:
        image = _inside(demo_dir, str(ex.get("image") or "")) if ex.get("image") else None
        columns = []
        for policy, answer in (ex.get("answers") or {}).items():
            pre, extracted = completion_html(str((answer or {}).get("completion") or ""))
            columns.append(
                f'<div class="card"><header><span class="id">{esc(policy)}</span>'
                f'{verdict_badge((answer or {}).get("correct"))}</header>{pre}<div class="answers">{extracted}</div></div>'
            )
        parts.append(
            f'<section class="group example"><h3>{esc(ex.get("id"))} <span class="muted">({esc(ex.get("domain"))})</span></h3>'
            f'{images_html([image] if image else [], str(ex.get("id")))}'
            f'<pre class="prompt">{esc(ex.get("prompt"))}</pre><div class="answers">gold: <code>{esc(ex.get("gold"))}</code></div>'
            f'<div class="side-by-side">{"".join(columns)}</div></section>'
        )
    return "".join(parts)


def demo_page(results: Mapping[str, Any], demo_dir: str | Path) -> str:
    """The report page for a demo's results dict; images are read from ``demo_dir``."""
    from hymar.demo.report import render_report

    root = Path(demo_dir)

    def image(alt: str, path: str) -> str:
        found = _inside(root, path)
        uri, problem = image_data_uri(found, PLOT_MAX_SIDE) if found else (None, f"{path} is outside the demo folder")
        if uri is None:
            return f'<p class="reason">{esc(alt)}: {esc(problem)}</p>'
        return f'<p><img class="plot thumb" src="{uri}" alt="{esc(alt)}" title="click to enlarge"></p>'

    body = to_html(render_report({**results, "examples": []}), image)
    examples = examples_html(list(results.get("examples") or []), root)
    settings = "<h2>Settings</h2>"  # the examples go where report.md has them: before the plots and settings
    anchor = next((a for a in ("<h2>Plots</h2>", settings) if a in body), None)
    body = body.replace(anchor, examples + anchor, 1) if anchor else body + examples
    return shell("hymar demo report", f'<div class="report">{body}</div>')


def write_demo_page(results: Mapping[str, Any], demo_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report page (default ``demo_dir/report.html``) and return its path."""
    target = Path(out) if out is not None else Path(demo_dir) / REPORT_HTML
    atomic_write_text(target, demo_page(results, demo_dir), errors="replace")
    return target


def write_demo_page_from_dir(demo_dir: str | Path, out: str | Path | None = None) -> Path:
    """`write_demo_page` from a finished demo folder's results.json.

    Raises:
        OSError: results.json cannot be read; ValueError: it is not a JSON object.
    """
    from hymar.demo.report import RESULTS_FILE

    results = json.loads((Path(demo_dir) / RESULTS_FILE).read_text(encoding="utf-8"))
    if not isinstance(results, dict) or "base" not in results or "runs" not in results:
        raise ValueError(f"{Path(demo_dir) / RESULTS_FILE} is not a hymar demo results file")
    return write_demo_page(results, demo_dir, out)
