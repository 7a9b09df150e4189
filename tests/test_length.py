"""Tests of the length-penalty family: each preset against values worked out by hand from its
published formula, then configuration, correctness sources, units and picklability."""

from __future__ import annotations

import dataclasses
import math
import pickle

import pytest

from hymar.rewards.length import (
    LENGTH_PRESETS,
    LengthPenalty,
    LengthPenaltyConfig,
    band_penalty,
    soft_overlong_penalty,
)
from hymar.rewards.types import Sample


def rollout(n_chars: int, correct: bool | None = None, **meta) -> Sample:
    metadata = dict(meta)
    if correct is not None:
        metadata["correct"] = correct
    return Sample(prompt="p", completion="x" * n_chars, metadata=metadata)


def values(scores):
    return [s.value for s in scores]


def count_len(text: str) -> int:
    """Module-level token counter (picklable): one token per character."""
    return len(text)


class TestDapoOverlong:
    # L_max = 100, L_cache = 20: 0 up to 80, then (80 - L) / 20, -1 beyond 100
    @pytest.mark.parametrize(
        ("length", "expected", "why"),
        [
            (0, 0.0, "empty is well under the budget"),
            (80, 0.0, "L = L_max - L_cache is still free"),
            (81, -0.05, "(80 - 81) / 20 = -0.05, first step of the ramp"),
            (90, -0.5, "(80 - 90) / 20 = -0.5, halfway down the ramp"),
            (100, -1.0, "(80 - 100) / 20 = -1 at L_max"),
            (101, -1.0, "beyond L_max: flat -1"),
            (5000, -1.0, "far beyond L_max: still -1, never below"),
        ],
    )
    def test_table(self, length, expected, why):
        pen = LengthPenalty.from_preset("dapo_overlong", count_tokens=count_len, max_len=100, cache_len=20)
        (score,) = pen([rollout(length)])
        assert score.value == pytest.approx(expected), why
        assert score.valid and score.confidence == 1.0

    def test_preset_uses_dapo_paper_budget_in_tokens(self):
        cfg = LENGTH_PRESETS["dapo_overlong"]
        assert (cfg.unit, cfg.max_len, cfg.cache_len, cfg.p_max, cfg.gating) == ("tokens", 20480, 4096, 1.0, "always")

    def test_needs_no_correctness(self):
        # DAPO punishes length alone: a wrong and a correct rollout of 90 tokens get the same -0.5
        pen = LengthPenalty.from_preset("dapo_overlong", count_tokens=count_len, max_len=100, cache_len=20)
        assert values(pen([rollout(90, True), rollout(90, False), rollout(90)], [0, 0, 0])) == [-0.5] * 3

    def test_zero_cache_is_a_hard_cut(self):
        # L_cache = 0: nothing up to L_max, -p_max after
        assert soft_overlong_penalty(100, 100, 0) == 0.0
        assert soft_overlong_penalty(101, 100, 0) == -1.0

    def test_without_token_counter_construction_fails(self):
        with pytest.raises(ValueError, match="count_tokens"):
            LengthPenalty.from_preset("dapo_overlong")


class TestKimi:
    # lengths 10, 20, 30, 15 in one group: min 10, max 30, lam = 0.5 - (L - 10) / 20
    @pytest.mark.parametrize(
        ("length", "correct", "expected", "why"),
        [
            (10, True, 0.5, "shortest correct: lam = 0.5 - 0/20 = 0.5"),
            (30, True, -0.5, "longest correct: lam = 0.5 - 20/20 = -0.5"),
            (20, True, 0.0, "middle correct: lam = 0.5 - 10/20 = 0"),
            (15, False, 0.0, "short wrong: min(0, 0.5 - 5/20 = 0.25) = 0"),
            (25, False, -0.25, "long wrong: min(0, 0.5 - 15/20 = -0.25) = -0.25"),
        ],
    )
    def test_table(self, length, correct, expected, why):
        group = [rollout(10, False), rollout(30, False), rollout(length, correct)]
        scores = LengthPenalty.from_preset("kimi")(group, [7, 7, 7])
        assert scores[2].value == pytest.approx(expected), why

    def test_all_lengths_equal_gives_zero_with_reason(self):
        scores = LengthPenalty.from_preset("kimi")([rollout(12, True), rollout(12, False)], [0, 0])
        assert values(scores) == [0.0, 0.0]
        assert scores[0].info["reason"] == "all lengths equal in group"

    def test_min_max_is_per_group(self):
        # group a: 10..20, group b: 100..300; the 20-char rollout is the longest of a -> -0.5
        batch = [rollout(10, True), rollout(20, True), rollout(100, True), rollout(300, True), rollout(200, True)]
        got = values(LengthPenalty.from_preset("kimi")(batch, ["a", "a", "b", "b", "b"]))
        # b: lam(200) = 0.5 - (200 - 100) / 200 = 0
        assert got == pytest.approx([0.5, -0.5, 0.5, -0.5, 0.0])


