"""The rollouts page: summary charts, filters, and the cards grouped by prompt group."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from hymar.atomic import atomic_write_text
from hymar.view.assets import CSS, JS
from hymar.view.cards import card_html, esc, number
from hymar.view.charts import ComponentSummary, histogram_svg
from hymar.view.rollouts import Rollout, load_rollouts

LEGEND = (
    '<div class="legend muted">highlighted: <span class="hl-think">reasoning</span>'
    '<span class="hl-answer">answer section</span><span class="hl-box">box</span>'
    '(as hymar\'s completion parser reads them)</div>'
)


def shell(title: str, body: str) -> str:
    """A complete HTML document with the inline style sheet and script."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no favicon request, not even from disk
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>{body}"
        f'<div id="lightbox" role="dialog" aria-label="enlarged image"><img alt=""></div>'
        f"<script>{JS}</script></body></html>\n"
    )


def summaries(rollouts: Sequence[Rollout]) -> list[ComponentSummary]:
    """The total reward's and each component's summary (components in first-seen order)."""
    names: dict[str, None] = {}
    for r in rollouts:
        for c in r.components:
            names.setdefault(c.name, None)
    scored = [r for r in rollouts if not r.error]
    out = [ComponentSummary("reward (total)", tuple(r.reward for r in scored if r.reward is not None), sum(r.reward is None for r in scored), ())]
    for name in names:
        comps = [c for r in rollouts for c in r.components if c.name == name]
        out.append(ComponentSummary(
            name,
            tuple(c.value for c in comps if c.applies and c.value is not None),
            sum(not c.valid for c in comps),
            tuple(c.confidence for c in comps if c.applies and c.confidence is not None),
        ))
    return out


def _options(values: Sequence[str], every: str) -> str:
    return f'<option value="">{every}</option>' + "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)


def _controls(components: Sequence[str], groups: Sequence[str]) -> str:
    return (
        '<div class="controls">'
        f'<label>component <select id="f-component">{_options(components, "all components")}</select></label>'
        '<label><input type="checkbox" id="f-invalid"> invalid only</label>'
        '<label><input type="checkbox" id="f-wrong"> wrong only</label>'
        f'<label>group <select id="f-group">{_options(groups, "all groups")}</select></label>'
        '<label>sort <select id="f-sort"><option value="group">by group</option>'
        '<option value="reward-desc">reward, highest first</option><option value="reward-asc">reward, lowest first</option></select></label>'
        '<span id="shown-count" class="muted"></span></div>'
    )


def rollouts_body(rollouts: Sequence[Rollout], title: str, subtitle: str = "") -> str:
    """The page body (without the document shell): summary, charts, filters, grouped cards."""
    groups: dict[str, list[Rollout]] = {}
    for r in rollouts:
        groups.setdefault(r.group, []).append(r)
    charts = summaries(rollouts)
    rewards = [r.reward for r in rollouts if r.reward is not None]
    errors = sum(1 for r in rollouts if r.error)
    wrong = sum(1 for r in rollouts if r.correct is False)
    mean = sum(rewards) / len(rewards) if rewards else None
    parts = [
        f"<h1>{esc(title)}</h1>",
        f'<div class="muted">{esc(subtitle)}</div>' if subtitle else "",
        f"<p>{len(rollouts)} rollouts in {len(groups)} groups · mean reward {number(mean)} · "
        f"{wrong} wrong · {sum(1 for r in rollouts if r.invalid)} with an invalid component · {errors} error lines</p>",
        "<h2>Per component</h2>",
        f'<div class="charts">{"".join(histogram_svg(s) for s in charts)}</div>',
        "<h2>Rollouts</h2>",
        LEGEND,
        _controls([s.name for s in charts[1:]], list(groups)),
        '<section id="flat" class="flat" hidden><div class="cards"></div></section>',
    ]
    for number_, (group, members) in enumerate(groups.items()):
        home = f"group-{number_}"
        group_rewards = [r.reward for r in members if r.reward is not None]
        group_mean = sum(group_rewards) / len(group_rewards) if group_rewards else None
        parts.append(
            f'<section class="group" data-group="{esc(group)}"><h3>group {esc(group)} '
            f'<span class="muted">· {len(members)} rollouts · mean reward {number(group_mean)}</span></h3>'
            f'<div class="cards" id="{home}">{"".join(card_html(r, home) for r in members)}</div></section>'
        )
    return "".join(parts)


def rollouts_page(rollouts: Sequence[Rollout], title: str = "hymar view", subtitle: str = "") -> str:
    """The whole self-contained HTML page for ``rollouts``."""
    return shell(title, rollouts_body(rollouts, title, subtitle))


def write_rollouts_page(scored_jsonl: str | Path, out: str | Path) -> Path:
    """Read a scored JSONL file and write its page to ``out`` (atomically).

    Raises:
        OSError: the input cannot be read or the output cannot be written.
    """
    source = Path(scored_jsonl)
    rollouts = load_rollouts(source)
    target = Path(out)
    # errors="replace": a lone surrogate from a \ud800 escape in a completion must not fail the page
    atomic_write_text(target, rollouts_page(rollouts, f"hymar view: {source.name}", f"from {source}"), errors="replace")
    return target
