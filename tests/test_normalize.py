"""Tests of group-level reward normalisation: centring, z-scores, GDPO, HERO strata and weights."""

from __future__ import annotations

import math

import pytest

from hymar.rewards.normalize import (
    gdpo_normalize,
    group_zscore,
    hero_stratify,
    hero_weights,
    mean_center,
)

NAN = float("nan")


def same(got, expected):
    """Element-wise approx equality where NaN equals NaN."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None
        elif isinstance(e, float) and math.isnan(e):
            assert g is not None and math.isnan(g)
        else:
            assert g == pytest.approx(e, abs=1e-9)


class TestMeanCenter:
    @pytest.mark.parametrize(
        ("values", "groups", "expected", "why"),
        [
            ([1.0, 0.0, None, 5.0], [0, 0, 0, 1], [0.5, -0.5, NAN, 0.0], "None is skipped and stays missing"),
            ([1.0, NAN, 3.0], [0, 0, 0], [-1.0, NAN, 1.0], "NaN is left out of the mean of 2"),
            ([3.0, 7.0], None, [0.0, 0.0], "no groups: each value alone, nothing to centre on"),
            ([0.1, 0.1, 0.1], ["g"] * 3, [0.0, 0.0, 0.0], "all equal: exactly 0, no rounding residue"),
            ([None, None, 2.0], [0, 0, 1], [NAN, NAN, 0.0], "a group with nothing present stays missing"),
            ([], [], [], "empty batch"),
        ],
    )
    def test_table(self, values, groups, expected, why):
        same(mean_center(values, groups), expected)

    def test_all_equal_is_exact_zero(self):
        assert mean_center([0.1, 0.1, 0.1], [0, 0, 0]) == [0.0, 0.0, 0.0]

    def test_group_length_mismatch(self):
        with pytest.raises(ValueError, match="group ids"):
            mean_center([1.0, 2.0], [0])


class TestGroupZscore:
    @pytest.mark.parametrize(
        ("values", "kwargs", "expected", "why"),
        [
            # mean 2, population std sqrt(2/3) = 0.81650: 1/0.81650 = 1.22474
            ([1.0, 2.0, 3.0], {"eps": 0.0}, [-1.224744871, 0.0, 1.224744871], "population std"),
            ([1.0, 2.0, 3.0], {"eps": 0.0, "ddof": 1}, [-1.0, 0.0, 1.0], "sample std is 1 (TRL's torch.std)"),
            # mean 0.5, std 0.5: 0.5 / (0.5 + 0.5) = 0.5 with eps = 0.5
            ([0.0, 1.0], {"eps": 0.5}, [-0.5, 0.5], "eps is added to the std"),
            ([4.0, 4.0, 4.0], {}, [0.0, 0.0, 0.0], "no spread: 0, not 0/eps"),
            ([4.0, None, NAN], {}, [0.0, NAN, NAN], "one present value: 0; missing stay NaN"),
            ([9.0], {"ddof": 1}, [0.0], "singleton with ddof=1 has no std: 0"),
        ],
    )
    def test_table(self, values, kwargs, expected, why):
        same(group_zscore(values, [0] * len(values), **kwargs), expected)

    def test_groups_are_separate(self):
        # group a: [0, 2] -> -1, 1; group b: [10, 30] -> -1, 1 (eps 0)
        same(group_zscore([0.0, 10.0, 2.0, 30.0], ["a", "b", "a", "b"], eps=0.0), [-1.0, -1.0, 1.0, 1.0])

    def test_negative_eps_rejected(self):
        with pytest.raises(ValueError, match="eps"):
            group_zscore([1.0], None, eps=-1.0)


class TestGdpo:
    def test_each_component_normalised_within_group(self):
        comps = {"accuracy": [1.0, 0.0, 1.0, 0.0], "rm": [100.0, 300.0, 5.0, 5.0]}
        out = gdpo_normalize(comps, [0, 0, 1, 1], eps=0.0)
        # accuracy per group [1, 0] -> [1, -1]; rm group 0 [100, 300] -> [-1, 1], group 1 all equal -> 0
        same(out["accuracy"], [1.0, -1.0, 1.0, -1.0])
        same(out["rm"], [-1.0, 1.0, 0.0, 0.0])

    def test_scale_does_not_drown_other_components(self):
        # raw sum: 1 + 1000 vs 0 + 1100 would rank the wrong answer first; GDPO sums +/-1 each: a tie
        out = gdpo_normalize({"acc": [1.0, 0.0], "rm": [1000.0, 1100.0]}, [0, 0], eps=0.0)
        totals = [a + b for a, b in zip(out["acc"], out["rm"])]
        assert totals == pytest.approx([0.0, 0.0])

    def test_none_and_nan_stay_none(self):
        out = gdpo_normalize({"fmt": [None, 1.0, 0.0, NAN]}, [0, 0, 0, 0], eps=0.0)
        same(out["fmt"], [None, 1.0, -1.0, None])

    def test_length_mismatch_between_components(self):
        with pytest.raises(ValueError, match="different lengths"):
            gdpo_normalize({"a": [1.0, 2.0], "b": [1.0]}, None)


class TestHeroStratify:
    def test_table(self):
        rm = [2.0, 4.0, 6.0, 1.0, 3.0]
        ok = [False, False, False, True, True]
        got = hero_stratify(rm, ok, [0] * 5, alpha=0.1, beta=0.2)
        # wrong stratum min 2 max 6: 2 -> -0.1, 4 -> -0.1 + 0.2 * 2/4 = 0, 6 -> 0.1
        # right stratum min 1 max 3: 1 -> 1 - 0.2 = 0.8, 3 -> 0.8 + 0.4 * 1 = 1.2
        same(got, [-0.1, 0.0, 0.1, 0.8, 1.2])
        # the best wrong answer (RM 6) still ranks below the worst right one (RM 1)
        assert max(got[:3]) < min(got[3:])

    @pytest.mark.parametrize(
        ("rm", "ok", "expected", "why"),
        [
            ([5.0], [True], [1.0], "one right rollout: stratum centre 1 (plain verifier reward)"),
            ([5.0], [False], [0.0], "one wrong rollout: stratum centre 0"),
            ([3.0, 3.0, 9.0], [False, False, True], [0.0, 0.0, 1.0], "equal RM scores: centre, not an end"),
            ([1.0, 2.0, 3.0], [False, None, False], [-0.1, NAN, 0.1], "unknown verdict cannot be stratified"),
            ([None, 2.0, 4.0], [True, True, True], [1.0, 0.9, 1.1], "missing RM score: centre, out of min/max"),
            ([NAN, 2.0], [False, False], [0.0, 0.0], "NaN RM: centre; the lone scored one is a flat stratum"),
        ],
    )
    def test_edge_cases(self, rm, ok, expected, why):
        same(hero_stratify(rm, ok, [0] * len(rm), alpha=0.1, beta=0.1), expected)

    def test_min_max_is_per_prompt_group(self):
        # group a wrong [0, 10]; group b wrong [100, 110]: both map to [-0.1, 0.1] on their own
        got = hero_stratify([0.0, 100.0, 10.0, 110.0], [False] * 4, ["a", "b", "a", "b"], alpha=0.1, beta=0.1)
        same(got, [-0.1, -0.1, 0.1, 0.1])

    @pytest.mark.parametrize(
        ("kwargs", "why"),
        [
            ({"alpha": 0.6, "beta": 0.5}, "overlapping strata"),
            ({"alpha": -0.1}, "negative width"),
        ],
    )
    def test_bad_widths(self, kwargs, why):
        with pytest.raises(ValueError, match="alpha"):
            hero_stratify([1.0], [True], None, **kwargs)

    def test_length_mismatch(self):
        with pytest.raises(ValueError, match="verdicts"):
            hero_stratify([1.0, 2.0], [True], None)


class TestHeroWeights:
    def test_table(self):
        # g0 [0, 2]: std 1; g1 [1, 1]: std 0; mean_std 0.5; k = 5
        # g0: 0.5 + 1.5 * sigmoid(2.5) = 0.5 + 1.5 * 0.9241418 = 1.8862127
        # g1: 0.5 + 1.5 * sigmoid(-2.5) = 0.5 + 1.5 * 0.0758582 = 0.6137873
        got = hero_weights([0.0, 2.0, 1.0, 1.0], [0, 0, 1, 1])
        assert got == pytest.approx([1.8862127, 1.8862127, 0.6137873, 0.6137873], abs=1e-6)

    def test_group_without_std_gets_neutral_weight_and_is_left_out_of_mean(self):
        # adding a singleton group (no std) changes nothing for g0/g1 and gets (0.5 + 2) / 2 = 1.25
        got = hero_weights([0.0, 2.0, 1.0, 1.0, 7.0, None], [0, 0, 1, 1, 2, 2])
        assert got == pytest.approx([1.8862127, 1.8862127, 0.6137873, 0.6137873, 1.25, 1.25], abs=1e-6)

    @pytest.mark.parametrize(
        ("rm", "groups", "kwargs", "expected", "why"),
        [
            ([1.0, 3.0, 5.0, 7.0], [0, 0, 1, 1], {}, [1.25] * 4, "equal stds: every prompt at sigmoid(0)"),
            ([0.0, 2.0, 1.0, 1.0], [0, 0, 1, 1], {"k": 0.0}, [1.25] * 4, "k = 0 switches weighting off"),
            ([1.0, 2.0], None, {}, [1.25, 1.25], "no groups: all singletons, all neutral"),
            ([0.0, 1000.0, 1.0, 1.0], [0, 0, 1, 1], {}, [2.0, 2.0, 0.5, 0.5], "extreme spread saturates at bounds"),
        ],
    )
    def test_edge_cases(self, rm, groups, kwargs, expected, why):
        assert hero_weights(rm, groups, **kwargs) == pytest.approx(expected, abs=1e-9), why

    @pytest.mark.parametrize("kwargs", [{"w_min": 3.0, "w_max": 2.0}, {"k": -1.0}])
    def test_bad_parameters(self, kwargs):
        with pytest.raises(ValueError, match="w_min"):
            hero_weights([1.0], None, **kwargs)
