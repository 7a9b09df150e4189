"""Per-domain calibration of model scores: raw reward-model (or similarity) score -> P(correct).

Rule rewards are probabilities of being right in all but name (1 = verified, 0 = refuted); a raw
RM score is on an arbitrary, domain-dependent scale. Calibrating it per domain (math, charts, OCR
...) on labelled samples puts both on one scale before the combiner mixes them.

Methods (numpy only):
  * "affine": least-squares line p = a * raw + b, clipped to [0, 1] (cheapest; fine when the
    relation is roughly linear over the range that matters).
  * "temperature": p = sigmoid(raw / T + b), i.e. Platt scaling with a positive slope a = 1 / T,
    fitted by Newton's method on the log loss, with Platt's smoothed targets (N+ + 1) / (N+ + 2)
    and 1 / (N- + 2) so separable data still gives a finite fit (Platt 1999; Guo et al. 2017).
  * "isotonic": pool-adjacent-violators fit of a non-decreasing step function (Zadrozny & Elkan
    2002), linearly interpolated between the fitted points and flat beyond the ends. Assumes a
    higher raw score means more likely correct.

`DomainCalibration` holds one calibrator per domain plus a global one fitted on all samples; a
domain that is unknown, None, or had fewer than ``min_samples`` labelled samples at fit time
falls back to the global calibrator. A NaN raw score transforms to NaN.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hymar.atomic import atomic_write_json

METHODS = ("affine", "temperature", "isotonic")
_FORMAT = "hymar.calibration"
_VERSION = 1


def _as_1d(name: str, values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _check_fit_inputs(raw_scores: Any, labels: Any, x_name: str = "raw_scores") -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays; labels may be soft but must lie in [0, 1]."""
    x = _as_1d(x_name, raw_scores)
    y = _as_1d("labels", labels)
    if x.shape != y.shape:
        raise ValueError(f"{x_name} and labels differ in length ({len(x)} vs {len(y)})")
    if len(x) == 0:
        raise ValueError(f"empty input: no {x_name} and labels")
    if not np.isfinite(y).all():
        raise ValueError(f"labels contain NaN or inf at positions {np.flatnonzero(~np.isfinite(y))[:10].tolist()}")
    if ((y < 0) | (y > 1)).any():
        raise ValueError("labels must be in [0, 1] (1 = correct, 0 = wrong)")
    if not np.isfinite(x).all():
        raise ValueError(f"{x_name} contain NaN or inf at positions {np.flatnonzero(~np.isfinite(x))[:10].tolist()}")
    return x, y


# ---------------------------------------------------------------- the three fits


