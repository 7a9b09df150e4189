"""The n-gram repetition penalty: hand-computed values, units, presets, config and bad input."""

from __future__ import annotations

import pickle

import pytest

from hymar.rewards.hybrid import HybridReward, load_preset
from hymar.rewards.registry import build_component
from hymar.rewards.repetition import RepetitionPenalty, repetition_ratio
from hymar.rewards.types import Sample


def value(completion, **kw):
    return RepetitionPenalty(**kw).score_one(Sample(completion=completion)).value


class TestValues:
    @pytest.mark.parametrize(
        "completion, kw, expected, why",
        [
            ("one two three four five", {}, 0.0, "no repeated trigram"),
            ("the cat the cat the cat", {}, -0.5, "4 trigrams, 2 distinct: -1 * (1 - 2/4)"),
            ("a b c a b c", {}, -0.25, "4 trigrams, 3 distinct"),
            ("A b C a B c", {}, -0.25, "words are lower-cased"),
            ("go " * 102, {}, -0.99, "100 trigrams, 1 distinct: -(1 - 1/100)"),
            ("a b", {}, 0.0, "fewer words than n: no n-gram"),
            ("", {}, 0.0, "empty"),
            ("a a a a", {"ngram_size": 1}, -0.75, "unigrams: 4, 1 distinct"),
            ("the cat the cat the cat", {"max_penalty": -0.2}, -0.1, "scaled by P_max"),
            ("abab", {"unit": "tokens", "tokenize": list, "ngram_size": 2}, -1 / 3, "characters as tokens: ab ba ab"),
        ],
    )
    def test_hand_computed(self, completion, kw, expected, why):
        assert value(completion, **kw) == pytest.approx(expected), why

    def test_ratio(self):
        assert repetition_ratio([1, 2, 1, 2], 2) == (pytest.approx(1 / 3), 3, 2)
        assert repetition_ratio([1], 2) == (0.0, 0, 0)

    @pytest.mark.parametrize(
        "text, expected, why",
        [
            ("completion", -0.5, "everything"),
            ("reasoning", -0.5, "the loop is in the reasoning"),
            ("answer", 0.0, "the answer has no repetition"),
        ],
    )
    def test_text_scope(self, text, expected, why):
        completion = "<think>the cat the cat the cat</think><answer>5</answer>"
        if text == "completion":
            completion = "the cat the cat the cat"
        assert value(completion, text=text) == pytest.approx(expected), why


class TestConfig:
    def test_preset(self):
        r = RepetitionPenalty.from_preset("open-r1")
        assert (r.ngram_size, r.max_penalty, r.unit) == (3, -1.0, "words")
        assert build_component("repetition", {"preset": "open-r1", "max_penalty": -0.5}).max_penalty == -0.5

    def test_added_to_a_preset_with_set(self):
        from hymar.rewards.source import parse_set

        overrides = parse_set(["components.repetition={weight: 1.0, args: {preset: open-r1}}"])
        reward = HybridReward(load_preset("rule-only", overrides))
        result = reward([Sample(prompt="q", completion="<think>go go go go go go</think><answer>4</answer>", answer="4")])
        assert result.components["repetition"][0].value < 0
        assert result.rewards[0] == pytest.approx(1.0 + result.components["repetition"][0].value)

    @pytest.mark.parametrize(
        "kw, match",
        [
            ({"ngram_size": 0}, "ngram_size"),
            ({"max_penalty": 0.5}, "max_penalty"),
            ({"unit": "chars"}, "unit"),
            ({"unit": "tokens"}, "tokenizer"),
            ({"text": "prompt"}, "text"),
        ],
    )
    def test_bad_arguments(self, kw, match):
        with pytest.raises(ValueError, match=match):
            RepetitionPenalty(**kw)

    def test_unknown_preset(self):
        with pytest.raises(ValueError, match="open-r1"):
            RepetitionPenalty.from_preset("nope")

    def test_picklable(self):
        r = pickle.loads(pickle.dumps(RepetitionPenalty(unit="tokens", tokenize=list)))
        assert r.score_one(Sample(completion="aaaaa")).value == pytest.approx(-(1 - 1 / 3))  # 3 trigrams, 1 distinct
        assert r.tokenize is list

    def test_too_long_is_invalid(self):
        s = RepetitionPenalty().score_one(Sample(completion="a " * 200_000))
        assert not s.valid and "too long" in s.info["reason"]

    def test_a_failing_tokenizer_is_invalid(self):
        def broken(text):
            raise RuntimeError("boom")

        s = RepetitionPenalty(unit="tokens", tokenize=broken).score_one(Sample(completion="x"))
        assert not s.valid and "boom" in s.info["reason"]


def test_rule_only_with_repetition_passes_the_probe():
    from hymar.probe import run_probe, suite_items

    config = {"components": {"accuracy": {"weight": 1.0}, "repetition": {"weight": 0.5, "args": {"preset": "open-r1"}}}}
    result = run_probe(config, suite_items(per_domain=4))
    assert result.passed, [e.name for e in result.flagged]
    loop = next(e for e in result.exploits if e.name == "repetition_loop")
    assert loop.components["repetition"]["exploit"] < loop.components["repetition"]["wrong"]
