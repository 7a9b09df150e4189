"""Benchmark row mappers: realistic rows (the real datasets' columns) -> hymar rows -> hymar's verifiers.

Each case maps a built-in example row (or a variant) with the benchmark's canonical column map and
grades a completion through `hymar.eval.evaluate.score_generations`, as `hymar eval` does.
"""

from __future__ import annotations

import json

import pytest
from datasets import Dataset

from hymar.data.benchmarks import get_mapper, mapper_names
from hymar.data.benchmarks.base import BenchmarkRowError
from hymar.data.benchmarks.load import PromptFormat, load_benchmark, map_rows
from hymar.data.synthetic.schema import COLUMNS
from hymar.eval.evaluate import score_generations

BENCHMARKS = ("mathvista", "mathverse", "mathvision", "chartqa", "docvqa", "mmmu")


def mapped(name: str, rows: list[dict] | None = None) -> list[dict]:
    mapper = get_mapper(name)
    return [dict(r) for r in map_rows(rows or mapper.example_rows(), mapper=name, split="validation")]


def correct(row: dict, answer: str) -> bool | None:
    result = score_generations([row], [f"<think>Reading the figure.</think><answer>{answer}</answer>"])
    return result.generations[0]["correct"]


def variant(name: str, index: int, **changes) -> dict:
    return {**get_mapper(name).example_rows()[index], **changes}


# (benchmark, example index or variant row, completion answer, expected correct, reason)
CASES = [
    ("mathvista", 0, "A", True, "choice text '97' became letter A"),
    ("mathvista", 0, "97", True, "the option text of the right choice also counts"),
    ("mathvista", 0, "B", False, "another letter is wrong"),
    ("mathvista", 1, "1.4", True, "float answer exactly"),
    ("mathvista", 1, "1.42", True, "within half a unit of precision 1 (rounds to 1.4)"),
    ("mathvista", 1, "1.5", False, "outside the precision"),
    ("mathverse", 0, "D", True, "gold letter of a multi-choice row"),
    ("mathverse", 0, "140\u00b0", True, "the option text (A:..D: lines) of the right option"),
    ("mathverse", 0, "A", False, "wrong letter"),
    ("mathverse", 1, "5", True, "free-form value"),
    ("mathverse", 1, "10", False, "the diameter is not the radius"),
    ("mathvision", 0, "B", True, "option letter"),
    ("mathvision", 0, "C", False, "wrong option letter"),
    ("mathvision", 1, "14", True, "free-form count"),
    ("mathvision", 1, "13", False, "wrong count"),
    ("chartqa", 0, "14", True, "numeric label"),
    ("chartqa", 0, "14.5", True, "within ChartQA's 5% relaxed tolerance"),
    ("chartqa", 0, "15", False, "7% off: outside the relaxed tolerance"),
    ("chartqa", variant("chartqa", 0, label=["100"]), "104", True, "relaxed accuracy also between integers"),
    ("chartqa", variant("chartqa", 0, label=["100"]), "106", False, "6% off two integers"),
    ("chartqa", 1, "Brazil", True, "text label"),
    ("chartqa", 1, "Chile", False, "wrong text label"),
    ("chartqa", variant("chartqa", 1, label=["Yes", "yes"]), "yes", True, "yes/no label, any of the labels"),
    ("docvqa", 0, "ITC Limited", True, "first acceptable answer"),
    ("docvqa", 0, "itc limited.", True, "case and punctuation ignored"),
    ("docvqa", 0, "Tobacco Institute", False, "none of the answers"),
    ("docvqa", variant("docvqa", 0, answers=["2:30 pm", "14:30"]), "14:30", True, "the second of several answers"),
    ("mmmu", 0, "D", True, "gold letter; options parsed from the string literal"),
    ("mmmu", 0, "$77,490", True, "the right option's text"),
    ("mmmu", 0, "A", False, "wrong letter"),
    ("mmmu", 1, "12", True, "open answer, first gold of the list literal"),
    ("mmmu", 1, "12.0", True, "open answer, second gold of the list literal"),
    ("mmmu", 1, "13", False, "wrong open answer"),
]


@pytest.mark.parametrize("name, example, answer, expected, reason", CASES, ids=[c[-1] for c in CASES])
def test_mapped_rows_grade_through_hymar_verifiers(name, example, answer, expected, reason):
    rows = mapped(name) if isinstance(example, int) else mapped(name, [example])
    row = rows[example] if isinstance(example, int) else rows[0]
    assert correct(row, answer) is expected


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_example_maps_to_the_task_layout_with_an_image(name):
    rows = mapped(name)
    assert rows and all(set(r) == set(COLUMNS) for r in rows)
    for row in rows:
        parts = row["prompt"][0]["content"]
        assert parts[0]["type"] == "image" and row["image"] is not None, "image part first, image kept"
        assert json.loads(row["metadata_json"])["benchmark"] == name


