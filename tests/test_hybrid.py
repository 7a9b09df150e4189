"""The combiner's routing, blending, gating, masking and normalisation, on stand-in components with
known scores so each rule of the combination is checked in isolation."""

from __future__ import annotations

import math
import pickle

import pytest

from hymar.rewards.base import RewardComponent
from hymar.rewards.config import ConfigError, load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.presets import load_preset, preset_names
from hymar.rewards.types import Sample, Score


class Fixed(RewardComponent):
    """Returns preset scores in order; counts calls."""

    def __init__(self, scores):
        self.scores = list(scores)
        self.calls = 0

    def score(self, samples, groups):
        self.calls += 1
        return list(self.scores[: len(samples)])


class Boom(RewardComponent):
    def score(self, samples, groups):
        raise RuntimeError("endpoint down")


def make(config: dict, **components) -> HybridReward:
    return HybridReward(load_config(config), components=components)


HYBRID_CFG = {
    "components": {"accuracy": {"weight": 0.0}, "model": {"type": "similarity", "weight": 0.0}},
    "hybrid": {"rule": "accuracy", "model": "model", "blend_threshold": 0.8},
}


def s(task=None):
    return Sample(prompt="q", completion="c", answer="1", task=task)


class TestRouting:
    def test_confident_rule_wins(self):
        r = make(HYBRID_CFG, accuracy=Fixed([Score(1.0, 1.0)]), model=Fixed([Score(0.2, 1.0)]))
        res = r([s()])
        assert res.rewards == [1.0]
        assert res.components["hybrid"][0].info["route"] == "rule"

    def test_low_confidence_rule_is_blended(self):
        # c = 0.6 < 0.8: r = 0.6 * 1.0 + 0.4 * 0.25 = 0.7
        r = make(HYBRID_CFG, accuracy=Fixed([Score(1.0, 0.6)]), model=Fixed([Score(0.25, 1.0)]))
        res = r([s()])
        assert res.rewards[0] == pytest.approx(0.7)
        assert res.components["hybrid"][0].info["route"] == "blend"

    def test_open_ended_task_goes_to_model(self):
        r = make(HYBRID_CFG, accuracy=Fixed([Score(1.0, 1.0)]), model=Fixed([Score(0.3, 0.9)]))
        res = r([s(task="open")])
        assert res.rewards == [0.3]
        assert res.components["hybrid"][0].info["route"] == "model"

    def test_rule_not_applicable_goes_to_model(self):
        r = make(HYBRID_CFG, accuracy=Fixed([Score.not_applicable()]), model=Fixed([Score(0.4, 1.0)]))
        assert r([s()]).rewards == [0.4]

    def test_invalid_rule_falls_back_to_model_and_is_counted(self):
        r = make(HYBRID_CFG, accuracy=Fixed([Score.invalid("timeout")]), model=Fixed([Score(0.5, 1.0)]))
        res = r([s()])
        assert res.rewards == [0.5]
        assert res.components["hybrid"][0].info == {"route": "model_fallback", "rule_invalid": "timeout"}
        assert res.metrics()["rewards/accuracy/invalid_rate"] == 1.0

    def test_everything_invalid_gives_nan_not_zero(self):
        r = make(HYBRID_CFG, accuracy=Fixed([Score.invalid("timeout")]), model=Fixed([Score.invalid("oom")]))
        res = r([s()])
        assert math.isnan(res.rewards[0])
        assert not res.components["hybrid"][0].valid


