"""What the audit needs of one prompt (`ProbeItem`) and where items come from: the synthetic suite
(no image is rendered: rule and text rewards never read it) or any dataset `hymar.data.adapter` reads.

Each item carries an honest *wrong* answer, so every exploit is compared with the completion a policy
that simply got it wrong would write. The wrong answer is derived from the gold by a general rule:
a number -> the gold plus one; an option letter -> the next option; yes/no -> the other; one box
[x1, y1, x2, y2] -> the same box moved by its width (it misses); anything else (open-ended
references, free text) -> the gold or reference of another item of the same domain that differs from
this one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hymar.rewards.types import prompt_to_text

#: the reasoning both honest completions share, so they differ only in the final answer
HONEST_REASONING = "I look at the image and work out the answer step by step."


@dataclass(frozen=True)
class ProbeItem:
    """One prompt of the audit.

    Args:
        id: item id (reported for examples).
        domain: the domain the report groups by.
        task: hymar task tag (None lets the verifier infer it).
        prompt: the prompt text.
        answer: gold answer (verifiable items) or None.
        reference: reference response (open-ended items) or None.
        wrong: an honest wrong final answer (see the module docstring).
        options: letter -> option text, read from the prompt ({} when none).
        images: images passed to the reward (may be empty).
        metadata: passed to the reward's samples (e.g. the image size a grounding reward needs).
    """

    id: str
    domain: str
    task: str | None
    prompt: str
    answer: str | None
    reference: str | None
    wrong: str
    options: Mapping[str, str] = field(default_factory=dict)
    images: Sequence[Any] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gold(self) -> str:
        """The correct final answer: the gold, else the reference."""
        return self.answer if self.answer is not None else (self.reference or "")

    @property
    def number(self) -> int | None:
        """The gold as an integer when it is one (numeric exploits apply only then)."""
        text = (self.answer or "").strip()
        if text.lstrip("-").isdigit() and len(text) <= 12:
            return int(text)
        return None

    def completion(self, final: str, reasoning: str = HONEST_REASONING) -> str:
        """An honest completion in the <think>/<answer> format with ``final`` as its answer."""
        return f"<think>{reasoning}</think><answer>{final}</answer>"


def wrong_answer(gold: str, options: Mapping[str, str], others: Sequence[str]) -> str | None:
    """An honest wrong answer for ``gold`` (see the module docstring); None when none can be found."""
    text = gold.strip()
    moved = _moved_box(text)
    if moved is not None:
        return moved
    if text.lstrip("-").isdigit() and len(text) <= 12:
        return str(int(text) + 1)
    letters = list(options)
    if text.upper() in letters and len(letters) >= 2:
        return letters[(letters.index(text.upper()) + 1) % len(letters)]
    if text.lower() in ("yes", "no"):
        return "no" if text.lower() == "yes" else "yes"
    return next((o for o in others if o.strip() and o.strip().lower() != text.lower()), None)


def _moved_box(text: str) -> str | None:
    """A gold that is one plain box [x1, y1, x2, y2]: the same box moved by its own width (right if it
    stays inside a [0, 1] frame, else left; pixel boxes move left when they can, else right), so the
    wrong answer is a committed box that misses (another item's box might hit this one's object)."""
    import json

    try:
        box = json.loads(text) if text.startswith("[") else None
    except json.JSONDecodeError:
        return None
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
        return None
    x1, y1, x2, y2 = (float(v) for v in box)
    width = x2 - x1
    if width <= 0:
        return None
    fractions = max(x2, y2) <= 1.0
    dx = width if (fractions and x2 + width <= 1.0) or (not fractions and x1 - width < 0) else -width
    return json.dumps([round(x1 + dx, 4), y1, round(x2 + dx, 4), y2])


def items_from_rows(rows: Sequence[Mapping[str, Any]], *, limit: int | None = None) -> list[ProbeItem]:
    """Probe items from task rows (the columns of `hymar.data.synthetic.schema`).

    Rows with neither a gold nor a reference, and rows no wrong answer can be found for, are skipped.
    """
    from hymar.rewards.rules.choice import parse_options

    prepared = []
    for index, row in enumerate(rows):
        answer = _text(row.get("answer"))
        reference = _text(row.get("reference"))
        if answer is None and reference is None:
            continue
        prepared.append((index, row, answer, reference))
    golds_by_domain: dict[str, list[str]] = {}
    for _, row, answer, reference in prepared:
        golds_by_domain.setdefault(_domain(row), []).append(answer if answer is not None else reference)
    items = []
    for index, row, answer, reference in prepared:
        prompt = prompt_to_text(row.get("prompt"))
        options = parse_options(prompt)
        domain = _domain(row)
        gold = answer if answer is not None else reference
        # another item's gold, starting after this one so every item gets a different neighbour
        pool = golds_by_domain[domain]
        rotated = pool[pool.index(gold) + 1 :] + pool[: pool.index(gold)]
        wrong = wrong_answer(gold, options, rotated)
        if wrong is None:
            continue
        image = row.get("image")
        items.append(
            ProbeItem(
                id=str(row.get("id") or index),
                domain=domain,
                task=_text(row.get("task")),
                prompt=prompt,
                answer=answer,
                reference=reference,
                wrong=wrong,
                options=options,
                images=(image,) if image is not None else (),
                metadata=_metadata(row.get("metadata_json")),
            )
        )
        if limit is not None and len(items) >= limit:
            break
    return items


def suite_items(per_domain: int = 10, seed: int = 0, domains: Sequence[str] | None = None) -> list[ProbeItem]:
    """Items from the synthetic suite's test split: ``per_domain`` problems of each domain (no image
    is rendered; ``metadata["image_size"]`` is the suite's 84 x 84). The default suite is 10 per
    domain of the five default domains, seed 0; opt-in domains ("grounding") when named."""
    from hymar.data.synthetic.schema import user_message
    from hymar.data.synthetic.suite import DEFAULT_IMAGE_SIZE, DOMAINS, generate_problems

    names = list(DOMAINS) if domains is None else list(domains)
    problems = generate_problems("test", per_domain * len(names), seed, names)
    rows = [
        {
            "id": f"test-{p.domain}-{i:06d}",
            "domain": p.domain,
            "task": p.task,
            "prompt": user_message(p.text, with_image=False),
            "answer": p.answer,
            "reference": p.reference,
            # the size the suite renders at: components that convert coordinates (grounding) need it
            "metadata_json": json.dumps({"facts": p.facts, "image_size": [DEFAULT_IMAGE_SIZE] * 2}),
        }
        for i, p in enumerate(problems)
    ]
    return items_from_rows(rows)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _domain(row: Mapping[str, Any]) -> str:
    return str(row.get("domain") or row.get("task") or "default")


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    return {}
