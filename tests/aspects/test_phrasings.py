"""Prompt phrasings: each documented example is recognised, near-misses are not, docs stay in sync."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hymar.rewards.aspects import phrasings
from hymar.rewards.aspects.constraints import parse_constraints
from hymar.rewards.aspects.phrasings import PHRASINGS, read_keyword_list, recognise

DOCS = Path(__file__).resolve().parents[2] / "docs" / "aspects.md"

# What each documented example (N -> 12, X/Y/Z -> Apple/Banana/Cherry) must set.
EXPECTED_FIELDS = {
    "form_word": {"answer_form"},
    "form_number": {"answer_form"},
    "form_letter": {"answer_form"},
    "form_boxed": {"answer_form"},
    "form_json": {"answer_form"},
    "words_op": {"max_words", "min_words"},
    "words_or": {"max_words", "min_words"},
    "sentences_op": {"max_sentences", "min_sentences"},
    "sentences_or": {"max_sentences", "min_sentences"},
    "one_sentence": {"max_sentences"},
    "keywords_banned": {"banned_keywords"},
    "keywords_required": {"required_keywords"},
    "language": {"language"},
    "reasoning_yes": {"require_reasoning"},
    "reasoning_no": {"require_reasoning"},
}


_PLACEHOLDERS = {"N": "12", "X": "Apple", "Y": "Banana", "Z": "Cherry"}


def _fill(example: str) -> str:
    return re.sub(r"\b[NXYZ]\b", lambda m: _PLACEHOLDERS[m.group(0)], example)


ALL_EXAMPLES = [(p.name, ex) for p in PHRASINGS for ex in p.examples]


def test_every_phrasing_has_an_expectation():
    assert set(EXPECTED_FIELDS) == {p.name for p in PHRASINGS}


@pytest.mark.parametrize(("name", "example"), ALL_EXAMPLES, ids=[f"{n}:{e}" for n, e in ALL_EXAMPLES])
def test_documented_example_is_recognised(name, example):
    # reason: every documented phrasing must actually set its field, embedded in a sentence
    found = recognise(f"Look at the image. Please {_fill(example)}. Thanks.")
    assert set(found) & EXPECTED_FIELDS[name], (example, found)


@pytest.mark.parametrize(("name", "example"), ALL_EXAMPLES, ids=[f"{n}:{e}" for n, e in ALL_EXAMPLES])
def test_documented_example_is_in_docstring_and_docs(name, example):
    # reason: the module docstring and docs/aspects.md list every phrasing the code knows
    assert f'"{example}"' in phrasings.__doc__
    assert f'"{example}"' in DOCS.read_text(encoding="utf-8")


# (prompt, expected fields subset, reason)
CASES = [
    ("Answer with a single word.", {"answer_form": "word"}, "single word"),
    ("ANSWER IN ONE WORD", {"answer_form": "word"}, "case-insensitive"),
    ("Give a one-word answer.", {"answer_form": "word"}, "hyphenated form"),
    ("Answer with a number.", {"answer_form": "number"}, "number"),
    ("What is the numerical answer?", {"answer_form": "number"}, "numerical answer"),
    ("Answer with the option's letter from the given choices directly.", {"answer_form": "letter"}, "LLaVA-style MC prompt"),
    ("Answer with the option’s letter.", {"answer_form": "letter"}, "curly apostrophe"),
    (r"Please reason step by step, and put your final answer within \boxed{}.", {"answer_form": "boxed", "require_reasoning": True}, "R1 math prompt"),
    ("Respond in JSON.", {"answer_form": "json"}, "json"),
    (r"Answer with the letter and put it in \boxed{}.", {"answer_form": "letter"}, "content form beats boxed"),
    ("Reply in at most 50 words.", {"max_words": 50}, "digits"),
    ("Reply in at most fifty words.", {}, "only one..twenty as number words"),
    ("Use no more than twelve words.", {"max_words": 12}, "number word"),
    ("Keep it under 1,000 words.", {"max_words": 999}, "comma thousands, strict under"),
    ("Write fewer than 10 words.", {"max_words": 9}, "fewer than is strict"),
    ("Write at least 100 words.", {"min_words": 100}, "minimum"),
    ("At most 80 words. No more than 60 words.", {"max_words": 60}, "tightest maximum wins"),
    ("Write exactly three sentences.", {"min_sentences": 3, "max_sentences": 3}, "exactly sets both"),
    ("Answer in 3 sentences or fewer.", {"max_sentences": 3}, "or fewer"),
    ("Summarise in one sentence.", {"max_sentences": 1}, "one sentence"),
    ("Include the words apple, banana and cherry in your answer.", {"required_keywords": ("apple", "banana", "cherry")}, "bare list"),
    ('Use the keyword "machine learning".', {"required_keywords": ("machine learning",)}, "quoted phrase"),
    ("Include the keywords: 'alpha', 'beta'.", {"required_keywords": ("alpha", "beta")}, "colon then quotes"),
    ("Mention Paris and London.", {"required_keywords": ("Paris", "London")}, "capitalised names after mention"),
    ("Do not use the word 'very'.", {"banned_keywords": ("very",)}, "banned, not required"),
    ("Don't use the words good or bad.", {"banned_keywords": ("good", "bad")}, "or-separated banned list"),
    ("Avoid mentioning Python.", {"banned_keywords": ("Python",)}, "avoid mentioning"),
    ("Answer in French.", {"language": "fr"}, "language"),
    ("Translate the German text and respond in English.", {"language": "en"}, "only the instructed language"),
    ("Your response should be written in Portuguese.", {"language": "pt"}, "response should be in"),
    ("Answer directly without explanation.", {"require_reasoning": False}, "no explanation"),
]


@pytest.mark.parametrize(("prompt", "expected", "reason"), CASES, ids=[c[2] for c in CASES])
def test_recognised(prompt, expected, reason):
    found = recognise(prompt)
    for key, value in expected.items():
        assert found.get(key) == value, (reason, found)
    if not expected:
        assert found == {}, (reason, found)


# Near-misses: phrases that look like constraints but state none.
NEAR_MISSES = [
    ("Say a word about the picture.", "a word about X is not a one-word answer"),
    ("In a word, what do you feel?", "idiom 'in a word'"),
    ("Give a number of examples.", "'a number of' is not a numeric answer"),
    ("Answer with a number of sentences you like.", "'a number of' after answer with"),
    ("Write a letter to your friend.", "a letter to someone"),
    ("Respond with a letter to the editor.", "letter to, not option letter"),
    ("Data formats such as JSON are common.", "such as JSON"),
    ("Explain what a JSON parser does.", "mentioning JSON"),
    ("Write a 100-word essay.", "approximate length target not recognised"),
    ("Use at least 3 examples.", "not words"),
    ("It takes under 5 minutes.", "under N minutes"),
    ("As mentioned above, the image shows a cat.", "'mentioned' is not 'mention'"),
    ("Mention specific examples.", "lower-case bare word after mention"),
    ("Include the following in your answer.", "no keyword after the phrase"),
    ("Do not answer with a single word.", "negated answer form"),
    ("Don't answer in French.", "negated language"),
    ("Answer in English units like feet.", "not an 'in <language>' instruction? (language then units)"),
    ("The boxed region in the image is red.", "boxed without braces"),
    ("Answer with a single wording choice.", "word must end the phrase"),
]


@pytest.mark.parametrize(("prompt", "reason"), NEAR_MISSES, ids=[c[1] for c in NEAR_MISSES])
def test_near_miss_not_recognised(prompt, reason):
    found = recognise(prompt)
    if prompt.startswith("Answer in English units"):
        # reason: documented limitation, "answer in English" is recognised even when units follow
        assert found == {"language": "en"}
    else:
        assert found == {}, (reason, found)


KEYWORD_LISTS = [
    (" apple, banana and cherry in it", False, ["apple", "banana", "cherry"], "bare list stops at 'in'"),
    (' "New York" and "Paris"', False, ["New York", "Paris"], "quoted multi-word items"),
    (" “alpha” or ‘beta’", False, ["alpha", "beta"], "curly quotes"),
    (" the following", False, [], "function word ends the list"),
    (" Paris and history", True, ["Paris"], "capitalised-only mode stops at lower-case"),
    (' "' + "x" * 100 + '"', False, [], "quoted item over 60 characters is not a keyword"),
    ("", False, [], "nothing after the phrase"),
]


@pytest.mark.parametrize(("tail", "caps", "expected", "reason"), KEYWORD_LISTS, ids=[c[3] for c in KEYWORD_LISTS])
def test_read_keyword_list(tail, caps, expected, reason):
    text = "include the words" + tail
    assert read_keyword_list(text, len("include the words"), caps) == expected


def test_parse_constraints_drops_contradictory_limits():
    # reason: "at least 50" and "at most 20" words cannot both hold; keep the rest of the prompt
    c = parse_constraints("Write at least 50 words and at most 20 words. Respond in French.")
    assert (c.min_words, c.max_words, c.language) == (None, None, "fr")


def test_parse_constraints_required_and_banned_same_word():
    # reason: a word both required and banned cannot be satisfied; banned wins, no crash
    c = parse_constraints("Include the word cat. Do not use the word cat.")
    assert c.banned_keywords == ("cat",) and c.required_keywords == ()