def _fit_affine(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    var = float(np.var(x))
    if var == 0.0:  # a constant score carries no information: predict the base rate
        return {"a": 0.0, "b": float(np.mean(y))}
    a = float(np.mean((x - x.mean()) * (y - y.mean())) / var)
    return {"a": a, "b": float(y.mean() - a * x.mean())}


def _log_loss(z: np.ndarray, t: np.ndarray) -> float:
    # mean of log(1 + e^z) - t z, written with logaddexp so large |z| cannot overflow
    return float(np.mean(np.logaddexp(0.0, z) - t * z))


def _newton_logistic(x: np.ndarray, t: np.ndarray, fit_slope: bool, iters: int = 100) -> tuple[float, float]:
    """Minimise the log loss of sigmoid(a x + b) against targets t (x already standardised)."""
    tm = float(np.clip(t.mean(), 1e-6, 1 - 1e-6))
    a, b = 0.0, math.log(tm / (1 - tm))
    loss = _log_loss(a * x + b, t)
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        r, w = p - t, p * (1 - p) + 1e-12
        if fit_slope:
            g = np.array([np.dot(r, x), r.sum()])
            h = np.array([[np.dot(w, x * x), np.dot(w, x)], [np.dot(w, x), w.sum()]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(h, g)
        else:
            step = np.array([0.0, r.sum() / w.sum()])
        s = 1.0
        while s > 1e-10:  # backtracking keeps every Newton step a descent step
            a1, b1 = a - s * step[0], b - s * step[1]
            loss1 = _log_loss(a1 * x + b1, t)
            if loss1 <= loss:
                break
            s *= 0.5
        else:
            break
        done = abs(loss - loss1) < 1e-12 and float(np.abs(s * step).max()) < 1e-9
        a, b, loss = a1, b1, loss1
        if done:
            break
    return float(a), float(b)


def _fit_temperature(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    n_pos, n_neg = float(y.sum()), float(len(y) - y.sum())
    # Platt's targets: a hard 1/0 label becomes (N+ + 1)/(N+ + 2) and 1/(N- + 2)
    t = y * (n_pos + 1) / (n_pos + 2) + (1 - y) / (n_neg + 2)
    mu, sd = float(x.mean()), float(x.std())
    if sd == 0.0:
        _, b = _newton_logistic(np.zeros_like(x), t, fit_slope=False)
        return {"a": 0.0, "b": b}
    xs = (x - mu) / sd  # standardise for a well-conditioned Hessian, then map back
    a_s, b_s = _newton_logistic(xs, t, fit_slope=True)
    if a_s <= 0:  # T must be positive: an anti-correlated score is treated as uninformative
        _, b_s = _newton_logistic(xs, t, fit_slope=False)
        return {"a": 0.0, "b": b_s}
    return {"a": a_s / sd, "b": b_s - a_s * mu / sd}


def _fit_isotonic(x: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    ux, inv = np.unique(x, return_inverse=True)  # tied scores are pooled first
    weights = np.bincount(inv).astype(float)
    means = np.bincount(inv, weights=y) / weights
    # pool adjacent violators: blocks of [value, weight, first index, last index]
    blocks: list[list[float]] = []
    for i, (m, w) in enumerate(zip(means, weights)):
        blocks.append([float(m), float(w), i, i])
        while len(blocks) >= 2 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, _, e2 = blocks.pop()
            v1, w1, s1, _ = blocks[-1]
            blocks[-1] = [(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, s1, e2]
    px: list[float] = []
    py: list[float] = []
    for value, _, first, last in blocks:
        # both ends of a block: flat inside it, linear interpolation between blocks
        for j in sorted({int(first), int(last)}):
            px.append(float(ux[j]))
            py.append(float(value))
    return {"x": px, "y": py}


_FITS = {"affine": _fit_affine, "temperature": _fit_temperature, "isotonic": _fit_isotonic}


@dataclass(frozen=True)
class Calibrator:
    """One fitted map raw score -> P(correct).

    Attributes:
        method: "affine", "temperature" or "isotonic".
        params: affine/temperature {"a", "b"} (temperature T = 1 / a; a = 0 means the score was
            uninformative and the base rate is predicted); isotonic {"x", "y"} fitted points.
        n: number of labelled samples it was fitted on.
    """

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)
    n: int = 0

    @classmethod
    def fit(cls, raw_scores: Sequence[float], labels: Sequence[float], method: str = "temperature") -> Calibrator:
        """Fit on labelled samples (labels 1 = correct, 0 = wrong; soft labels in [0, 1] allowed).

        Raises:
            ValueError: unknown method, length mismatch, empty input, NaN/inf or out-of-range labels,
                NaN/inf raw scores.
        """
        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; use one of {list(METHODS)}")
        x, y = _check_fit_inputs(raw_scores, labels)
        return cls(method, _FITS[method](x, y), int(len(x)))

    @property
    def temperature(self) -> float:
        """T of the temperature method (inf when the fitted slope is 0)."""
        if self.method != "temperature":
            raise AttributeError("temperature is defined for method='temperature' only")
        a = float(self.params["a"])
        return math.inf if a == 0 else 1.0 / a

    def transform(self, raw: float | Sequence[float]) -> float | list[float]:
        """Calibrated probability for a score (float in, float out) or a sequence (list out)."""
        x = _as_1d("raw", [raw] if np.ndim(raw) == 0 else raw)
        p = np.full(x.shape, np.nan)
        ok = np.isfinite(x)
        if self.method == "affine":
            p[ok] = np.clip(self.params["a"] * x[ok] + self.params["b"], 0.0, 1.0)
        elif self.method == "temperature":
            z = self.params["a"] * x[ok] + self.params["b"]
            p[ok] = 0.5 * (1.0 + np.tanh(0.5 * z))  # = sigmoid(z), without exp overflow
        else:
            p[ok] = np.interp(x[ok], self.params["x"], self.params["y"])
        out = [float(v) for v in p]
        return out[0] if np.ndim(raw) == 0 else out

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "params": {k: v for k, v in self.params.items()}, "n": self.n}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibrator:
        method = data.get("method")
        if method not in METHODS:
            raise ValueError(f"bad calibrator record: unknown method {method!r}")
        params = dict(data.get("params", {}))
        needed = ("x", "y") if method == "isotonic" else ("a", "b")
        if any(k not in params for k in needed):
            raise ValueError(f"bad calibrator record: {method} needs params {list(needed)}, got {sorted(params)}")
        if method == "isotonic" and (len(params["x"]) != len(params["y"]) or not params["x"]):
            raise ValueError("bad calibrator record: isotonic x and y must be non-empty and of equal length")
        return cls(method, params, int(data.get("n", 0)))


class DomainCalibration:
    """Per-domain calibrators with a global fallback.

    Args:
        global_calibrator: fitted on all samples; used for unknown domains.
        domains: domain name -> its own calibrator.

    Example:
        >>> cal = DomainCalibration.fit([-2, -1, 1, 2] * 5, [0, 0, 1, 1] * 5, ["math"] * 20, "isotonic")
        >>> cal.transform(1.5, "math"), cal.transform(1.5, "ocr")  # "ocr" falls back to global
        (1.0, 1.0)
    """

    def __init__(self, global_calibrator: Calibrator, domains: Mapping[str, Calibrator] | None = None) -> None:
        self.global_calibrator = global_calibrator
        self.domains: dict[str, Calibrator] = dict(domains or {})

    @property
    def method(self) -> str:
        return self.global_calibrator.method

    @classmethod
    def fit(
        cls,
        raw_scores: Sequence[float],
        labels: Sequence[float],
        domains: Sequence[str | None],
        method: str = "temperature",
        min_samples: int = 10,
    ) -> DomainCalibration:
        """Fit one calibrator per domain and a global one on everything.

        Args:
            raw_scores: raw model scores.
            labels: 1 = correct, 0 = wrong (soft labels in [0, 1] allowed), one per score.
            domains: domain tag per score (None: counts for the global fit only).
            method: "affine", "temperature" or "isotonic".
            min_samples: a domain with fewer labelled samples gets no calibrator of its own.

        Raises:
            ValueError: as `Calibrator.fit`, or when ``domains`` has the wrong length.
        """
        x, y = _check_fit_inputs(raw_scores, labels)
        tags = list(domains)
        if len(tags) != len(x):
            raise ValueError(f"domains and raw_scores differ in length ({len(tags)} vs {len(x)})")
        if min_samples < 1:
            raise ValueError(f"min_samples must be >= 1, got {min_samples}")
        global_cal = Calibrator.fit(x, y, method)
        per_domain = {}
        for tag in sorted({t for t in tags if t is not None}, key=str):
            mask = np.array([t == tag for t in tags])
            if mask.sum() >= min_samples:
                per_domain[str(tag)] = Calibrator.fit(x[mask], y[mask], method)
        return cls(global_cal, per_domain)

    def calibrator_for(self, domain: str | None) -> Calibrator:
        """The domain's calibrator, or the global one for an unknown/None domain."""
        return self.domains.get(domain, self.global_calibrator) if domain is not None else self.global_calibrator

    def transform(self, raw: float | Sequence[float], domain: str | None = None) -> float | list[float]:
        """Calibrated P(correct) of ``raw`` (float or sequence) in ``domain`` (global fallback)."""
        return self.calibrator_for(domain).transform(raw)

    def transform_batch(self, raw: Sequence[float], domains: Sequence[str | None]) -> list[float]:
        """One domain per score."""
        if len(raw) != len(domains):
            raise ValueError(f"raw and domains differ in length ({len(raw)} vs {len(domains)})")
        return [self.calibrator_for(d).transform(float(r)) for r, d in zip(raw, domains)]  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "global": self.global_calibrator.to_dict(),
            "domains": {name: cal.to_dict() for name, cal in self.domains.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainCalibration:
        if data.get("format") != _FORMAT or data.get("version") != _VERSION:
            raise ValueError(f"not a {_FORMAT} v{_VERSION} record: format={data.get('format')!r}, "
                             f"version={data.get('version')!r}")
        return cls(
            Calibrator.from_dict(data["global"]),
            {name: Calibrator.from_dict(rec) for name, rec in data.get("domains", {}).items()},
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write JSON atomically (`hymar.atomic`: temp file in the same folder, fsync, os.replace)."""
        atomic_write_json(path, self.to_dict(), indent=1)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DomainCalibration:
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a JSON object")
        return cls.from_dict(data)


def expected_calibration_error(probs: Sequence[float], labels: Sequence[float], n_bins: int = 10) -> float:
    """ECE = sum over equal-width bins of (n_bin / N) * |mean(prob) - mean(label)| (Guo et al. 2017).

    Bins are [0, 1/n), [1/n, 2/n), ..., [(n-1)/n, 1] (the last one closed).

    Raises:
        ValueError: length mismatch, empty input, NaN, probabilities or labels outside [0, 1], n_bins < 1.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    p, y = _check_fit_inputs(probs, labels, "probs")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probs must be in [0, 1]")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, weights=p, minlength=n_bins) - np.bincount(bins, weights=y, minlength=n_bins))
    # |sum p - sum y| / N per bin = (n_b / N) |mean p - mean y|
    return float(gap[counts > 0].sum() / len(p))
