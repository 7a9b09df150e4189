"""The subset of Markdown that `hymar.demo.report.render_report` writes, as HTML.

The demo's report.html is its report.md rendered, so the two cannot drift apart: headings, tables,
list items, paragraphs, fenced code, images (inlined as data URIs), ``**bold**`` and ```code```.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)]+)\)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def inline(text: str) -> str:
    """Escape ``text`` and render ``code`` and **bold** spans."""
    escaped = html.escape(text.replace("\\|", "|"), quote=False)
    escaped = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    return _BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", escaped)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _CELL_SPLIT.split(line.strip().strip("|"))]


def to_html(markdown: str, image: Callable[[str, str], str]) -> str:
    """HTML for ``markdown``; ``image(alt, path)`` returns the HTML of an image line."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            out.append(f"<pre>{html.escape(chr(10).join(lines[i + 1:end]))}</pre>")
            i = end + 1
            continue
        if line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [_cells(b) for b in block if not re.fullmatch(r"\|?[\s|:-]+\|?", b)]
            head, body = rows[0], rows[1:]
            out.append(
                "<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in body) + "</table>"
            )
            continue
        if line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{inline(lines[i][2:])}</li>")
                i += 1
            out.append(f"<ul>{''.join(items)}</ul>")
            continue
        heading = re.match(r"^(#{1,4}) (.*)$", line)
        picture = _IMAGE.match(line.strip())
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif picture:
            out.append(image(picture.group(1), picture.group(2)))
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
        i += 1
    return "\n".join(out)