def test_mapper_registry_names_every_benchmark_and_rejects_unknown_names():
    assert set(BENCHMARKS) <= set(mapper_names())
    with pytest.raises(ValueError, match="unknown mapper 'nope'"):
        get_mapper("nope")


def test_mathvista_choice_prompt_gets_lettered_choices_when_the_query_has_none():
    row = variant("mathvista", 0, query="Question: Find $m\\angle H$")
    text = mapped("mathvista", [row])[0]["prompt"][0]["content"][-1]["text"]
    assert "(A) 97" in text and "(D) 122" in text


def test_mathvista_answer_outside_the_choices_is_an_error_naming_the_row():
    with pytest.raises(BenchmarkRowError, match="row 5: answer '98' is none of the choices"):
        mapped("mathvista", [variant("mathvista", 0, answer="98")])


def test_mmmu_stacks_images_and_replaces_placeholders():
    two = mapped("mmmu")[1]
    text = two["prompt"][0]["content"][-1]["text"]
    assert "[image 1] and [image 2]" in text and "<image" not in text
    assert two["image"].size[1] > 2 * 48, "two 48-pixel panels stacked with labels"


def test_mmmu_options_are_parsed_as_literals_never_evaluated():
    row = variant("mmmu", 0, options="__import__('os').system('echo pwned')")
    with pytest.raises(BenchmarkRowError, match="not a list literal"):
        mapped("mmmu", [row])


def test_mmmu_placeholder_without_its_image_is_an_error():
    row = variant("mmmu", 0, question="Compare <image 1> with <image 3>.")
    with pytest.raises(BenchmarkRowError, match=r"refers to image\(s\) \[3\]"):
        mapped("mmmu", [row])


def test_prompt_format_suffix_by_task_and_template():
    fmt = PromptFormat(template="Q: {prompt}", suffix="Box it.", suffix_by_task={"choice": "Letter only."})
    rows = [dict(r) for r in map_rows(get_mapper("mathvision").example_rows(), mapper="mathvision", prompt_format=fmt)]
    texts = [r["prompt"][0]["content"][-1]["text"] for r in rows]
    assert texts[0].startswith("Q: ") and texts[0].endswith("\nLetter only."), "choice row"
    assert texts[1].endswith("\nBox it."), "free-form row gets the default suffix"
    with pytest.raises(ValueError, match="exactly once"):
        PromptFormat(template="no placeholder")


def test_generic_mapper_takes_a_list_answer_as_several_golds():
    rows = [{"q": "Who signed it?", "img": get_mapper("generic").example_rows()[0]["image"], "gts": ["J. Smith", "John Smith"]}]
    row = dict(map_rows(rows, column_map={"q": "prompt", "img": "image", "gts": "answer"}, task="text")[0])
    assert row["answer"] == "J. Smith" and correct(row, "John Smith") is True and correct(row, "Jane Doe") is False


def test_column_map_naming_a_missing_column_lists_the_available_ones():
    with pytest.raises(ValueError, match="does not have; available columns"):
        map_rows(get_mapper("chartqa").example_rows(), column_map={"question": "prompt"}, mapper="chartqa")


def test_load_benchmark_uses_load_dataset_then_the_mapper_with_a_limit_over_configs(monkeypatch):
    """MMMU-style: one config per subject; the limit stops loading once reached."""
    calls = []
    rows = get_mapper("mmmu").example_rows()

    def fake_load_dataset(path, *, split, name=None, **kwargs):
        calls.append((path, name, split))
        return Dataset.from_list([{**rows[0], "id": f"validation_{name}_{i}"} for i in range(2)])

    monkeypatch.setattr("datasets.load_dataset", fake_load_dataset)
    data = load_benchmark(
        "MMMU/MMMU", split="validation", config=["Art", "Math", "Music"], column_map={"question": "prompt"},
        mapper="mmmu", limit=3,
    )  # fmt: skip
    assert calls == [("MMMU/MMMU", "Art", "validation"), ("MMMU/MMMU", "Math", "validation")]
    assert data["id"] == ["validation_Art_0", "validation_Art_1", "validation_Math_0"]
    assert data["domain"] == ["Art", "Art", "Math"] and data[0]["image"].size == (96, 48)
