"""Score a batch so that a failure costs only the group it happens in.

Every component already runs under a `hymar.rewards.guard.ComponentGuard`, so a component fault never
escapes a reward call. What can still escape is a fault outside the components (a bug in the combiner,
a user's custom reward object). Without containment it cost the whole batch: every line of a `hymar
score` batch became an error record, a server request became a 500, a TRL batch became all NaN.

`score_isolated` makes one reward call for the batch, as before; only when that call raises does it score
each group on its own, so the groups that do not trigger the fault get exactly the rewards they get
alone (groups are independent: normalisation and group-relative terms never look across groups), and
the samples of a failing group get a NaN total, every component invalid with the reason, and an error.

Example:
    >>> from hymar.rewards.hybrid import HybridReward
    >>> from hymar.rewards.types import Sample
    >>> out = score_isolated(HybridReward.from_preset("rule-only"), [Sample(completion="<answer>4</answer>", answer="4")], [0])
    >>> out.result.rewards, out.errors
    ([1.0], [None])
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from hymar.rewards.types import RewardResult, Sample, Score

RewardCall = Callable[[Sequence[Sample], Sequence[Hashable]], RewardResult]


@dataclass
class IsolatedResult:
    """The batch's result and, per sample, why it could not be scored (None where it was).

    Attributes:
        result: one total and one Score per component for every sample of the batch, in order; a
            failed sample has a NaN total and invalid scores carrying the reason.
        errors: per sample, None or the failure ("scoring failed: <Type>: <message>").
    """

    result: RewardResult
    errors: list[str | None]

    @property
    def failed(self) -> int:
        return sum(1 for e in self.errors if e is not None)


def describe(err: BaseException) -> str:
    """The error text a failed sample carries."""
    return f"scoring failed: {type(err).__name__}: {str(err)[:200]}"


def score_isolated(
    reward: RewardCall, samples: Sequence[Sample], groups: Sequence[Hashable], names: Sequence[str] | None = None
) -> IsolatedResult:
    """Score ``samples`` in one call; if it raises, group by group (see the module docstring).

    Args:
        reward: ``reward(samples, groups) -> RewardResult`` (a `HybridReward` or anything like it).
        samples: the batch.
        groups: one group id per sample.
        names: the component names failed samples are reported under (default: ``reward.component_names``).
    Returns:
        An `IsolatedResult`; never raises an ``Exception`` (KeyboardInterrupt and the like pass through).
    """
    samples, groups = list(samples), list(groups)
    if len(groups) != len(samples):
        raise ValueError(f"{len(groups)} group ids for {len(samples)} samples")
    names = list(names if names is not None else getattr(reward, "component_names", []))
    if not samples:
        return IsolatedResult(RewardResult([], {n: [] for n in names}), [])
    try:
        return IsolatedResult(_call(reward, samples, groups), [None] * len(samples))
    except Exception as err:  # noqa: BLE001 - the batch failed: find out which groups it was
        if len(set(groups)) == 1:
            return _failed(len(samples), names, describe(err))
    members: dict[Hashable, list[int]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group, []).append(i)
    parts: list[tuple[list[int], RewardResult | None, str | None]] = []
    for idx in members.values():
        try:
            parts.append((idx, _call(reward, [samples[i] for i in idx], [groups[i] for i in idx]), None))
        except Exception as err:  # noqa: BLE001 - only this group's samples lose their reward
            parts.append((idx, None, describe(err)))
    if not names:  # a reward object without component_names: report what the groups that worked report
        names = next((list(part.components) for _, part, _ in parts if part is not None), [])
    totals: list[float] = [float("nan")] * len(samples)
    scores: dict[str, list[Score]] = {n: [Score.invalid("not scored")] * len(samples) for n in names}
    errors: list[str | None] = [None] * len(samples)
    for idx, part, error in parts:
        for j, i in enumerate(idx):
            if part is None:
                errors[i] = error
                for name in names:
                    scores[name][i] = Score.invalid(error or "scoring failed")
                continue
            totals[i] = part.rewards[j]
            for name in names:
                column = part.components.get(name)
                scores[name][i] = column[j] if column is not None else Score.invalid("component missing from the result")
    return IsolatedResult(RewardResult(totals, scores), errors)


def _call(reward: RewardCall, samples: list[Sample], groups: list[Hashable]) -> RewardResult:
    result = reward(samples, groups)
    if len(result.rewards) != len(samples):
        raise RuntimeError(f"the reward returned {len(result.rewards)} totals for {len(samples)} samples")
    for name, column in result.components.items():
        if len(column) != len(samples):
            raise RuntimeError(f"the reward returned {len(column)} {name!r} scores for {len(samples)} samples")
    return result


def _failed(n: int, names: Sequence[str], reason: str) -> IsolatedResult:
    components: dict[str, Any] = {name: [Score.invalid(reason) for _ in range(n)] for name in names}
    return IsolatedResult(RewardResult([float("nan")] * n, components), [reason] * n)
