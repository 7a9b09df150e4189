"""Controlled perturbations: each kind changes the text the way its table says and hurts the aspect
it names, as measured by hymar's own rules and aspects."""

from __future__ import annotations

import pickle
import random
import re

import pytest

from hymar.data.synthetic import build_task_suite
from hymar.data.synthetic.perturb import (
    ASPECTS,
    COMPLETION_PERTURBATIONS,
    REFERENCE_PERTURBATIONS,
    Perturbed,
    completion_kinds,
    perturb_answer,
    perturb_completion,
    perturb_reference,
    reference_kinds,
)
from hymar.rewards.aspects.adherence import InstructionAdherence
from hymar.rewards.aspects.format import FormatAspect
from hymar.rewards.aspects.length_limits import LengthLimitAspect
from hymar.rewards.aspects.text_stats import count_sentences, count_words
from hymar.rewards.rules.verifier import verify
from hymar.rewards.types import Sample, prompt_to_text

TWO = "A red circle and a blue square on a white background."
ONE = "A green triangle on a white background."
COLOURS = ("red", "green", "blue", "yellow", "purple")
SHAPES = ("circle", "square", "triangle")


def words(text: str, vocab: tuple[str, ...]) -> list[str]:
    return re.findall(r"\b(" + "|".join(vocab) + r")\b", text.lower())


@pytest.mark.parametrize(
    ("reference", "expected", "reason"),
    [
        (
            TWO,
            ["break_limits", "drop_object", "off_topic", "verbose_padding", "wrong_colour", "wrong_shape"],
            "two objects: all kinds",
        ),
        (
            ONE,
            ["break_limits", "off_topic", "verbose_padding", "wrong_colour", "wrong_shape"],
            "one object: nothing to drop",
        ),
        ("Nothing to see here.", ["break_limits", "off_topic", "verbose_padding"], "no colour or shape words"),
    ],
)
def test_reference_kinds(reference, expected, reason):
    assert reference_kinds(reference) == expected, reason


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reference", [TWO, ONE])
def test_wrong_colour_changes_exactly_one_colour(reference, seed):
    text, aspect = perturb_reference(reference, random.Random(seed), "wrong_colour")
    before, after = words(reference, COLOURS), words(text, COLOURS)
    assert aspect == "correctness"
    assert len(before) == len(after) and sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert words(text, SHAPES) == words(reference, SHAPES)
    assert text[0].isupper()


@pytest.mark.parametrize("seed", range(5))
def test_wrong_shape_changes_exactly_one_shape(seed):
    text, aspect = perturb_reference(TWO, random.Random(seed), "wrong_shape")
    before, after = words(TWO, SHAPES), words(text, SHAPES)
    assert aspect == "correctness"
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert words(text, COLOURS) == words(TWO, COLOURS)


@pytest.mark.parametrize(
    ("seed_picks_first", "expected", "reason"),
    [
        (True, "A blue square on a white background.", "dropping the first object re-capitalises the rest"),
        (False, "A red circle on a white background.", "dropping the second object removes its 'and'"),
    ],
)
def test_drop_object(seed_picks_first, expected, reason):
    results = {perturb_reference(TWO, random.Random(s), "drop_object") for s in range(20)}
    assert Perturbed(expected, "correctness") in results, reason
    assert len(results) == 2


def test_padding_is_longer_and_still_one_sentence():
    text, aspect = perturb_reference(TWO, random.Random(0), "verbose_padding")
    assert aspect == "conciseness"
    assert text.startswith(TWO[:-1]) and count_words(text) > count_words(TWO) + 5
    assert count_sentences(text) == 1


@pytest.mark.parametrize(
    "prompt",
    ["Describe the image in one sentence.", "Describe the image in at most 12 words."],
)
@pytest.mark.parametrize("reference", [TWO, ONE])
def test_break_limits_breaks_the_suite_limits(prompt, reference):
    text, aspect = perturb_reference(reference, random.Random(0), "break_limits")
    assert aspect == "adherence"
    aspect_score = LengthLimitAspect()
    assert aspect_score.score_one(Sample(prompt=prompt, completion=f"<answer>{reference}</answer>")).value == 1.0
    assert aspect_score.score_one(Sample(prompt=prompt, completion=f"<answer>{text}</answer>")).value < 1.0


def test_off_topic_names_no_colour_or_shape():
    text, aspect = perturb_reference(TWO, random.Random(1), "off_topic")
    assert aspect == "relevance" and not words(text, COLOURS) and not words(text, SHAPES)


@pytest.mark.parametrize(
    ("reference", "kind", "reason"),
    [
        (ONE, "drop_object", "only one object"),
        ("Nothing here.", "wrong_colour", "no colour word"),
        (TWO, "wrong_answer", "a completion kind, not a reference kind"),
    ],
)
def test_inapplicable_reference_kind_raises(reference, kind, reason):
    with pytest.raises(ValueError):
        perturb_reference(reference, random.Random(0), kind)


def test_same_rng_same_perturbation_and_all_aspects_valid():
    for seed in range(10):
        a = perturb_reference(TWO, random.Random(seed))
        assert a == perturb_reference(TWO, random.Random(seed))
        assert a.aspect in ASPECTS and a.text != TWO
    assert set(REFERENCE_PERTURBATIONS.values()) == set(ASPECTS)
    assert set(COMPLETION_PERTURBATIONS.values()) == set(ASPECTS)
    assert pickle.loads(pickle.dumps(Perturbed("x", "relevance"))) == ("x", "relevance")


