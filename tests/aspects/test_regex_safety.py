"""Regex safety: 200 KB hostile prompts and completions parse and score in well under a second."""

from __future__ import annotations

import time

import pytest

from hymar.rewards.aspects import InstructionAdherence, parse_constraints
from hymar.rewards.registry import build_component
from hymar.rewards.aspects.language_detect import detect_language
from hymar.rewards.aspects.phrasings import recognise
from hymar.rewards.aspects.text_stats import count_sentences, count_words
from hymar.rewards.types import Sample

SIZE = 200_000

# Hostile inputs must be handled within the 2 s bound; catastrophic backtracking would take
# minutes, while the real cost is ~0.2 s on an idle 2-core machine (the margin absorbs a loaded CI box).
BUDGET_S = 2.0


def _repeat(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


# Inputs built to provoke backtracking: long runs of the prefixes the patterns look for.
HOSTILE = {
    "spaces": "answer" + " " * SIZE + "x",
    "dots": "." * SIZE + "x",
    "answer_with": _repeat("answer with a single "),
    "at_most": _repeat("at most at most 1 "),
    "number_words": _repeat("no more than twenty-"),
    "keyword_lists": _repeat('include the words a, "b, '),
    "mention": _repeat("mention Mention X and "),
    "negations": _repeat("do not don't never without "),
    "boxes": _repeat("\\boxed{"),
    "tags": _repeat("<think><answer></answer"),
    "json_braces": _repeat('{"a": ['),
    "mixed_prose": _repeat("Answer in French in at most 10 words. Include the word cat. "),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_parse_long_prompt_fast(name):
    text = HOSTILE[name]
    start = time.perf_counter()
    recognise(text)
    count_words(text)
    count_sentences(text)
    detect_language(text)
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{name}: {elapsed:.2f}s"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_score_long_prompt_and_completion_fast(name):
    # reason: the whole default adherence score (answer form included, so answer extraction runs)
    # on a 200 KB prompt and a 200 KB completion
    text = HOSTILE[name]
    parse_constraints.cache_clear()
    sample = Sample(prompt="Answer with a single word. " + text, completion=text)
    start = time.perf_counter()
    InstructionAdherence().score_one(sample)
    build_component("format", {"style": "boxed"}).score_one(sample)
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{name}: {elapsed:.2f}s"


def test_json_form_on_long_completion_fast():
    sample = Sample(prompt="Respond in JSON.", completion=HOSTILE["json_braces"])
    start = time.perf_counter()
    score = build_component("answer_form", {"max_json_chars": SIZE + 10}).score_one(sample)
    assert time.perf_counter() - start < BUDGET_S and score.value == 0.0