class TestWeightsGatesMasking:
    CFG = {
        "components": {"accuracy": {"weight": 2.0}, "format": {"weight": 0.5}, "extra": {"type": "accuracy", "weight": 0.0}},
    }

    def test_weighted_sum_skips_zero_weight(self):
        r = make(self.CFG, accuracy=Fixed([Score(1.0)]), format=Fixed([Score(0.5)]), extra=Fixed([Score(1.0)]))
        assert r([s()]).rewards == [2.0 * 1.0 + 0.5 * 0.5]

    def test_invalid_component_is_masked(self):
        r = make(self.CFG, accuracy=Fixed([Score.invalid("x")]), format=Fixed([Score(1.0)]), extra=Fixed([Score(1.0)]))
        assert r([s()]).rewards == [0.5]

    def test_gate_zeroes_accuracy_without_format(self):
        cfg = {**self.CFG, "gates": [{"target": "accuracy", "requires": "format", "threshold": 1.0}]}
        acc = Fixed([Score(1.0), Score(1.0)])
        fmt = Fixed([Score(1.0), Score(0.5)])
        res = make(cfg, accuracy=acc, format=fmt, extra=Fixed([Score(1.0)] * 2))([s(), s()])
        assert res.rewards == [2.0 + 0.5, 0.0 + 0.25]
        # the logged component keeps its own judgement; the gate acts on the total only
        assert res.components["accuracy"][1].value == 1.0

    def test_failing_component_marks_batch_invalid_without_crashing(self):
        r = make(self.CFG, accuracy=Boom(), format=Fixed([Score(1.0)]), extra=Fixed([Score(1.0)]))
        res = r([s()])
        assert res.rewards == [0.5]
        assert "endpoint down" in res.components["accuracy"][0].info["reason"]


class TestNormalisation:
    def test_mean_center_zeroes_group_means(self):
        cfg = {"components": {"accuracy": {"weight": 1.0}}, "normalization": "mean_center"}
        r = make(cfg, accuracy=Fixed([Score(1.0), Score(0.0), Score(0.0), Score(1.0), Score(1.0)]))
        res = r([s()] * 5, groups=["a", "a", "a", "b", "b"])
        assert res.rewards[:3] == pytest.approx([2 / 3, -1 / 3, -1 / 3])
        assert res.rewards[3:] == pytest.approx([0.0, 0.0])


class TestConfigErrors:
    @pytest.mark.parametrize(
        "config, fragment",
        [
            ({"components": {}}, "components"),
            ({"components": {"accuracy": {"weight": "heavy"}}}, "components.accuracy.weight"),
            ({"components": {"accuracy": {"wieght": 1}}}, "components.accuracy.wieght"),
            ({"components": {"accuracy": {}}, "hybrid": {"rule": "acc"}}, "hybrid.rule"),
            ({"components": {"accuracy": {}}, "gates": [{"target": "accuracy", "requires": "fmt"}]}, "gates[0].requires"),
            ({"components": {"accuracy": {}}, "normalization": "zscore"}, "normalization"),
            ({"components": {"accuracy": {}}, "hybrid": {"blend_threshold": 1.5}}, "hybrid.blend_threshold"),
        ],
    )
    def test_error_names_the_field(self, config, fragment):
        with pytest.raises(ConfigError) as err:
            load_config(config)
        assert fragment in str(err.value)

    def test_yaml_file_errors_name_file(self, tmp_path):
        path = tmp_path / "reward.yaml"
        path.write_text("components:\n  accuracy: {weight: [1}\n")
        with pytest.raises(ConfigError, match="reward.yaml: not valid YAML"):
            load_config(path)

    def test_unknown_component_type_suggests(self):
        with pytest.raises(KeyError, match="did you mean 'accuracy'"):
            HybridReward.from_config({"components": {"acc": {"type": "accuracyy"}}})

    @pytest.mark.parametrize("name", preset_names())
    def test_presets_validate(self, name):
        config = load_preset(name)
        assert "accuracy" in config.components  # every preset scores and logs accuracy

    def test_preset_override_merges_and_deletes(self):
        config = load_preset("harmo", {"hybrid": {"blend_threshold": 0.5}, "components": {"length": None}})
        assert config.hybrid.blend_threshold == 0.5
        assert "length" not in config.components


