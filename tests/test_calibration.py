"""Tests of per-domain calibration: the three fits, ECE, the domain fallback and JSON round trips."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from hymar.rewards.calibration import (
    METHODS,
    Calibrator,
    DomainCalibration,
    expected_calibration_error,
)


def synthetic(n: int, seed: int, scale: float = 3.0, shift: float = 0.0):
    """True P(correct) p ~ U(0.02, 0.98), labels ~ Bernoulli(p), raw = scale * logit(p) + shift."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = (rng.uniform(size=n) < p).astype(float)
    return scale * np.log(p / (1 - p)) + shift, y


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))


class TestExpectedCalibrationError:
    @pytest.mark.parametrize(
        ("probs", "labels", "n_bins", "expected", "why"),
        [
            # bin [0.1, 0.2): mean p 0.1, mean y 0.5 -> 2/4 * 0.4 = 0.2; bin [0.9, 1]: 2/4 * 0.1 = 0.05
            ([0.1, 0.1, 0.9, 0.9], [0, 1, 1, 1], 10, 0.25, "two bins, weighted gaps"),
            ([0.0, 1.0], [0, 1], 10, 0.0, "perfect: p = 1.0 falls in the last (closed) bin"),
            ([0.2, 0.6], [1, 0], 1, abs(0.4 - 0.5), "one bin: |mean p - mean y|"),
            ([0.7] * 10, [1] * 7 + [0] * 3, 10, 0.0, "70% predicted, 70% correct"),
        ],
    )
    def test_table(self, probs, labels, n_bins, expected, why):
        assert expected_calibration_error(probs, labels, n_bins) == pytest.approx(expected), why

    @pytest.mark.parametrize(
        ("probs", "labels", "match", "why"),
        [
            ([0.5, 0.5], [1], "differ in length", "length mismatch"),
            ([], [], "empty", "nothing to measure"),
            ([0.5], [float("nan")], "NaN", "NaN label"),
            ([1.5], [1], r"probs must be in \[0, 1\]", "a probability above 1"),
            ([float("nan")], [1], "NaN", "NaN probability"),
        ],
    )
    def test_bad_input(self, probs, labels, match, why):
        with pytest.raises(ValueError, match=match):
            expected_calibration_error(probs, labels)


