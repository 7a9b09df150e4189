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
    """Count the drawn shapes."""
    assert text_of(row).startswith("How many shapes are there?")
    return str(sum(1 for p in scene_of(row) if p["kind"] in SHAPES))


def expected_arithmetic(row: dict) -> str:
    """Read the two drawn digits left to right and add them."""
    left, right = (int(p["text"]) for p in sorted(scene_of(row), key=lambda p: p["cx"]))
    assert "sum" in text_of(row)
    return str(left + right)


def expected_chart(row: dict) -> str:
    """Read bar heights from the drawn rectangles (whole units of the same size) and take the tallest."""
    heights = sorted(p["y1"] - p["y0"] for p in scene_of(row) if p["kind"] == "rect")
    assert len(heights) == 3 and len(set(heights)) == 3, "three bars of distinct heights"
    unit = 0.85 / 6
    values = [h / unit for h in heights]
    assert all(v == pytest.approx(round(v), abs=1e-2) for v in values), "heights are whole units"
    assert "tallest" in text_of(row)
    return str(round(values[-1]))


def expected_choice(row: dict) -> str:
    """Pick the option that is true of the one drawn shape."""
    (drawn,) = scene_of(row)
    question = text_of(row)
    truth = drawn["colour"] if question.startswith("What colour") else drawn["kind"]
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


def test_counted_shapes_sit_one_per_cell_of_the_token_grid(suite):
    # at 84 px each 28-px image token is one cell of the 3x3 grid: the shapes never share or straddle one
    for row in rows(suite, "train"):
        if row["domain"] != "counting":
            continue
        cells = set()
        for p in scene_of(row):
            col, line = int(p["cx"] * 3), int(p["cy"] * 3)
            assert p["cx"] - p["r"] >= col / 3 and p["cx"] + p["r"] <= (col + 1) / 3, row["id"]
            assert p["cy"] - p["r"] >= line / 3 and p["cy"] + p["r"] <= (line + 1) / 3, row["id"]
            cells.add((col, line))
        assert len(cells) == len(scene_of(row))


def test_choice_options_keep_one_order():
    # a tiny policy does not learn to look an answer up in a shuffled option list (issue 8)
    ds = build_task_suite(60, 0, seed=1, domains=["choice"])["train"]
    listings = {tuple(parse_options(text_of(r)).values()) for r in ds.select_columns(["prompt"])}
    assert listings <= {("blue", "green", "purple", "red"), ("green", "purple", "red", "yellow"), ("circle", "square", "triangle")}
    assert len(listings) >= 2


def test_answers_are_spread_over_their_range():
    # no answer so frequent that a blank image could score by guessing it
    ds = build_task_suite(400, 0, seed=2, domains=["counting", "arithmetic", "chart"])["train"]
    for domain in ("counting", "arithmetic", "chart"):
        answers = Counter(a for a, d in zip(ds["answer"], ds["domain"], strict=True) if d == domain)
        assert max(answers.values()) / sum(answers.values()) <= 0.4, (domain, answers)


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
