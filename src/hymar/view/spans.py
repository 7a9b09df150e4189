"""A completion as HTML with its reasoning, answer sections and boxes highlighted.

The spans come from the project's one completion parser (`hymar.rewards.completion.parse_completion`),
so the page marks exactly what the verifier and the aspects read as reasoning and answer. Positions
refer to the parsed text (cut at the first end-of-turn token, invisible characters removed), which
is what is shown; the part after an end-of-turn token is shown dimmed as not part of the answer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from hymar.rewards.completion import parse_completion
from hymar.rewards.rules.extract import extract_answer

#: characters of a completion shown; the rest is summarised (a 262k-character completion stays readable)
MAX_SHOWN_CHARS = 20_000

THINK, ANSWER, BOX = "think", "answer", "box"


@dataclass(frozen=True)
class Highlighted:
    """A rendered completion: ``html`` (escaped, with ``<span class="hl-...">``) and what was found."""

    html: str
    extracted: str | None
    extraction_source: str
    problem: str | None


def spans_of(completion: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The parsed text of ``completion`` and its highlighted spans ``(start, end, kind)``."""
    parsed = parse_completion(completion)
    spans = [(max(s.open_start, 0), s.close_end, THINK) for s in parsed.reasoning]
    spans += [(s.open_start, s.close_end, ANSWER) for s in parsed.answer_sections]
    spans += [(b.start, b.end, BOX) for b in parsed.response_boxes]
    return parsed.text, spans


def _render(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` escaped, each segment wrapped in the classes of the spans covering it."""
    cuts = sorted({0, len(text), *(p for s in spans for p in s[:2] if 0 <= p <= len(text))})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        kinds = sorted({kind for a, b, kind in spans if a <= start and end <= b})
        piece = html.escape(text[start:end])
        out.append(f'<span class="{" ".join("hl-" + k for k in kinds)}">{piece}</span>' if kinds else piece)
    return "".join(out)


def highlight(completion: str, extracted: str | None = None) -> Highlighted:
    """``completion`` as highlighted HTML, with the extracted final answer.

    Args:
        completion: the model output (untrusted; escaped, never interpreted).
        extracted: the answer the verifier reports having read (its ``extracted`` detail); when None,
            `extract_answer` is asked.
    """
    text, spans = spans_of(completion)
    shown, rest = text[:MAX_SHOWN_CHARS], len(text) - MAX_SHOWN_CHARS
    body = _render(shown, [(a, min(b, len(shown)), k) for a, b, k in spans if a < len(shown)])
    if rest > 0:
        body += f'<span class="cut">… {rest:,} more characters not shown</span>'
    if len(text) < len(completion) and completion.startswith(text):
        tail = completion[len(text):]
        body += f'<span class="after-turn" title="after an end-of-turn token: not part of the answer">{html.escape(tail[:2000])}</span>'
    found = extract_answer(completion)
    source = "verifier" if extracted is not None else found.source
    parsed = parse_completion(completion)
    return Highlighted(body, extracted if extracted is not None else found.answer, source, parsed.problem)
