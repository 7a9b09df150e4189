"""Group-level reward normalisation: pure functions on lists of floats, one group id per value.

Missing values: ``None`` and NaN are "missing". They are left out of every group statistic and come
back as NaN (``gdpo_normalize`` gives None instead, so a component that did not apply stays "did
not apply"). A group with no present value comes back all missing. ``groups=None`` puts every
value in its own group.

Degenerate groups: a group of one value, or one whose values are all equal, has no spread; the
centred/standardised value is then 0.0 for every member (there is nothing to prefer), never a
division by zero.

Sources: Dr.GRPO (arXiv 2503.20783: subtract the group mean, no std division); GRPO z-score
(DeepSeekMath, arXiv 2402.03300); GDPO (arXiv 2601.05242: normalise each reward within the group
before summing); HERO (arXiv 2510.07242: stratified min-max normalisation and variance-aware
prompt weights).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

from hymar.rewards.types import default_groups, group_indices

NAN = float("nan")


def _present(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _groups(n: int, groups: Sequence[Hashable] | None) -> list[list[int]]:
    return list(group_indices(default_groups(n, groups)).values())


def _mean_std(xs: Sequence[float], ddof: int = 0) -> tuple[float, float]:
    m = sum(xs) / len(xs)
    dof = len(xs) - ddof
    var = sum((x - m) ** 2 for x in xs) / dof if dof > 0 else 0.0
    return m, math.sqrt(var)


def mean_center(values: Sequence[float | None], groups: Sequence[Hashable] | None = None) -> list[float]:
    """Dr.GRPO-style centring: r - mean(r over the group), no std division.

    Args:
        values: one reward per sample; None/NaN are missing.
        groups: one group id per sample (None: each sample alone).

    Returns:
        The centred values; NaN where the input was missing.

    Example:
        >>> mean_center([1.0, 0.0, None, 5.0], [0, 0, 0, 1])
        [0.5, -0.5, nan, 0.0]
    """
    out = [NAN] * len(values)
    for idx in _groups(len(values), groups):
        present = [i for i in idx if _present(values[i])]
        if not present:
            continue
        xs = [values[i] for i in present]
        m = sum(xs) / len(xs)  # type: ignore[arg-type]
        flat = max(xs) == min(xs)  # type: ignore[type-var]  # exact 0.0, not a rounding residue
        for i in present:
            out[i] = 0.0 if flat else values[i] - m  # type: ignore[operator]
    return out


def group_zscore(
    values: Sequence[float | None], groups: Sequence[Hashable] | None = None, eps: float = 1e-6, ddof: int = 0
) -> list[float]:
    """GRPO-style standardisation: (r - mean) / (std + eps) within each group.

    Args:
        values: one reward per sample; None/NaN are missing.
        groups: one group id per sample (None: each sample alone).
        eps: added to the std so near-constant groups do not blow up.
        ddof: 0 for the population std (default), 1 for the sample std (what ``torch.std`` and so
            TRL's GRPO use); a group with fewer than ddof + 1 values counts as having std 0.

    Returns:
        The standardised values; NaN where the input was missing; 0.0 in groups without spread.
    """
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    out = [NAN] * len(values)
    for idx in _groups(len(values), groups):
        present = [i for i in idx if _present(values[i])]
        if not present:
            continue
        xs = [values[i] for i in present]
        m, s = _mean_std(xs, ddof)  # type: ignore[arg-type]
        flat = s == 0.0 or max(xs) == min(xs)  # type: ignore[type-var]  # exact 0.0, not residue/eps
        for i in present:
            out[i] = 0.0 if flat else (values[i] - m) / (s + eps)  # type: ignore[operator]
    return out


def gdpo_normalize(
    component_values: Mapping[str, Sequence[float | None]],
    groups: Sequence[Hashable] | None = None,
    eps: float = 1e-6,
) -> dict[str, list[float | None]]:
    """GDPO: z-score each reward component within the group before they are summed.

    So a component with a large scale (or a large spread) does not drown the others; GDPO then sums
    the normalised components and normalises the sum over the batch (left to the caller/trainer).

    Args:
        component_values: component name -> one value per sample (None/NaN: did not apply).
        groups: one group id per sample (None: each sample alone).
        eps: see `group_zscore`.

    Returns:
        Component name -> normalised values, None where the input was None or NaN.

    Raises:
        ValueError: if the components do not all have one value per sample.
    """
    lengths = {name: len(vals) for name, vals in component_values.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"components have different lengths: {lengths}")
    out: dict[str, list[float | None]] = {}
    for name, vals in component_values.items():
        z = group_zscore(vals, groups, eps)
        out[name] = [None if not _present(v) else zi for v, zi in zip(vals, z)]
    return out


def hero_stratify(
    rm_values: Sequence[float | None],
    verifier_correct: Sequence[bool | None],
    groups: Sequence[Hashable] | None = None,
    alpha: float = 0.1,
    beta: float = 0.1,
) -> list[float]:
    """HERO stratified normalisation of reward-model scores inside verifier classes.

    Within each prompt group, the RM scores of the verifier-rejected rollouts are min-max
    normalised among themselves into [-alpha, alpha], those of the accepted ones into
    [1 - beta, 1 + beta] (HERO, arXiv 2510.07242, Sec. 3: r = -a + 2a * (r_RM - min) / (max - min)
    for wrong, (1 - b) + 2b * (r_RM - min) / (max - min) for right, min/max over the stratum).

    Our choices where the paper's text was not available to us:
      * A stratum without spread (one rollout, or all RM scores equal) maps to its centre, 0 for
        wrong and 1 for right, i.e. to the plain verifier reward, rather than to a stratum end.
      * A rollout with a known verdict but a missing RM score also gets its stratum's centre and is
        left out of the stratum's min/max.
      * A rollout whose verdict is unknown (None) cannot be stratified: NaN.
      * Defaults alpha = beta = 0.1 are ours; alpha + beta < 1 keeps the strata disjoint.

    Args:
        rm_values: raw RM scores, one per sample (None/NaN: missing).
        verifier_correct: verifier verdict per sample (True/False, None: unknown).
        groups: one group id per sample (None: each sample alone).
        alpha: half-width of the wrong stratum, around 0.
        beta: half-width of the right stratum, around 1.

    Returns:
        The stratified rewards (NaN where the verdict is unknown).
    """
    if len(verifier_correct) != len(rm_values):
        raise ValueError(f"got {len(verifier_correct)} verdicts for {len(rm_values)} RM scores")
    if alpha < 0 or beta < 0 or alpha + beta >= 1:
        raise ValueError(f"need alpha >= 0, beta >= 0 and alpha + beta < 1, got alpha={alpha}, beta={beta}")
    out = [NAN] * len(rm_values)
    for idx in _groups(len(rm_values), groups):
        for verdict, centre, half in ((False, 0.0, alpha), (True, 1.0, beta)):
            stratum = [i for i in idx if verifier_correct[i] is not None and bool(verifier_correct[i]) is verdict]
            scored = {i for i in stratum if _present(rm_values[i])}
            lo = min((rm_values[i] for i in scored), default=NAN)  # type: ignore[type-var]
            hi = max((rm_values[i] for i in scored), default=NAN)  # type: ignore[type-var]
            for i in stratum:
                if i in scored and hi > lo:  # type: ignore[operator]
                    out[i] = centre - half + 2.0 * half * (rm_values[i] - lo) / (hi - lo)  # type: ignore[operator]
                else:
                    out[i] = centre
    return out


def hero_weights(
    rm_values: Sequence[float | None],
    groups: Sequence[Hashable] | None = None,
    w_min: float = 0.5,
    w_max: float = 2.0,
    k: float = 5.0,
) -> list[float]:
    """HERO variance-aware prompt weights: w = w_min + (w_max - w_min) * sigmoid(k (std_g - mean_std)).

    std_g is the (population) std of the raw RM scores of prompt group g and mean_std the mean of
    std_g over the batch's groups, so prompts whose rollouts the RM tells apart more get more
    weight (HERO, arXiv 2510.07242, whose defaults are w in [0.5, 2] and k = 5). Every
    sample gets its group's weight. A group with fewer than two present RM scores has no std: it
    gets the neutral weight sigmoid(0), i.e. (w_min + w_max) / 2, and is left out of mean_std.

    Args:
        rm_values: raw RM scores, one per sample (None/NaN: missing).
        groups: one group id per sample (None: each sample alone, so all weights are neutral).
        w_min, w_max: weight range (w_min <= w_max).
        k: sigmoid steepness (>= 0).

    Returns:
        One weight per sample.
    """
    if not (w_min <= w_max) or k < 0:
        raise ValueError(f"need w_min <= w_max and k >= 0, got w_min={w_min}, w_max={w_max}, k={k}")
    idx_groups = _groups(len(rm_values), groups)
    stds: list[float | None] = []
    for idx in idx_groups:
        present = [rm_values[i] for i in idx if _present(rm_values[i])]
        stds.append(_mean_std(present)[1] if len(present) >= 2 else None)  # type: ignore[arg-type]
    defined = [s for s in stds if s is not None]
    mean_std = sum(defined) / len(defined) if defined else 0.0
    out = [NAN] * len(rm_values)
    for idx, s in zip(idx_groups, stds):
        z = 0.0 if s is None else k * (s - mean_std)
        w = w_min + (w_max - w_min) * _sigmoid(z)
        for i in idx:
            out[i] = w
    return out


def _sigmoid(z: float) -> float:
    # the two branches avoid overflow of exp for large |z|
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
