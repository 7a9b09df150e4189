"""InstructionAdherence (aggregation), score_aspects, and picklability of every aspect."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hymar.rewards.aspects import InstructionAdherence, score_aspects
from hymar.rewards.aspects.adherence import DEFAULT_ASPECTS, combine
from hymar.rewards.registry import aspect_names, build_component
from hymar.rewards.types import Sample, Score

SAMPLES = [
    Sample(prompt="Answer with a single word.", completion="<think>Capital city.</think><answer>Paris</answer>"),
    Sample(prompt="Answer in at most 4 words. Respond in French.", completion="<think>r</think><answer>Le chat est sur la table</answer> ok"),
    Sample(prompt="Include the words apple and pear. Think step by step.", completion="An apple."),
    Sample(prompt=r"Put your final answer within \boxed{}.", completion=r"2+2 is \boxed{4}"),
    Sample(prompt="Respond in JSON.", completion='<think>x</think><answer>{"a": 1}</answer>'),
]


def test_score_aspects_keys_and_values():
    scores = score_aspects(SAMPLES[1])
    assert list(scores) == list(DEFAULT_ASPECTS)
    assert scores["length_limit"].value == pytest.approx(0.5)  # 6 words vs 4: 50% over
    assert scores["language"].value == 1.0
    assert scores["format"].info["failed"] == ["nothing_after_answer"]
    assert scores["keywords"].value is None  # nothing stated


def test_mean_of_applicable():
    # reason: format 7/8, length 0.5, language 1.0 apply; the rest drop out
    score = InstructionAdherence().score_one(SAMPLES[1])
    assert score.value == pytest.approx((7 / 8 + 0.5 + 1.0) / 3)
    assert score.info["length_limit"] == pytest.approx(0.5) and score.info["keywords"] is None


def test_weights():
    adherence = InstructionAdherence(weights={"format": 3.0})
    score = adherence.score_one(SAMPLES[1])
    assert score.value == pytest.approx((3 * 7 / 8 + 0.5 + 1.0) / 5)


def test_zero_weight_removes_an_aspect():
    score = InstructionAdherence(weights={"format": 0}).score_one(SAMPLES[0])
    assert score.value == 1.0  # answer form only


def test_subset_and_kwargs():
    adherence = InstructionAdherence(aspects=["format"], aspect_kwargs={"format": {"style": "boxed"}})
    assert adherence.score_one(SAMPLES[3]).value == 1.0
    assert adherence.aspects == ("format",)


def test_bad_constraints_column_is_invalid():
    score = InstructionAdherence().score_one(Sample(completion="x", constraints={"bogus": 1}))
    assert not score.valid and "bogus" in score.info["invalid"]["format"]


CONFIG_ERRORS = [
    ({"aspects": []}, ValueError, "at least one", "empty"),
    ({"aspects": "format"}, TypeError, "list", "a string is not a list"),
    ({"aspects": ["format", "format"]}, ValueError, "duplicate", "duplicate"),
    ({"aspects": ["adherence"]}, ValueError, "itself", "recursive"),
    ({"aspects": ["formt"]}, KeyError, "did you mean", "typo"),
    ({"weights": {"keywords": -1}}, ValueError, "non-negative", "negative weight"),
    ({"aspects": ["format"], "weights": {"language": 1}}, ValueError, "language", "weight for an absent aspect"),
    ({"aspect_kwargs": {"format": {"style": "x"}}}, ValueError, "style", "bad nested kwargs"),
]


@pytest.mark.parametrize(("kwargs", "error", "match", "reason"), CONFIG_ERRORS, ids=[c[3] for c in CONFIG_ERRORS])
def test_config_errors(kwargs, error, match, reason):
    with pytest.raises(error, match=match):
        InstructionAdherence(**kwargs)


COMBINE = [
    ({"a": Score(1.0), "b": Score(0.0)}, 0.5, 1.0, True, "plain mean"),
    ({"a": Score(1.0), "b": Score.not_applicable()}, 1.0, 1.0, True, "not applicable drops out"),
    ({"a": Score(1.0), "b": Score.invalid("x")}, 1.0, 0.5, True, "invalid drops out, halves confidence"),
    ({"a": Score.invalid("x")}, None, 0.0, False, "all invalid -> invalid"),
    ({"a": Score.not_applicable()}, None, 0.0, True, "nothing applies -> not applicable"),
]


@pytest.mark.parametrize(("scores", "value", "confidence", "valid", "reason"), COMBINE, ids=[c[4] for c in COMBINE])
def test_combine(scores, value, confidence, valid, reason):
    out = combine(scores, {})
    assert (out.value, out.confidence, out.valid) == (value, confidence, valid)


@pytest.mark.parametrize("name", [*aspect_names(), "adherence"])
def test_picklable_round_trip_same_scores(name):
    # reason: rollout workers spawn, so every component must survive pickling unchanged
    component = build_component(name)
    clone = pickle.loads(pickle.dumps(component))
    assert type(clone) is type(component)
    assert clone(SAMPLES) == component(SAMPLES)


def test_configured_adherence_picklable():
    adherence = InstructionAdherence(weights={"format": 2.0}, aspect_kwargs={"format": {"style": "boxed", "strict": True}})
    clone = pickle.loads(pickle.dumps(adherence))
    assert clone(SAMPLES) == adherence(SAMPLES) and clone.weights == {"format": 2.0}


def test_batch_call_one_score_per_sample():
    assert len(InstructionAdherence()(SAMPLES, groups=[0, 0, 1, 1, 2])) == len(SAMPLES)


_PIECES = st.sampled_from(
    ["<think>", "</think>", "<answer>", "</answer>", "\\boxed{", "}", "{", " ", "\n", ".", "word", "Le", "的",
     "at most 3 words", "include the word x", "Respond in French.", "Answer with a number.", "Respond in JSON.",
     "think step by step", "1", "[", "]", '"']
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(prompt=_TEXT, completion=_TEXT)
def test_never_raises_and_stays_in_range(prompt, completion):
    # reason: model output is untrusted; every aspect returns a Score in [0, 1] and never raises
    for name, score in score_aspects(Sample(prompt=prompt, completion=completion)).items():
        assert score.value is None or 0.0 <= score.value <= 1.0, (name, score)
    total = InstructionAdherence().score_one(Sample(prompt=prompt, completion=completion))
    assert total.value is None or 0.0 <= total.value <= 1.0