class TestCosine:
    # open-r1 defaults: L_max = 1000 chars; correct (0.5, 1.0); wrong swapped: -1.0 short, -0.5 long
    @pytest.mark.parametrize(
        ("length", "correct", "expected", "why"),
        [
            (0, True, 1.0, "cos(0) = 1: 0.5 + 0.5 * (1 + 1) / 2 = 1.0"),
            (500, True, 0.75, "cos(pi/2) = 0: 0.5 + 0.5 * 1/2 = 0.75 (TRL's doc example)"),
            (1000, True, 0.5, "cos(pi) = -1: 0.5 + 0.5 * 0 = 0.5"),
            (250, True, 0.5 + 0.5 * (1 + math.sqrt(0.5)) / 2, "cos(pi/4) = sqrt(1/2): 0.5 + 0.25 * 1.7071 = 0.9268"),
            (0, False, -1.0, "wrong, swapped: -0.5 + (-1.0 - -0.5) * 1 = -1.0, short wrong punished most"),
            (500, False, -0.75, "-0.5 + (-0.5) * 1/2 = -0.75 (TRL's doc example)"),
            (1000, False, -0.5, "-0.5 + (-0.5) * 0 = -0.5, long wrong punished least"),
            (2000, True, 0.5, "past L_max progress is clamped to 1 (TRL): stays 0.5"),
        ],
    )
    def test_table(self, length, correct, expected, why):
        (score,) = LengthPenalty.from_preset("cosine")([rollout(length, correct)])
        assert score.value == pytest.approx(expected), why

    def test_unclamped_reproduces_open_r1_original(self):
        # open-r1 does not clamp: L = 2 L_max gives cos(2 pi) = 1, back to the short-length value 1.0
        pen = LengthPenalty.from_preset("cosine", clip_progress=False)
        assert pen([rollout(2000, True)])[0].value == pytest.approx(1.0)

    def test_is_per_sample(self):
        # no group gating: a lone wrong rollout still gets its cosine value
        assert LengthPenalty.from_preset("cosine")([rollout(1000, False)])[0].value == pytest.approx(-0.5)


