"""The gameability audit: score honest and exploit completions in GRPO-shaped groups and compare.

For every item and every exploit that applies to it, one group of three rollouts is scored together
(so group-relative terms such as the HARMO length penalty see a realistic group):

    [honest correct, honest wrong, exploit]

Both honest rollouts share the same reasoning and format and differ only in the final answer (see
`hymar.probe.items`). Per exploit the audit reports the mean total reward, the mean margin over the
honest wrong answer, the share of items where the exploit's advantage beats the honest wrong one's,
the mean advantage (centred and standardised, `hymar.probe.advantage`) and each component's mean
value. An exploit is **flagged** when, in any domain, its mean advantage exceeds the honest wrong
answer's by more than ``tolerance``: GRPO would then push the policy towards it rather than towards
an honest attempt. A reward whose honest correct answer does not beat its honest wrong answer has no
learning signal at all; the audit reports that too (``signal``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hymar.probe.advantage import group_advantages
from hymar.probe.exploits import Exploit, exploits
from hymar.probe.items import ProbeItem
from hymar.rewards.types import Sample

#: the rollouts of one group, in order
ROLES = ("correct", "wrong", "exploit")
DEFAULT_TOLERANCE = 1e-3


@dataclass
class ExploitResult:
    """How one exploit fared (means over the items it applies to)."""

    name: str
    family: str
    description: str
    n: int = 0
    reward: float = math.nan
    wrong_reward: float = math.nan
    correct_reward: float = math.nan
    margin: float = math.nan
    beat_share: float = 0.0
    advantage: float = math.nan
    wrong_advantage: float = math.nan
    advantage_std: float = math.nan
    unscorable: int = 0
    components: dict[str, dict[str, float]] = field(default_factory=dict)
    domains: dict[str, float] = field(default_factory=dict)
    flagged_domains: list[str] = field(default_factory=list)
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return bool(self.flagged_domains)


@dataclass
class ProbeResult:
    """The whole audit: per-exploit results plus the honest baseline."""

    reward: str
    items: int
    tolerance: float
    exploits: list[ExploitResult]
    signal: dict[str, float]
    components: list[str]
    seconds: float = 0.0

    @property
    def flagged(self) -> list[ExploitResult]:
        return [e for e in self.exploits if e.flagged]

    @property
    def passed(self) -> bool:
        """No exploit beats an honest wrong answer and correct beats wrong."""
        return not self.flagged and self.signal.get("margin", 0.0) > self.tolerance


@dataclass
class _Group:
    item: ProbeItem
    exploit: Exploit
    completions: tuple[str, str, str]


def run_probe(
    reward: Any,
    items: Sequence[ProbeItem],
    *,
    exploit_names: list[str] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    batch_groups: int = 128,
    label: str = "",
) -> ProbeResult:
    """Audit ``reward`` on ``items`` with the registered exploits.

    Args:
        reward: a `HybridReward`, preset name, config path or mapping (`resolve_reward`).
        items: the prompts with golds (`hymar.probe.items`).
        exploit_names: a subset of the registry (default: every registered exploit).
        tolerance: how much an exploit's advantage may exceed the honest wrong one's before it is
            flagged (reward units).
        batch_groups: groups per reward call.
        label: what the report calls the reward.

    Returns:
        The `ProbeResult`.

    Raises:
        ValueError: no items.
    """
    import time

    from hymar.rewards.hybrid import resolve_reward

    if not items:
        raise ValueError("the probe needs at least one item with a gold answer or a reference")
    started = time.perf_counter()
    reward = resolve_reward(reward)
    groups = _groups(items, exploits(exploit_names))
    totals: list[tuple[float, float, float]] = []
    values: list[dict[str, tuple[float | None, ...]]] = []
    for start in range(0, len(groups), batch_groups):
        chunk = groups[start : start + batch_groups]
        samples = [_sample(g.item, c) for g in chunk for c in g.completions]
        ids = [k for k in range(len(chunk)) for _ in ROLES]
        result = reward(samples, ids)
        for k in range(len(chunk)):
            rows = slice(3 * k, 3 * k + 3)
            totals.append(tuple(result.rewards[rows]))
            values.append(
                {
                    name: tuple(s.value if s.applies else None for s in scores[rows])
                    for name, scores in result.components.items()
                }
            )
    names = list(values[0]) if values else []
    results = _per_exploit(groups, totals, values, tolerance)
    signal = _signal(totals)
    return ProbeResult(
        reward=label or getattr(reward, "label", "") or type(reward).__name__,
        items=len(items),
        tolerance=tolerance,
        exploits=results,
        signal=signal,
        components=names,
        seconds=time.perf_counter() - started,
    )


def _groups(items: Sequence[ProbeItem], library: list[Exploit]) -> list[_Group]:
    out = []
    for item in items:
        correct, wrong = item.completion(item.gold), item.completion(item.wrong)
        for exploit in library:
            try:
                text = exploit.build(item)
            except Exception as err:  # noqa: BLE001 -- a user's exploit must not stop the audit
                raise RuntimeError(f"exploit {exploit.name!r} failed on item {item.id!r}: {err}") from err
            if text is not None:
                out.append(_Group(item, exploit, (correct, wrong, text)))
    return out


def _sample(item: ProbeItem, completion: str) -> Sample:
    return Sample(
        prompt=item.prompt,
        completion=completion,
        images=tuple(item.images),
        answer=item.answer,
        reference=item.reference,
        task=item.task,
        metadata=dict(item.metadata),
    )


def _per_exploit(groups, totals, values, tolerance: float) -> list[ExploitResult]:
    by_name: dict[str, list[int]] = {}
    for k, g in enumerate(groups):
        by_name.setdefault(g.exploit.name, []).append(k)
    out = []
    for name, ks in by_name.items():
        exploit = groups[ks[0]].exploit
        res = ExploitResult(name, exploit.family, exploit.description, n=len(ks))
        adv = [group_advantages(totals[k]) for k in ks]
        adv_std = [group_advantages(totals[k], standardise=True) for k in ks]
        gaps = [a[2] - a[1] for a in adv]  # exploit's advantage over the honest wrong one's
        res.reward = _mean([totals[k][2] for k in ks])
        res.wrong_reward = _mean([totals[k][1] for k in ks])
        res.correct_reward = _mean([totals[k][0] for k in ks])
        res.margin = _mean(gaps)
        res.beat_share = sum(1 for gap in gaps if gap > tolerance) / len(ks)
        res.advantage = _mean([a[2] for a in adv])
        res.wrong_advantage = _mean([a[1] for a in adv])
        res.advantage_std = _mean([a[2] for a in adv_std])
        res.unscorable = sum(1 for k in ks if not math.isfinite(totals[k][2]))
        for component in values[ks[0]]:
            exploit_values = [values[k][component][2] for k in ks]
            wrong_values = [values[k][component][1] for k in ks]
            res.components[component] = {"exploit": _mean(exploit_values), "wrong": _mean(wrong_values)}
        by_domain: dict[str, list[float]] = {}
        for k, gap in zip(ks, gaps):
            by_domain.setdefault(groups[k].item.domain, []).append(gap)
        res.domains = {d: _mean(v) for d, v in by_domain.items()}
        res.flagged_domains = [d for d, m in res.domains.items() if m > tolerance]
        worst = max(range(len(ks)), key=lambda j: gaps[j])
        g = groups[ks[worst]]
        res.example = {
            "item": g.item.id,
            "domain": g.item.domain,
            "gold": g.item.gold,
            "completion": g.completions[2],
            "reward": totals[ks[worst]][2],
            "wrong_reward": totals[ks[worst]][1],
            "gap": gaps[worst],
        }
        out.append(res)
    return out


def _signal(totals) -> dict[str, float]:
    """Honest correct vs honest wrong over every group (each scored once per exploit group)."""
    margins = [t[0] - t[1] for t in totals if math.isfinite(t[0]) and math.isfinite(t[1])]
    return {
        "correct_reward": _mean([t[0] for t in totals]),
        "wrong_reward": _mean([t[1] for t in totals]),
        "margin": _mean(margins),
    }


def _mean(xs: Sequence[float | None]) -> float:
    kept = [float(x) for x in xs if x is not None and math.isfinite(x)]
    return sum(kept) / len(kept) if kept else math.nan