class TestCalibratorFits:
    @pytest.mark.parametrize("method", METHODS)
    def test_fitting_improves_ece_on_overconfident_scores(self, method):
        raw, y = synthetic(4000, seed=0)
        train, test = slice(0, 2000), slice(2000, None)
        before = expected_calibration_error(sigmoid(raw[test]), y[test])  # raw read as a logit: overconfident
        cal = Calibrator.fit(raw[train], y[train], method)
        after = expected_calibration_error(cal.transform(raw[test].tolist()), y[test])
        assert before > 0.1  # the synthetic scores really are miscalibrated
        assert after < 0.06 and after < before / 2, (method, before, after)

    def test_temperature_recovers_the_scale(self):
        raw, y = synthetic(4000, seed=1)  # raw = 3 logit(p): T should come out near 3
        cal = Calibrator.fit(raw, y, "temperature")
        assert cal.temperature == pytest.approx(3.0, rel=0.15)
        assert abs(cal.params["b"]) < 0.2

    def test_affine_hand_computed(self):
        # x [0, 0, 1, 1], y [0, 1, 1, 1]: cov = 0.125, var = 0.25 -> a = 0.5, b = 0.75 - 0.5 * 0.5 = 0.5
        cal = Calibrator.fit([0, 0, 1, 1], [0, 1, 1, 1], "affine")
        assert (cal.params["a"], cal.params["b"]) == pytest.approx((0.5, 0.5))
        assert cal.transform([0.0, 1.0, 5.0, -5.0]) == pytest.approx([0.5, 1.0, 1.0, 0.0])  # clipped to [0, 1]

    def test_isotonic_hand_computed(self):
        # y [1, 0, 1, 1] at x [1, 2, 3, 4]: 1 then 0 violates -> pooled 0.5 on [1, 2]; then 1, 1
        cal = Calibrator.fit([1, 2, 3, 4], [1, 0, 1, 1], "isotonic")
        assert cal.params == {"x": [1.0, 2.0, 3.0, 4.0], "y": [0.5, 0.5, 1.0, 1.0]}
        # 2.5 interpolates between (2, 0.5) and (3, 1.0); outside the data it is flat
        assert cal.transform([1.5, 2.5, 0.0, 10.0]) == pytest.approx([0.5, 0.75, 0.5, 1.0])

    def test_isotonic_pools_ties(self):
        # two samples at x = 1 (labels 0 and 1) pool to 0.5 before PAV
        cal = Calibrator.fit([1, 1, 2], [0, 1, 1], "isotonic")
        assert cal.transform([1.0, 2.0]) == pytest.approx([0.5, 1.0])

    def test_isotonic_is_monotone_on_noisy_data(self):
        raw, y = synthetic(3000, seed=2)
        cal = Calibrator.fit(raw, y, "isotonic")
        assert np.all(np.diff(cal.params["y"]) >= 0)
        grid = np.linspace(raw.min() - 5, raw.max() + 5, 2001)
        out = np.array(cal.transform(grid.tolist()))
        assert np.all(np.diff(out) >= -1e-15) and out.min() >= 0 and out.max() <= 1

    def test_temperature_on_separable_data_stays_finite(self):
        cal = Calibrator.fit([-1.0, -0.5, 0.5, 1.0], [0, 0, 1, 1], "temperature")
        assert math.isfinite(cal.params["a"]) and cal.params["a"] > 0
        p = cal.transform([-1.0, 1.0])
        assert 0 < p[0] < 0.5 < p[1] < 1  # Platt's targets keep it off 0 and 1

    def test_temperature_of_constant_score_is_platt_base_rate(self):
        # labels [1, 0, 1]: targets 3/4, 1/3, 3/4 -> mean 0.6111; the slope is 0 (T = inf)
        cal = Calibrator.fit([3.0, 3.0, 3.0], [1, 0, 1], "temperature")
        assert cal.temperature == math.inf
        assert cal.transform(123.0) == pytest.approx((0.75 * 2 + 1 / 3) / 3)

    def test_temperature_of_anticorrelated_score_is_uninformative(self):
        cal = Calibrator.fit([-2.0, -1.0, 1.0, 2.0] * 5, [1, 1, 0, 0] * 5, "temperature")
        assert cal.params["a"] == 0.0  # T must stay positive: no inverted mapping

    def test_transform_types_and_nan(self):
        cal = Calibrator.fit([0, 1], [0, 1], "affine")
        assert isinstance(cal.transform(0.5), float)
        out = cal.transform([0.5, float("nan")])
        assert out[0] == pytest.approx(0.5) and math.isnan(out[1])

    @pytest.mark.parametrize(
        ("raw", "labels", "match", "why"),
        [
            ([0.1, 0.2], [1], "differ in length", "length mismatch"),
            ([], [], "empty", "no data"),
            ([0.1, 0.2], [1, float("nan")], "labels contain NaN", "NaN label"),
            ([0.1, 0.2], [1, 2], r"labels must be in \[0, 1\]", "label out of range"),
            ([0.1, float("nan")], [1, 0], "raw_scores contain NaN", "NaN score"),
            ([[0.1], [0.2]], [1, 0], "one-dimensional", "a matrix of scores"),
        ],
    )
    def test_bad_input(self, raw, labels, match, why):
        with pytest.raises(ValueError, match=match):
            Calibrator.fit(raw, labels, "temperature")

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="unknown calibration method"):
            Calibrator.fit([0, 1], [0, 1], "platt")


