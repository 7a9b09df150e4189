"""GDPO and HERO normalisation through `HybridReward` (the pure functions are in test_normalize.py).

Stub components with known values per sample, so the expected totals can be worked out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score


@dataclass(frozen=True)
class FromMetadata(PerSampleComponent):
    """Scores ``sample.metadata[key]`` (None: not applicable); stands in for any component."""

    key: str = "value"

    def score_one(self, sample: Sample) -> Score:
        value = sample.metadata.get(self.key)
        return Score.not_applicable() if value is None else Score(float(value))


def _samples(**columns):
    n = len(next(iter(columns.values())))
    return [Sample(completion="x", metadata={k: v[i] for k, v in columns.items()}) for i in range(n)]


def _reward(config, **components):
    return HybridReward(config, components=components)


class TestGDPO:
    CONFIG = {
        "components": {"acc": {"weight": 1.0}, "rm": {"weight": 1.0}},
        "normalization": "gdpo",
    }

    def _build(self):
        from hymar.rewards.config import load_config

        return _reward(load_config(self.CONFIG), acc=FromMetadata("acc"), rm=FromMetadata("rm"))

    def test_each_component_is_normalised_within_its_group_before_the_sum(self):
        # reason: a raw sum 1 + 1000 vs 0 + 1100 ranks the wrong rollout first; GDPO ties them
        reward = self._build()
        out = reward(_samples(acc=[1.0, 0.0], rm=[1000.0, 1100.0]), groups=[0, 0])
        assert out.rewards == pytest.approx([0.0, 0.0], abs=1e-5)
        assert [s.value for s in out.components["rm"]] == [1000.0, 1100.0]  # components are logged raw

    def test_groups_are_normalised_separately(self):
        reward = self._build()
        out = reward(_samples(acc=[1.0, 0.0, 1.0, 1.0], rm=[0.0, 0.0, 2.0, 4.0]), groups=[0, 0, 1, 1])
        # group 0: acc z = +1, -1; rm has no spread -> 0.  group 1: acc no spread -> 0; rm z = -1, +1
        assert out.rewards == pytest.approx([1.0, -1.0, -1.0, 1.0], abs=1e-5)

    def test_a_component_that_does_not_apply_drops_out_of_its_terms(self):
        reward = self._build()
        out = reward(_samples(acc=[1.0, 0.0], rm=[None, None]), groups=[0, 0])
        assert out.rewards == pytest.approx([1.0, -1.0], abs=1e-5)


class TestHERO:
    CONFIG = {
        "components": {"rule": {"weight": 0.0}, "rm": {"weight": 0.0}},
        "hybrid": {"weight": 1.0, "rule": "rule", "model": "rm", "blend_threshold": 0.0},
        "normalization": "hero",
        "hero": {"alpha": 0.1, "beta": 0.2, "weighting": False},
    }

    def _build(self, **hero):
        from hymar.rewards.config import load_config

        config = {**self.CONFIG, "hero": {**self.CONFIG["hero"], **hero}}
        return _reward(load_config(config), rule=FromMetadata("rule"), rm=FromMetadata("rm"))

    def test_model_scores_are_stratified_inside_verifier_classes(self):
        # reason: right rollouts land in [1 - beta, 1 + beta], wrong ones in [-alpha, alpha], ordered by the RM
        reward = self._build()
        out = reward(_samples(rule=[1.0, 1.0, 0.0, 0.0], rm=[0.2, 0.9, 0.1, 0.7]), groups=[0, 0, 0, 0])
        assert out.rewards == pytest.approx([0.8, 1.2, -0.1, 0.1])

    def test_open_ended_samples_keep_the_routed_model_score(self):
        # no verdict (the rule does not apply): nothing to stratify, the hybrid term is the model's score
        reward = self._build()
        out = reward(_samples(rule=[1.0, None], rm=[0.3, 0.6]), groups=[0, 1])
        assert out.rewards == pytest.approx([1.0, 0.6])  # a stratum of one maps to its centre

    def test_variance_weighting_scales_the_stratified_term(self):
        reward = self._build(weighting=True)
        plain = self._build()
        samples = _samples(rule=[1.0, 0.0, 1.0, 0.0], rm=[0.0, 1.0, 0.5, 0.5])
        weighted, unweighted = reward(samples, groups=[0, 0, 1, 1]), plain(samples, groups=[0, 0, 1, 1])
        # group 0 has RM spread, group 1 none: the spread group is weighted up, the flat one down
        assert weighted.rewards[0] > unweighted.rewards[0] and weighted.rewards[2] < unweighted.rewards[2]
        assert weighted.rewards[3] == unweighted.rewards[3] == 0.0  # 0 stays 0 whatever the weight