class TestHarmo:
    # correct lengths 100 and 140 -> L_ref = 120; tau = 0.2, P_max = 0.5
    @pytest.mark.parametrize(
        ("length", "correct", "expected", "why"),
        [
            (120, True, 0.0, "d = 0: inside the band"),
            (144, False, 0.0, "d = 24/120 = 0.2 = tau: the band is closed"),
            (96, False, 0.0, "d = 24/120 = 0.2 below: two-sided band, still free"),
            (156, False, -0.1, "d = 36/120 = 0.3: -(0.3 - 0.2) = -0.1"),
            (60, True, -0.3, "d = 60/120 = 0.5 short: -(0.5 - 0.2) = -0.3, short answers punished too"),
            (240, False, -0.5, "d = 1.0: -min(0.5, 0.8) = -0.5, capped at P_max"),
            (0, False, -0.5, "empty answer: d = 1.0, capped"),
        ],
    )
    def test_table(self, length, correct, expected, why):
        if correct:
            # the tested rollout counts in L_ref: companions 240 - L and 120 keep the mean at 120
            others = [rollout(240 - length, True), rollout(120, True)]
        else:
            others = [rollout(100, True), rollout(140, True)]
        group = [*others, rollout(length, correct)]
        scores = LengthPenalty.from_preset("harmo")(group, [1, 1, 1])
        assert scores[2].value == pytest.approx(expected), why
        assert scores[2].info["ref_length"] == pytest.approx(120.0)

    def test_group_without_correct_rollout_is_off_with_reason(self):
        scores = LengthPenalty.from_preset("harmo")([rollout(10, False), rollout(500, False)], [0, 0])
        assert values(scores) == [0.0, 0.0]
        assert all(s.valid and s.info["reason"] == "no correct rollout in group" for s in scores)

    def test_defaults_are_documented_values(self):
        cfg = LENGTH_PRESETS["harmo"]
        assert (cfg.tau, cfg.p_max, cfg.reference, cfg.gating, cfg.sides) == (
            0.2, 0.5, "group_correct_mean", "group_has_correct", "both"
        )

    def test_tau_and_p_max_are_configurable(self):
        # tau = 0, P_max = 2: L = 240 vs L_ref = 120 -> d = 1 -> -min(2, 1) = -1
        pen = LengthPenalty.from_preset("harmo", tau=0.0, p_max=2.0)
        assert pen([rollout(120, True), rollout(240, False)], [0, 0])[1].value == pytest.approx(-1.0)

    @pytest.mark.parametrize(
        ("sides", "length", "expected", "why"),
        [
            ("longer", 60, 0.0, "one-sided (longer): short answers are not punished"),
            ("longer", 180, -0.3, "d = 60/120 = 0.5 long: -(0.5 - 0.2)"),
            ("shorter", 180, 0.0, "one-sided (shorter): long answers are not punished"),
            ("shorter", 60, -0.3, "d = 0.5 short: -(0.5 - 0.2)"),
        ],
    )
    def test_one_sided(self, sides, length, expected, why):
        pen = LengthPenalty.from_preset("harmo", sides=sides)
        assert pen([rollout(120, True), rollout(length, False)], [0, 0])[1].value == pytest.approx(expected), why

    def test_groups_are_independent(self):
        # group 0 has a correct 100-char rollout; group 1 none: its 300-char rollout is not punished
        batch = [rollout(100, True), rollout(300, False), rollout(300, False)]
        got = LengthPenalty.from_preset("harmo")(batch, [0, 0, 1])
        assert values(got) == [0.0, -0.5, 0.0]

    def test_wrong_mode_zero_only_touches_wrong_rollouts(self):
        pen = LengthPenalty.from_preset("harmo", wrong_mode="zero")
        scores = pen([rollout(100, True), rollout(300, False), rollout(60, True)], [0, 0, 0])
        # L_ref = 80: correct 100 -> d = 0.25 -> -0.05; correct 60 -> d = 0.25 -> -0.05; wrong off
        assert values(scores) == pytest.approx([-0.05, 0.0, -0.05])
        assert scores[1].info["reason"].startswith("wrong rollout")


