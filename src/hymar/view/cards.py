"""One rollout as an HTML card: image thumbnails, prompt, highlighted completion, answers, components."""

from __future__ import annotations

import html
import json
from typing import Any

from hymar.view.images import image_data_uri
from hymar.view.rollouts import ComponentView, Rollout
from hymar.view.spans import highlight

#: characters of a component detail value shown (verifier details can hold whole expressions)
MAX_DETAIL_CHARS = 160


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def number(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def images_html(paths: list[Any], alt: str) -> str:
    """Thumbnails (click to enlarge) for each image, or a note saying why one cannot be shown."""
    parts = []
    for path in paths:
        uri, problem = image_data_uri(path)
        if uri is None:
            parts.append(f'<span class="reason">{esc(problem)}</span>')
        else:
            parts.append(f'<img class="thumb" src="{uri}" alt="{esc(alt)}" title="click to enlarge">')
    return f'<div class="media">{"".join(parts)}</div>' if parts else ""


def _details(component: ComponentView) -> str:
    items = []
    for key, value in component.details.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > MAX_DETAIL_CHARS:
            text = text[:MAX_DETAIL_CHARS] + "…"
        items.append(f"{esc(key)}={esc(text)}")
    return " · ".join(items)


def components_table(components: list[ComponentView]) -> str:
    rows = []
    for c in components:
        status = "invalid" if not c.valid else "valid" if c.applies else "does not apply"
        reason = f'<div class="{"reason" if not c.valid else "note"}">{esc(c.reason)}</div>' if c.reason else ""
        rows.append(
            f'<tr class="{"" if c.valid else "invalid"}" data-component="{esc(c.name)}"><td>{esc(c.name)}</td>'
            f'<td class="num">{number(c.value)}</td><td class="num">{number(c.confidence, ".2f")}</td>'
            f'<td>{status}</td><td>{reason}<div class="details">{_details(c)}</div></td></tr>'
        )
    head = "<tr><th>component</th><th>value</th><th>confidence</th><th>validity</th><th>reason / details</th></tr>"
    return f'<table class="components">{head}{"".join(rows)}</table>' if rows else ""


def verdict_badge(correct: bool | None) -> str:
    if correct is None:
        return ""
    return '<span class="badge right">right</span>' if correct else '<span class="badge wrong">wrong</span>'


def completion_html(completion: str, extracted: str | None = None) -> tuple[str, str]:
    """``(pre block, extracted-answer line)`` for a completion."""
    shown = highlight(completion, extracted)
    problem = f' <span class="reason">{esc(shown.problem)}</span>' if shown.problem else ""
    answer = "<i>none found</i>" if shown.extracted is None else f"<code>{esc(shown.extracted)}</code>"
    source = f'<span class="muted">({esc(shown.extraction_source)})</span>'
    return f'<pre class="completion">{shown.html}</pre>', f"extracted answer: {answer} {source}{problem}"


def _extracted(rollout: Rollout) -> str | None:
    for c in rollout.components:
        value = c.details.get("extracted")
        if isinstance(value, str):
            return value
    return None


def card_html(rollout: Rollout, home: str) -> str:
    """The card of ``rollout``; ``home`` is the id of its group's card container (the script moves it back there)."""
    # the component filter keeps rollouts a component judged or failed to judge, not those it skips
    judged = " ".join(esc(c.name) for c in rollout.components if c.applies or not c.valid)
    invalid = " ".join(esc(c.name) for c in rollout.invalid)
    attrs = (
        f'class="card{" error" if rollout.error else ""}" data-index="{rollout.index}" data-home="{esc(home)}" '
        f'data-group="{esc(rollout.group)}" data-reward="{"" if rollout.reward is None else repr(rollout.reward)}" '
        f'data-components="{judged}" '
        f'data-invalid="{invalid}" data-wrong="{"1" if rollout.correct is False else "0"}" data-error="{"1" if rollout.error else "0"}"'
    )
    task = f'<span class="badge">{esc(rollout.task)}</span>' if rollout.task else ""
    flagged = f'<span class="badge invalid">{len(rollout.invalid)} invalid</span>' if rollout.invalid else ""
    advantage_help = "group-relative advantage: (reward - group mean) / (group std + 1e-4)"
    header = (
        f'<header><span class="id">{esc(rollout.id)}</span>{task}'
        f'<span class="reward">reward {number(rollout.reward)}</span>'
        f'<span title="{advantage_help}">advantage {number(rollout.advantage, "+.2f")}</span>'
        f"{verdict_badge(rollout.correct)}{flagged}</header>"
    )
    if rollout.error:
        return f'<article {attrs}>{header}<div class="reason">error: {esc(rollout.error)}</div></article>'
    pre, answer_line = completion_html(rollout.completion, _extracted(rollout))
    gold = rollout.answer if rollout.answer is not None else rollout.reference
    gold_label = "gold" if rollout.answer is not None else "reference"
    return (
        f"<article {attrs}>{header}{images_html(rollout.images, rollout.id)}"
        f'<div class="muted">prompt</div><pre class="prompt">{esc(rollout.prompt)}</pre>'
        f'<div class="muted">completion</div>{pre}'
        f'<div class="answers">{answer_line} · {gold_label}: <code>{esc(gold) if gold is not None else "–"}</code></div>'
        f"{components_table(rollout.components)}</article>"
    )
