"""The synthetic task suite: determinism, disjoint splits, columns, answers correct by construction
(recomputed from the drawn scene, not from the generator's answer), images, corpus, speed."""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import pytest
from datasets import DatasetDict

from hymar.data.synthetic import (
    DOMAINS,
    TASK_OF_DOMAIN,
    VERIFIABLE_DOMAINS,
    build_task_suite,
    task_corpus,
)
from hymar.data.synthetic.render import COLOURS, SHAPES
from hymar.data.synthetic.suite import generate_problems, holdout_key, split_of
from hymar.rewards.aspects.adherence import InstructionAdherence
from hymar.rewards.aspects.constraints import parse_constraints
from hymar.rewards.rules.choice import parse_options
from hymar.rewards.rules.verifier import verify
from hymar.rewards.types import Sample, prompt_to_text

N_TRAIN, N_TEST = 60, 30


@pytest.fixture(scope="module")
def suite() -> DatasetDict:
    return build_task_suite(N_TRAIN, N_TEST, seed=7)


def rows(suite: DatasetDict, split: str) -> list[dict]:
    return list(suite[split])


def text_of(row: dict) -> str:
    return prompt_to_text(row["prompt"])


# --- shape and determinism --------------------------------------------------------------------


def test_columns_and_split_sizes(suite):
    expected = ["id", "domain", "task", "prompt", "image", "answer", "reference", "demonstration", "metadata_json"]
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        assert suite[split].column_names == expected
        assert suite[split].num_rows == n


def test_every_domain_present_with_its_task_in_both_splits(suite):
    for split in ("train", "test"):
        counts = Counter(r["domain"] for r in suite[split].select_columns(["domain"]))
        assert set(counts) == set(DOMAINS), split
        assert max(counts.values()) - min(counts.values()) <= 1, "rows cycle through the domains"
        for row in suite[split].select_columns(["domain", "task"]):
            assert row["task"] == TASK_OF_DOMAIN[row["domain"]]


def test_prompt_is_one_user_message_with_image_then_text(suite):
    for row in suite["train"].select_columns(["prompt"]):
        (message,) = row["prompt"]
        assert message["role"] == "user"
        assert [p["type"] for p in message["content"]] == ["image", "text"]
        assert "<answer></answer>" in message["content"][1]["text"], "every prompt asks for the answer format"


def test_verifiable_rows_have_answer_open_rows_have_reference(suite):
    for row in rows(suite, "train"):
        if row["domain"] in VERIFIABLE_DOMAINS:
            assert row["answer"] and row["reference"] is None
        else:
            assert row["answer"] is None and row["reference"]


def test_same_seed_same_rows_and_images():
    a = build_task_suite(10, 5, seed=3)
    b = build_task_suite(10, 5, seed=3)
    for split in ("train", "test"):
        assert a[split].to_dict() == b[split].to_dict()  # images compared as PNG bytes


def test_other_seed_other_rows():
    a = build_task_suite(10, 0, seed=3)["train"]["metadata_json"]
    b = build_task_suite(10, 0, seed=4)["train"]["metadata_json"]
    assert sum(x != y for x, y in zip(a, b, strict=True)) >= 8


def test_prefix_stable_when_asking_for_more_rows():
    small = generate_problems("train", 6, seed=1, domains=list(DOMAINS))
    large = generate_problems("train", 20, seed=1, domains=list(DOMAINS))
    assert large[:6] == small


def test_same_scene_at_both_image_sizes():
    a = build_task_suite(5, 0, seed=2, image_size=56)["train"]
    b = build_task_suite(5, 0, seed=2, image_size=112)["train"]
    assert a["metadata_json"] == b["metadata_json"]
    assert {im.size for im in a["image"]} == {(56, 56)}
    assert {im.size for im in b["image"]} == {(112, 112)}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"n_train": -1, "n_test": 1}, "negative size"),
        ({"n_train": 1, "n_test": 1, "image_size": 8}, "too small to draw"),
        ({"n_train": 1, "n_test": 1, "domains": ["poetry"]}, "unknown domain"),
        ({"n_train": 1, "n_test": 1, "holdout": "image"}, "unknown holdout"),
    ],
)
def test_bad_arguments(kwargs, reason):
    with pytest.raises(ValueError):
        build_task_suite(**kwargs)