class TestCorrectnessSources:
    def test_argument_overrides_metadata(self):
        pen = LengthPenalty.from_preset("harmo")
        batch = [rollout(100, False), rollout(200, True)]
        # metadata: L_ref = 200 -> the 100-char one is short by 0.5 -> -0.3
        assert values(pen(batch, [0, 0])) == pytest.approx([-0.3, 0.0])
        # argument says the other way round: L_ref = 100 -> the 200-char one: d = 1 -> -0.5
        assert values(pen.score_with_correctness(batch, [0, 0], [True, False])) == pytest.approx([0.0, -0.5])

    def test_none_in_argument_falls_back_to_metadata(self):
        pen = LengthPenalty.from_preset("harmo")
        batch = [rollout(100, True), rollout(200)]
        assert values(pen.score_with_correctness(batch, [0, 0], [None, None])) == pytest.approx([0.0, -0.5])

    @pytest.mark.parametrize(
        ("flag", "is_correct", "why"),
        [
            (1.0, True, "an accuracy score of 1.0 counts as correct"),
            (0.0, False, "an accuracy score of 0.0 counts as wrong"),
            ("yes", None, "a string is not a correctness flag"),
            (float("nan"), None, "NaN is unknown"),
        ],
    )
    def test_metadata_flag_forms(self, flag, is_correct, why):
        pen = LengthPenalty.from_preset("harmo")
        batch = [Sample(completion="x" * 100), Sample(completion="x" * 300, metadata={"correct": flag})]
        scores = pen(batch, [0, 0])
        if is_correct is None:
            assert scores[1].info["reason"] == "correctness unknown for the whole group", why
        elif is_correct:
            # L_ref = 300; the unflagged 100-char one: d = 200/300 = 2/3 -> -(2/3 - 0.2) = -0.4667
            assert scores[0].value == pytest.approx(-(2 / 3 - 0.2)), why
        else:
            assert scores[1].info["reason"] == "no correct rollout in group", why

    def test_unknown_correctness_of_whole_group_has_zero_confidence(self):
        scores = LengthPenalty.from_preset("harmo")([rollout(10), rollout(99)], [0, 0])
        assert values(scores) == [0.0, 0.0]
        assert [s.confidence for s in scores] == [0.0, 0.0]

    def test_unknown_correctness_of_one_rollout_under_swap(self):
        scores = LengthPenalty.from_preset("cosine")([rollout(500, True), rollout(500)], [0, 0])
        assert scores[0].value == pytest.approx(0.75)
        assert (scores[1].value, scores[1].confidence, scores[1].info["reason"]) == (0.0, 0.0, "correctness unknown")

    def test_length_mismatch_of_correct_argument(self):
        with pytest.raises(ValueError, match="correctness flags"):
            LengthPenalty().score_with_correctness([rollout(1)], None, [True, False])


class TestUnitsAndLengths:
    def test_words(self):
        pen = LengthPenalty.from_preset("harmo", unit="words")
        batch = [Sample(completion="a b c d", metadata={"correct": True}), Sample(completion="a  b\nc d e f g h")]
        # 4 words vs 8 words: d = 1 -> capped -0.5; chars would differ (the second has 15 chars)
        scores = pen(batch, [0, 0])
        assert [s.info["length"] for s in scores] == [4.0, 8.0]
        assert scores[1].value == pytest.approx(-0.5)

    def test_count_tokens_callable(self):
        pen = LengthPenalty.from_preset("dapo_overlong", count_tokens=lambda t: len(t.split()), max_len=4, cache_len=2)
        # 3 words: on the ramp (2 - 3) / 2 = -0.5
        assert pen([Sample(completion="one two three")])[0].value == pytest.approx(-0.5)

    def test_length_key_wins_and_takes_id_lists(self):
        pen = LengthPenalty.from_preset("dapo_overlong", length_key="completion_ids", max_len=100, cache_len=20)
        s = Sample(completion="short", metadata={"completion_ids": list(range(90))})
        assert pen([s])[0].value == pytest.approx(-0.5)  # 90 ids: (80 - 90) / 20

    def test_missing_length_key_without_counter_is_invalid(self):
        pen = LengthPenalty.from_preset("dapo_overlong", length_key="n_tokens", max_len=100, cache_len=20)
        (score,) = pen([Sample(completion="abc")])
        assert not score.valid and score.info["reason"] == "length unavailable"

    def test_failing_counter_gives_invalid_not_crash(self):
        def boom(text: str) -> int:
            raise RuntimeError("tokenizer broke")

        pen = LengthPenalty.from_preset("dapo_overlong", count_tokens=boom, max_len=100, cache_len=20)
        (score,) = pen([rollout(5)])
        assert not score.valid and "tokenizer broke" in score.info["error"]

    def test_hf_tokenizer_path_loaded_lazily(self, tmp_path, monkeypatch):
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        tokenizers = pytest.importorskip("tokenizers")
        transformers = pytest.importorskip("transformers")
        vocab = {"[UNK]": 0, "a": 1, "b": 2}
        tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
        tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
        transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(tmp_path)
        pen = LengthPenalty.from_preset(
            "dapo_overlong", tokenizer=str(tmp_path), max_len=4, cache_len=2
        )
        assert pen._tokenizer is None  # nothing loaded at construction
        # "a b a" = 3 tokens: (2 - 3) / 2 = -0.5
        assert pen([Sample(completion="a b a")])[0].value == pytest.approx(-0.5)
        assert pen._tokenizer is not None
        clone = pickle.loads(pickle.dumps(pen))  # the loaded tokenizer is dropped, then reloaded
        assert clone._tokenizer is None
        assert clone([Sample(completion="a b a")])[0].value == pytest.approx(-0.5)


