"""Constraints: validation of a dataset column, and column-over-prompt merging."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects.constraints import Constraints, constraints_for, field_names
from hymar.rewards.types import Sample


class TestFromMapping:
    GOOD = [
        ({}, Constraints(), "empty mapping = no constraints"),
        (None, Constraints(), "None = no constraints"),
        ({"answer_form": "Number"}, Constraints(answer_form="number"), "answer form is case-normalised"),
        ({"max_words": 10, "min_words": 2}, Constraints(max_words=10, min_words=2), "word limits"),
        ({"required_keywords": "cat"}, Constraints(required_keywords=("cat",)), "bare string is one keyword"),
        ({"required_keywords": ["cat", "Cat", " dog "]}, Constraints(required_keywords=("cat", "dog")), "dedupe, strip"),
        ({"language": "en-US"}, Constraints(language="en"), "region suffix dropped"),
        ({"language": "French"}, Constraints(language="fr"), "language name mapped to code"),
        ({"require_reasoning": False}, Constraints(require_reasoning=False), "explicit False kept"),
        ({"max_words": None, "banned_keywords": []}, Constraints(), "None / [] mean unset"),
    ]

    @pytest.mark.parametrize(("data", "expected", "reason"), GOOD, ids=[g[2] for g in GOOD])
    def test_good(self, data, expected, reason):
        assert Constraints.from_mapping(data) == expected

    BAD = [
        ({"max_word": 5}, ValueError, "max_word", "unknown key named"),
        ({"max_words": "ten"}, TypeError, "max_words", "string count"),
        ({"max_words": -1}, TypeError, "max_words", "negative count"),
        ({"min_sentences": True}, TypeError, "min_sentences", "bool is not a count"),
        ({"max_words": 3.5}, TypeError, "max_words", "float count"),
        ({"answer_form": "essay"}, ValueError, "answer_form", "unknown answer form"),
        ({"answer_form": 3}, TypeError, "answer_form", "non-string answer form"),
        ({"required_keywords": [1, 2]}, TypeError, "required_keywords", "non-string keyword"),
        ({"banned_keywords": {"a": 1}}, TypeError, "banned_keywords", "dict is not a keyword list"),
        ({"language": "english language"}, ValueError, "language", "not an ISO code"),
        ({"require_reasoning": "yes"}, TypeError, "require_reasoning", "string for bool"),
        ({"min_words": 10, "max_words": 5}, ValueError, "min_words", "min above max"),
        ({"required_keywords": ["x"], "banned_keywords": ["X"]}, ValueError, "banned_keywords", "required and banned clash"),
    ]

    @pytest.mark.parametrize(("data", "error", "field", "reason"), BAD, ids=[b[3] for b in BAD])
    def test_bad_field_is_named(self, data, error, field, reason):
        with pytest.raises(error, match=field):
            Constraints.from_mapping(data)

    def test_unknown_key_lists_allowed(self):
        # reason: the error must tell the user what the valid keys are
        with pytest.raises(ValueError) as info:
            Constraints.from_mapping({"lang": "en"})
        for name in field_names():
            assert name in str(info.value)

    def test_not_a_mapping(self):
        with pytest.raises(TypeError, match="mapping"):
            Constraints.from_mapping(["max_words", 3])  # type: ignore[arg-type]


class TestConstraintsFor:
    def test_prompt_only(self):
        c = constraints_for(Sample(prompt="Answer in at most 5 words.", completion="x"))
        assert c.max_words == 5

    def test_column_overrides_prompt(self):
        # reason: the dataset column is authoritative for the fields it sets
        s = Sample(prompt="Answer in at most 5 words. Respond in French.", constraints={"max_words": 8})
        c = constraints_for(s)
        assert (c.max_words, c.language) == (8, "fr")

    def test_none_in_column_does_not_erase_prompt(self):
        # reason: datasets fill absent struct keys with None; that must not drop a prompt constraint
        s = Sample(prompt="Answer in at most 5 words.", constraints={"max_words": None, "required_keywords": []})
        assert constraints_for(s).max_words == 5

    def test_chat_messages_prompt(self):
        # reason: constraints are read from the text parts of chat messages
        prompt = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Answer with a number."}]}]
        assert constraints_for(Sample(prompt=prompt)).answer_form == "number"

    def test_merge_conflict_raises(self):
        # reason: a column min above the prompt's max is contradictory; the aspects report it as invalid
        s = Sample(prompt="Answer in at most 5 words.", constraints={"min_words": 50})
        with pytest.raises(ValueError, match="min_words"):
            constraints_for(s)

    def test_stated(self):
        assert Constraints(max_words=3, require_reasoning=False).stated() == {"max_words": 3, "require_reasoning": False}