def test_domain_subset():
    ds = build_task_suite(4, 2, domains=["chart", "choice"])
    assert set(ds["train"]["domain"]) == {"chart", "choice"}


# --- disjoint splits --------------------------------------------------------------------------


@pytest.mark.parametrize("holdout", ["scene", "problem"])
def test_splits_disjoint_by_key(holdout):
    train = generate_problems("train", 200, seed=0, domains=list(DOMAINS), holdout=holdout)
    test = generate_problems("test", 100, seed=0, domains=list(DOMAINS), holdout=holdout)
    assert all(split_of(p, holdout) == "train" for p in train)
    assert all(split_of(p, holdout) == "test" for p in test)
    assert not {holdout_key(p, holdout) for p in train} & {holdout_key(p, holdout) for p in test}


def test_no_example_in_both_splits(suite):
    def keys(split):
        return {(text_of(r), r["metadata_json"]) for r in suite[split].select_columns(["prompt", "metadata_json"])}

    assert not keys("train") & keys("test")


def test_problem_holdout_asks_new_questions_in_test():
    train = {p.problem_key for p in generate_problems("train", 300, 0, ["arithmetic"], holdout="problem")}
    test = {p.problem_key for p in generate_problems("test", 50, 0, ["arithmetic"], holdout="problem")}
    assert test and not train & test


# --- correct by construction ------------------------------------------------------------------


def scene_of(row: dict) -> list[dict]:
    return json.loads(row["metadata_json"])["scene"]


def expected_counting(row: dict) -> str:
    """Count the drawn shapes of the colour and shape the question names."""
    question = text_of(row)
    colour = next(c for c in COLOURS if re.search(rf"\b{c}\b", question))
    kind = next(s for s in SHAPES if re.search(rf"\b{s}s\b", question))
    return str(sum(1 for p in scene_of(row) if p["kind"] == kind and p["colour"] == colour))


def expected_arithmetic(row: dict) -> str:
    """Read the two drawn digits left to right and apply the operation the question asks for."""
    left, right = (int(p["text"]) for p in sorted(scene_of(row), key=lambda p: p["cx"]))
    question = text_of(row)
    if "sum" in question:
        return str(left + right)
    if "minus" in question:
        return str(left - right)
    assert "product" in question
    return str(left * right)


def expected_chart(row: dict) -> str:
    """Read bar heights from the drawn rectangles; labels must match the heights."""
    scene = scene_of(row)
    bars = [p for p in scene if p["kind"] == "rect" and p["colour"] != "black"]
    labels = sorted((p for p in scene if p["kind"] == "text"), key=lambda p: p["cx"])
    heights = {b["colour"]: b["y1"] - b["y0"] for b in bars}
    values = {b["colour"]: int(lab["text"]) for b, lab in zip(sorted(bars, key=lambda b: b["x0"]), labels, strict=True)}
    unit = max(heights.values()) / max(values.values())
    for colour, value in values.items():
        assert heights[colour] == pytest.approx(value * unit, abs=1e-3), "bar height matches its label"
    question = text_of(row)
    asked = re.search(r"value of the (\w+) bar", question)
    if asked:
        return str(values[asked.group(1)])
    return str(max(values.values()) - min(values.values()))


def expected_choice(row: dict) -> str:
    """Pick the option that is true of the drawn shapes."""
    scene, question = scene_of(row), text_of(row)
    if "largest" in question:
        largest = max(scene, key=lambda p: p["r"])
        assert sorted(p["r"] for p in scene)[-2:] != [largest["r"]] * 2
        truth = largest["colour"]
    else:
        colour = re.search(r"What shape is the (\w+) object", question).group(1)
        truth = next(p["kind"] for p in scene if p["colour"] == colour)
    options = parse_options(question)
    return next(letter for letter, text in options.items() if text == truth)