@pytest.mark.parametrize(
    ("answer", "task", "prompt", "allowed", "reason"),
    [
        ("B", "choice", "Q?\nA. red\nB. blue\nC. green", {"A", "C"}, "only letters the prompt lists"),
        ("B", "choice", None, {"A", "C", "D"}, "no prompt: letters A-D"),
        ("0", "counting", None, {"1", "2", "3"}, "never negative for a non-negative gold"),
        ("5", "math", None, {"2", "3", "4", "6", "7", "8"}, "off by 1-3"),
    ],
)
def test_perturb_answer(answer, task, prompt, allowed, reason):
    seen = {perturb_answer(answer, task, random.Random(s), prompt=prompt) for s in range(40)}
    assert seen <= allowed and len(seen) >= 2, reason


# --- completions: every suite demonstration, every applicable kind --------------------------------


@pytest.fixture(scope="module")
def demos():
    return list(build_task_suite(40, 0, seed=3)["train"].remove_columns("image"))


def test_every_kind_hurts_its_aspect_on_suite_demonstrations(demos):
    adherence, fmt = InstructionAdherence(), FormatAspect()
    checked: set[tuple[str, str]] = set()
    for i, row in enumerate(demos):
        prompt = prompt_to_text(row["prompt"])
        kinds = completion_kinds(row["demonstration"], answer=row["answer"], task=row["task"], prompt=prompt)
        for kind in kinds:
            text, _ = perturb_completion(
                row["demonstration"], random.Random(i), answer=row["answer"], task=row["task"], prompt=prompt, kind=kind
            )
            assert text != row["demonstration"], (row["id"], kind)
            checked.add((row["domain"], kind))
            gold_score = verify(text, row["answer"], task=row["task"], prompt=prompt).value
            if kind == "wrong_answer":
                assert gold_score == 0.0, (row["id"], text)
            elif row["answer"] is not None:
                assert gold_score == 1.0, (row["id"], kind, text)  # only the targeted aspect changes
            if kind in ("wrong_form", "no_format"):
                sample = Sample(prompt=row["prompt"], completion=text, task=row["task"])
                assert adherence.score_one(sample).value < 1.0, (row["id"], kind, text)
            if kind == "no_format":
                assert fmt.score_one(Sample(completion=text)).value < 0.5
            if kind == "verbose_padding" or (kind == "off_topic" and row["answer"] is not None):
                final = re.search(r"<answer>(.*)</answer>", text).group(1)
                assert final == re.search(r"<answer>(.*)</answer>", row["demonstration"]).group(1)
                assert fmt.score_one(Sample(completion=text)).value == 1.0
            if kind == "verbose_padding":
                assert len(text) > len(row["demonstration"]) + 40
            if kind == "off_topic" and row["answer"] is None:
                final = re.search(r"<answer>(.*)</answer>", text).group(1)
                assert not re.search(r"\b(red|green|blue|yellow|purple|circle|square|triangle)\b", final)
    domains = {d for d, _ in checked}
    assert domains == {"counting", "arithmetic", "chart", "choice", "describe"}
    assert ("choice", "wrong_form") in checked and ("describe", "wrong_colour") in checked


@pytest.mark.parametrize(
    ("completion", "kwargs", "expected", "reason"),
    [
        (
            "<think>The numbers are 7 and 3. 7 + 3 = 10.</think><answer>10</answer>",
            {"answer": "10", "task": "math", "kind": "no_format"},
            "The numbers are 7 and 3. 7 + 3 = 10. The answer is 10.",
            "tags removed, the answer stated in words",
        ),
        (
            "<think>I see 3 red circles.</think><answer>3</answer>",
            {"answer": "3", "task": "counting", "prompt": "How many? Answer with a number.", "kind": "wrong_form"},
            "<think>I see 3 red circles.</think><answer>3 units</answer>",
            "a number with words after it breaks 'Answer with a number.'",
        ),
        (
            "<think>The largest shape is blue.</think><answer>B</answer>",
            {
                "answer": "B",
                "task": "choice",
                "prompt": "Q?\nA. red\nB. blue\nAnswer with the option's letter.",
                "kind": "wrong_form",
            },
            "<think>The largest shape is blue.</think><answer>blue</answer>",
            "choice: the option's text instead of its letter",
        ),
    ],
)
def test_completion_examples(completion, kwargs, expected, reason):
    assert perturb_completion(completion, random.Random(0), **kwargs).text == expected, reason


def test_wrong_answer_keeps_reasoning_consistent():
    demo = "<think>The numbers are 7 and 3. 7 + 3 = 10.</think><answer>10</answer>"
    text, aspect = perturb_completion(demo, random.Random(0), answer="10", task="math", kind="wrong_answer")
    wrong = re.search(r"<answer>(.*)</answer>", text).group(1)
    assert aspect == "correctness" and wrong != "10"
    assert f"= {wrong}." in text and "7 and 3" in text, "the last mention of the answer follows it"


@pytest.mark.parametrize(
    ("completion", "kwargs", "reason"),
    [
        ("just text, no tags", {"answer": "3"}, "no <answer> section"),
        (
            "<think>x</think><answer>A red circle.</answer>",
            {"kind": "wrong_answer"},
            "open task: no gold to be wrong about",
        ),
        (
            "<think>x</think><answer>3</answer>",
            {"answer": "3", "kind": "wrong_colour"},
            "reference kinds only for open tasks",
        ),
        (
            "<think>x</think><answer>3</answer>",
            {"answer": "3", "prompt": "How many?", "kind": "wrong_form"},
            "no answer form stated",
        ),
    ],
)
def test_inapplicable_completion_kind_raises(completion, kwargs, reason):
    with pytest.raises(ValueError):
        perturb_completion(completion, random.Random(0), **kwargs)
