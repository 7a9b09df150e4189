"""Yes/no, count and short-text comparers."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.text import (
    compare_count,
    compare_text,
    compare_yesno,
    normalize_text,
    parse_count,
    parse_yesno,
    token_f1,
)


class TestYesNo:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Yes.", True),
            ("YES", True),
            ("yes, because the sky is blue", True),
            ("True", True),
            ("correct", True),
            ("No", False),
            ("false.", False),
            ("Incorrect", False),
            ("The answer is no", False),
            ("not correct", False),
            ("Perhaps", None),
            ("", None),
            ("word " * 20 + "yes", None),  # the polarity must come early
        ],
    )
    def test_parse(self, text, value):
        assert parse_yesno(text) is value

    @pytest.mark.parametrize(
        ("pred", "gold", "equal"),
        [("Yes.", "yes", True), ("true", "Yes", True), ("no", "yes", False), ("False", "no", True), ("dunno", "no", False)],
    )
    def test_compare(self, pred, gold, equal):
        assert compare_yesno(pred, gold).equal is equal

    def test_gold_not_yesno_is_undecided(self):
        assert compare_yesno("yes", "Paris").equal is None


class TestCount:
    @pytest.mark.parametrize(
        ("text", "value", "reason"),
        [
            ("7", 7, "digits"),
            ("7 apples", 7, "digits with a noun"),
            ("seven", 7, "word"),
            ("Seven apples.", 7, "capitalised word with noun"),
            ("twenty-three", 23, "hyphenated tens"),
            ("twenty three", 23, "spaced tens"),
            ("one hundred", 100, "hundred"),
            ("one hundred and five", 105, "hundred and units"),
            ("a hundred twenty", 120, "'a hundred'"),
            ("a dozen", 12, "dozen"),
            ("two dozen eggs", 24, "multiplied dozen"),
            ("1,000", 1000, "thousands separator"),
            ("7.0", 7, "integral decimal"),
            ("zero", 0, "zero"),
            ("three thousand", 3000, "thousand"),
            ("7.5", None, "not whole"),
            ("-3", None, "negative"),
            ("2 cats and 3 dogs", None, "two different numbers"),
            ("one two", None, "two separate numbers"),
            ("seven (7)", 7, "the same number twice"),
            ("many", None, "no number"),
            ("9" * 40, None, "too many digits for a count"),
        ],
    )
    def test_parse(self, text, value, reason):
        assert parse_count(text) == value, reason

    @pytest.mark.parametrize(
        ("pred", "gold", "equal"),
        [("seven", "7", True), ("7 apples", "seven", True), ("8", "7", False), ("lots", "7", False)],
    )
    def test_compare(self, pred, gold, equal):
        assert compare_count(pred, gold).equal is equal

    def test_gold_not_a_count_is_undecided(self):
        assert compare_count("7", "many").equal is None


class TestText:
    @pytest.mark.parametrize(
        ("raw", "norm"),
        [
            ("The Eiffel Tower!", "eiffel tower"),
            ("  an   apple ", "apple"),
            ("Don't", "dont"),
            ("ＰＡＲＩＳ", "paris"),  # full-width letters fold under NFKC
            ("New-York", "new york"),
        ],
    )
    def test_normalize(self, raw, norm):
        assert normalize_text(raw) == norm

    # (pred, gold, equal, method, confidence, reason)
    CASES = [
        ("Paris", "paris", True, "exact", 1.0, "case"),
        ("The Eiffel Tower.", "eiffel tower", True, "exact", 1.0, "article and punctuation"),
        ("Paris, France", "Paris", True, "fuzzy", 0.7, "gold phrase in a short answer"),
        ("the city of Paris in France", "Paris", False, "text", 0.9, "pred too long for containment"),
        ("big red barn door", "the big red barn door frame", True, "fuzzy", 0.7, "high token F1"),
        ("not Paris", "Paris", False, "text", 0.9, "added negation blocks fuzzy match"),
        ("London", "Paris", False, "text", 0.9, "different answer"),
        ("black or white", "black or white", True, "exact", 1.0, "gold with 'or'"),
        ("", "Paris", False, "text", 0.9, "empty prediction"),
    ]

    @pytest.mark.parametrize(("pred", "gold", "equal", "method", "confidence", "reason"), CASES, ids=[c[5] for c in CASES])
    def test_compare(self, pred, gold, equal, method, confidence, reason):
        got = compare_text(pred, gold)
        assert (got.equal, got.method, got.confidence) == (equal, method, confidence), reason

    def test_empty_gold_is_undecided(self):
        assert compare_text("x", "the ...").equal is None

    def test_token_f1(self):
        assert token_f1(["a", "b"], ["a", "b"]) == 1.0
        assert token_f1(["a"], ["b"]) == 0.0
        assert token_f1(["a", "b", "c", "d"], ["a", "b"]) == pytest.approx(2 * 0.5 * 1.0 / 1.5)