def expected_describe(row: dict) -> str:
    """Name the drawn shapes left to right."""
    objects = sorted(scene_of(row), key=lambda p: p["cx"])
    named = " and ".join(f"a {p['colour']} {p['kind']}" for p in objects)
    return named[0].upper() + named[1:] + " on a white background."


EXPECTED = {
    "counting": expected_counting,
    "arithmetic": expected_arithmetic,
    "chart": expected_chart,
    "choice": expected_choice,
    "describe": expected_describe,
}


@pytest.mark.parametrize("split", ["train", "test"])
def test_gold_matches_what_is_drawn(suite, split):
    for row in rows(suite, split):
        gold = row["reference"] if row["domain"] == "describe" else row["answer"]
        assert gold == EXPECTED[row["domain"]](row), row["id"]


def test_counting_answer_matches_generator_facts(suite):
    for row in rows(suite, "train"):
        if row["domain"] == "counting":
            facts = json.loads(row["metadata_json"])["facts"]
            assert row["answer"] == str(facts["count"]) and 1 <= facts["count"] <= 5


@pytest.mark.parametrize("split", ["train", "test"])
def test_demonstrations_verify(suite, split):
    for row in rows(suite, split):
        if row["domain"] not in VERIFIABLE_DOMAINS:
            continue
        score = verify(row["demonstration"], row["answer"], task=row["task"], prompt=text_of(row))
        assert (score.value, score.confidence) == (1.0, 1.0), (row["id"], score)


def test_demonstrations_follow_every_stated_instruction(suite):
    adherence = InstructionAdherence()
    for row in rows(suite, "train") + rows(suite, "test"):
        sample = Sample(prompt=row["prompt"], completion=row["demonstration"], task=row["task"])
        score = adherence.score_one(sample)
        assert score.value == 1.0, (row["id"], score)


@pytest.mark.parametrize(
    ("domain", "field", "value", "reason"),
    [
        ("choice", "answer_form", "letter", "'Answer with the option's letter.' is stated on most choice prompts"),
        ("counting", "answer_form", "number", "'Answer with a number.' on about half the numeric prompts"),
        ("describe", "max_sentences", 1, "'in one sentence'"),
        ("describe", "max_words", 12, "'in at most 12 words'"),
    ],
)
def test_prompts_state_constraints_the_aspects_recognise(domain, field, value, reason):
    ds = build_task_suite(100, 0, seed=0, domains=[domain])["train"]
    found = [getattr(parse_constraints(text_of(r)), field) for r in ds.select_columns(["prompt"])]
    assert value in found, reason


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize("image_size", [56, 112])
def test_images_have_configured_size_and_named_colours(image_size):
    ds = build_task_suite(10, 0, seed=5, image_size=image_size)["train"]
    for row in ds:
        image = row["image"]
        assert image.size == (image_size, image_size) and image.mode == "RGB"
        pixels = {colour for _, colour in image.getcolors(image_size * image_size)}
        for item in scene_of(row):
            if item["colour"] in COLOURS:
                assert COLOURS[item["colour"]] in pixels, (row["id"], item)


# --- corpus and speed -------------------------------------------------------------------------


def test_task_corpus_covers_prompts_demonstrations_references(suite):
    corpus = list(task_corpus(suite))
    first = suite["train"][0]
    assert text_of(first) in corpus
    assert first["demonstration"] in corpus
    assert any(r and r in corpus for r in suite["test"]["reference"])
    assert any("weather" in t for t in corpus), "perturbation vocabulary is included"
    assert next(iter(task_corpus(suite["train"]))) == text_of(first), "a single Dataset works too"


def test_thousand_examples_well_under_ten_seconds():
    start = time.perf_counter()
    build_task_suite(800, 200, seed=11)
    assert time.perf_counter() - start < 10.0
