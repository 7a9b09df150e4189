"""95% bootstrap intervals for the demo's accuracies, over test rows and seeds.

An accuracy of a preset is the mean over its seeds of the share of right answers on the test rows. Its
uncertainty has two sources: which test rows were drawn and which seeds were run. One bootstrap
replicate resamples both (rows with replacement, the same rows for every policy so comparisons are
paired; seeds with replacement per preset) and recomputes the statistic; the interval is the 2.5-97.5
percentile range of `REPLICATES` replicates (seeded, so a report is reproducible). A gain over the base
is bootstrapped as a difference on the same resampled rows, so the interval reflects the paired design
and excludes 0 only when the gain holds across rows and seeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

REPLICATES = 2000
LEVEL = 0.95
SEED = 0
OVERALL = "overall"


def correctness_table(generations: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, bool]]:
    """Per domain, row id -> right or wrong, for the verifiable rows of one evaluation.

    Args:
        generations: ``eval.json`` "generations" records (``id``, ``domain``, ``correct``).
    """
    table: dict[str, dict[str, bool]] = {}
    for i, record in enumerate(generations):
        if record.get("correct") is None:
            continue
        row_id = str(record.get("id") or i)
        table.setdefault(str(record.get("domain")), {})[row_id] = bool(record["correct"])
    return table


def _matrix(tables: Sequence[Mapping[str, Mapping[str, bool]]], domain: str | None) -> tuple[np.ndarray, list[str]]:
    """[seeds, rows] 0/1 for one domain (None: every verifiable row), rows in a fixed order."""
    domains = sorted({d for t in tables for d in t}) if domain is None else [domain]
    keys = [(d, r) for d in domains for r in sorted(tables[0].get(d, {}))]
    return np.array([[float(t.get(d, {}).get(r, False)) for d, r in keys] for t in tables]), [d for d, _ in keys]


def accuracy_intervals(
    policies: Mapping[str, Sequence[Mapping[str, Mapping[str, bool]]]],
    *,
    baseline: str,
    replicates: int = REPLICATES,
    seed: int = SEED,
) -> dict[str, dict[str, Any]]:
    """Interval of each policy's accuracy and of its gain over ``baseline``, overall and per domain.

    Args:
        policies: name -> one `correctness_table` per seed (the baseline has one).
        baseline: the name every gain is measured against (the SFT base).
        replicates: bootstrap replicates.
        seed: the resampling seed.

    Returns:
        name -> {key: {"mean", "low", "high", "gain", "gain_low", "gain_high"}} with key "overall" and each
        domain; fractions 0..1 ("gain*" absent for the baseline).
    """
    rng = np.random.default_rng(seed)
    reference = policies[baseline][0]
    keys = [OVERALL, *sorted(reference)]
    out: dict[str, dict[str, Any]] = {name: {} for name in policies}
    for key in keys:
        domain = None if key == OVERALL else key
        base_matrix, _ = _matrix([reference], domain)
        n_rows = base_matrix.shape[1]
        if n_rows == 0:
            continue
        rows = rng.integers(0, n_rows, size=(replicates, n_rows))
        base_draws = base_matrix[0][rows].mean(axis=1)
        for name, tables in policies.items():
            matrix, _ = _matrix(tables, domain)
            seeds = rng.integers(0, matrix.shape[0], size=(replicates, matrix.shape[0]))
            # replicate b: mean over its resampled seeds of the accuracy on its resampled rows
            per_seed = np.stack([matrix[:, rows[b]].mean(axis=1) for b in range(replicates)])
            draws = np.take_along_axis(per_seed, seeds, axis=1).mean(axis=1)
            entry = {"mean": float(matrix.mean()), **_bounds(draws, "")}
            if name != baseline:
                gains = draws - base_draws
                entry |= {"gain": float(matrix.mean() - base_matrix.mean()), **_bounds(gains, "gain_")}
            out[name][key] = entry
    return out


def _bounds(draws: np.ndarray, prefix: str) -> dict[str, float]:
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return {f"{prefix}low": float(low), f"{prefix}high": float(high)}