class TestConfigValidation:
    @pytest.mark.parametrize(
        ("overrides", "field", "why"),
        [
            ({"tau": -0.1}, "tau", "a negative band makes no sense"),
            ({"p_max": 0.0}, "p_max", "a zero cap switches the penalty off silently"),
            ({"unit": "bytes"}, "unit", "unknown unit"),
            ({"shape": "quadratic"}, "shape", "unknown shape"),
            ({"reference": "median"}, "reference", "unknown reference"),
            ({"gating": "sometimes"}, "gating", "unknown gating"),
            ({"sides": "left"}, "sides", "unknown side"),
            ({"wrong_mode": "flip"}, "wrong_mode", "unknown wrong mode"),
            ({"shape": "soft_overlong", "reference": "fixed", "max_len": 10, "cache_len": 20}, "cache_len",
             "L_cache > L_max"),
            ({"reference": "fixed"}, "max_len", "fixed reference without a max_len"),
            ({"max_len": -5}, "max_len", "negative budget"),
            ({"cache_len": -1}, "cache_len", "negative cache"),
            ({"shape": "soft_overlong"}, "reference", "soft_overlong needs a fixed budget"),
            ({"wrong_mode": "swap"}, "wrong_mode", "swapping ranges has no meaning for a band penalty"),
            ({"correct_range": (1.0,)}, "correct_range", "a range is a pair"),
            ({"wrong_range": (0.0, float("inf"))}, "wrong_range", "ranges must be finite"),
        ],
    )
    def test_bad_values_name_the_field(self, overrides, field, why):
        with pytest.raises(ValueError, match=field):
            LengthPenaltyConfig(**overrides)

    def test_unknown_preset(self):
        with pytest.raises(ValueError, match="unknown length preset"):
            LengthPenalty.from_preset("nope")

    def test_unknown_override_field(self):
        with pytest.raises(ValueError, match="taux"):
            LengthPenalty.from_preset("harmo", taux=0.1)

    def test_lists_from_yaml_become_tuples(self):
        cfg = LengthPenaltyConfig(correct_range=[0, 1])
        assert cfg.correct_range == (0.0, 1.0)
        with pytest.raises(dataclasses.FrozenInstanceError):
            cfg.tau = 1.0  # type: ignore[misc]

    def test_every_preset_is_a_valid_config(self):
        assert set(LENGTH_PRESETS) >= {"dapo_overlong", "kimi", "cosine", "harmo"}
        for name, cfg in LENGTH_PRESETS.items():
            assert dataclasses.replace(cfg) == cfg, name


class TestComponent:
    def test_picklable(self):
        pen = LengthPenalty.from_preset("dapo_overlong", count_tokens=count_len, max_len=100, cache_len=20)
        clone = pickle.loads(pickle.dumps(pen))
        assert values(clone([rollout(90)])) == [-0.5]

    def test_name_and_custom_name(self):
        assert LengthPenalty().name == "length"
        assert LengthPenalty.from_preset("kimi", name="kimi_len").name == "kimi_len"

    def test_inputs_not_mutated(self):
        batch = [rollout(100, True), rollout(300, False)]
        before = [dict(s.metadata) for s in batch]
        LengthPenalty()(batch, [0, 0])
        assert [dict(s.metadata) for s in batch] == before

    def test_group_length_mismatch_rejected(self):
        with pytest.raises(ValueError, match="group ids"):
            LengthPenalty()([rollout(1)], [0, 0])

    def test_band_penalty_function_directly(self):
        # L = 150, L_ref = 100: d = 0.5 -> -(0.5 - 0.2) = -0.3
        assert band_penalty(150, 100, 0.2, 0.5) == pytest.approx(-0.3)