class TestDomainCalibration:
    @staticmethod
    def two_domains(seed: int):
        # math scores are 3x overconfident; chart scores are underconfident and shifted
        raw_m, y_m = synthetic(2000, seed, scale=3.0)
        raw_c, y_c = synthetic(2000, seed + 100, scale=0.3, shift=2.0)
        raw = np.concatenate([raw_m, raw_c])
        return raw, np.concatenate([y_m, y_c]), ["math"] * 2000 + ["chart"] * 2000

    @pytest.mark.parametrize("method", ["temperature", "isotonic"])
    def test_per_domain_beats_global_fit(self, method):
        raw, y, dom = self.two_domains(3)
        cal = DomainCalibration.fit(raw, y, dom, method)
        raw_t, y_t, dom_t = self.two_domains(4)
        for name in ("math", "chart"):
            mask = np.array([d == name for d in dom_t])
            own = expected_calibration_error(cal.transform(raw_t[mask].tolist(), name), y_t[mask])
            fallback = expected_calibration_error(cal.transform(raw_t[mask].tolist(), "unknown"), y_t[mask])
            assert own < 0.06 and own < fallback, (name, own, fallback)

    def test_unknown_none_and_small_domains_fall_back_to_global(self):
        raw = [-2.0, -1.0, 1.0, 2.0] * 5 + [0.0, 5.0]
        labels = [0, 0, 1, 1] * 5 + [1, 0]
        doms = ["math"] * 20 + ["ocr", None]
        cal = DomainCalibration.fit(raw, labels, doms, "isotonic", min_samples=10)
        assert set(cal.domains) == {"math"}  # ocr had 1 sample < 10: no calibrator of its own
        for domain in ("ocr", "never-seen", None):
            assert cal.calibrator_for(domain) is cal.global_calibrator
        assert cal.transform(1.5, "math") == 1.0
        assert cal.transform_batch([1.5, 1.5], ["math", "ocr"]) == [
            cal.domains["math"].transform(1.5),
            cal.global_calibrator.transform(1.5),
        ]

    def test_domains_length_mismatch(self):
        with pytest.raises(ValueError, match="domains and raw_scores differ"):
            DomainCalibration.fit([0.1, 0.2], [0, 1], ["math"])

    @pytest.mark.parametrize("method", METHODS)
    def test_save_load_round_trip_is_identical(self, method, tmp_path):
        raw, y, dom = self.two_domains(5)
        cal = DomainCalibration.fit(raw, y, dom, method)
        path = tmp_path / "sub" / "cal.json"
        cal.save(path)
        loaded = DomainCalibration.load(path)
        probe = np.linspace(-15, 15, 301).tolist()
        for domain in ("math", "chart", "unknown"):
            assert loaded.transform(probe, domain) == cal.transform(probe, domain)  # exact, not approx
        assert loaded.method == method
        assert json.loads(path.read_text())["format"] == "hymar.calibration"
        assert os.listdir(path.parent) == ["cal.json"]  # no temp file left behind

    def test_failed_save_keeps_old_file_and_leaves_no_temp(self, tmp_path, monkeypatch):
        cal = DomainCalibration.fit([0.0, 1.0] * 10, [0, 1] * 10, ["math"] * 20, "affine")
        path = tmp_path / "cal.json"
        cal.save(path)
        before = path.read_text()

        def broken_fsync(*args, **kwargs):
            raise OSError("disk full")

        # the write fails after the temp file holds the new text, before it replaces the old file
        monkeypatch.setattr("hymar.atomic.os.fsync", broken_fsync)
        with pytest.raises(OSError, match="disk full"):
            cal.save(path)
        assert path.read_text() == before
        assert os.listdir(tmp_path) == ["cal.json"]

    @pytest.mark.parametrize(
        ("content", "match", "why"),
        [
            ("{not json", "not valid JSON", "corrupt file"),
            ('{"format": "other", "version": 1}', "not a hymar.calibration", "someone else's JSON"),
            ("[1, 2]", "JSON object", "not an object"),
            (
                '{"format": "hymar.calibration", "version": 1, "global": {"method": "isotonic", "params": {}}}',
                "needs params",
                "calibrator record without its parameters",
            ),
        ],
    )
    def test_load_rejects_bad_files(self, tmp_path, content, match, why):
        path = tmp_path / "bad.json"
        path.write_text(content)
        with pytest.raises(ValueError, match=match):
            DomainCalibration.load(path)