def test_metric_names_are_stable():
    r = make(HYBRID_CFG, accuracy=Fixed([Score(1.0, 1.0)]), model=Fixed([Score(0.2, 1.0)]))
    keys = set(r([s()]).metrics())
    for name in ("accuracy", "model", "hybrid"):
        for stat in ("mean", "std", "confidence", "invalid_rate"):
            assert f"rewards/{name}/{stat}" in keys


def test_rule_only_preset_is_picklable_and_scores():
    reward = HybridReward.from_preset("rule-only")
    clone = pickle.loads(pickle.dumps(reward))
    batch = [
        Sample(prompt="2+2?", completion="<think>2+2=4</think><answer>4</answer>", answer="4"),
        Sample(prompt="2+2?", completion="<think>hmm</think><answer>5</answer>", answer="4"),
    ]
    assert reward(batch).rewards == clone(batch).rewards == [1.0, 0.0]


def test_length_component_built_from_preset_gets_rule_correctness():
    # length is scored after the rule verifier and receives its judgement (HARMO: active only with a
    # correct rollout in the group): correct rollout of 2 words is L_ref; the 10-word one strays by
    # d = |10 - 2| / 2 = 4 > tau, penalty = -min(P_max, d - tau) = -P_max.
    reward = HybridReward.from_config(
        {"components": {"accuracy": {"weight": 1.0}, "length": {"args": {"preset": "harmo", "unit": "words", "tau": 0.2, "p_max": 0.5}}}}
    )
    batch = [
        Sample(prompt="q", completion="<answer>4</answer> ok", answer="4"),
        Sample(prompt="q", completion="<answer>5</answer> " + "word " * 9, answer="4"),
        Sample(prompt="r", completion="<answer>5</answer> " + "word " * 9, answer="4"),
    ]
    res = reward(batch, groups=["g", "g", "h"])
    assert [s.value for s in res.components["length"]] == pytest.approx([0.0, -0.5, 0.0])
    assert res.rewards == pytest.approx([1.0, -0.5, 0.0])


class Recording(RewardComponent):
    """Scores every sample 0.5 and records which completions it saw."""

    def __init__(self):
        self.seen = []

    def score(self, samples, groups):
        self.seen.extend(s.completion for s in samples)
        return [Score(0.5, 1.0) for _ in samples]


class TestRoutedModelScoring:
    def batch(self):
        return [
            Sample(prompt="q", completion="sure", answer="1"),
            Sample(prompt="q", completion="unsure", answer="1"),
            Sample(prompt="q", completion="open", task="open"),
            Sample(prompt="q", completion="broken", answer="1"),
        ]

    def rule(self):
        return Fixed([Score(1.0, 1.0), Score(1.0, 0.5), Score.not_applicable(), Score.invalid("timeout")])

    def test_model_scored_only_where_the_rule_does_not_settle(self):
        model = Recording()
        res = make(HYBRID_CFG, accuracy=self.rule(), model=model)(self.batch())
        assert model.seen == ["unsure", "open", "broken"]
        assert res.components["model"][0].value is None and res.components["model"][0].valid
        # blend for the unsure one: 0.5 * 1.0 + 0.5 * 0.5
        assert res.rewards == pytest.approx([1.0, 0.75, 0.5, 0.5])

    def test_score_model_all_scores_every_sample(self):
        cfg = {**HYBRID_CFG, "hybrid": {**HYBRID_CFG["hybrid"], "score_model": "all"}}
        model = Recording()
        make(cfg, accuracy=self.rule(), model=model)(self.batch())
        assert model.seen == ["sure", "unsure", "open", "broken"]

    def test_weighted_model_is_scored_everywhere(self):
        cfg = {**HYBRID_CFG, "components": {"accuracy": {"weight": 0.0}, "model": {"type": "similarity", "weight": 1.0}}}
        model = Recording()
        make(cfg, accuracy=self.rule(), model=model)(self.batch())
        assert len(model.seen) == 4
