"""Multiple-choice comparison: letter forms, option text, several letters, option parsing."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.choice import compare_choice, parse_letter, parse_options

PROMPT = """How many apples are in the basket?
A. 40 apples
B. 41 apples
C. 42 apples
D. black or white
Answer with the letter."""

# (pred, gold, prompt, equal, method, reason)
CASES = [
    ("C", "C", None, True, "letter", "bare letter"),
    ("c", "C", None, True, "letter", "lower case letter"),
    ("(C)", "C", None, True, "letter", "parenthesised"),
    ("C.", "C", None, True, "letter", "trailing period"),
    ("C)", "C", None, True, "letter", "closing parenthesis"),
    ("Option C", "C", None, True, "letter", "'Option' prefix"),
    ("option (c)", "C", None, True, "letter", "'option' with parenthesised lower case"),
    ("The answer is C", "C", None, True, "letter", "answer phrase inside the prediction"),
    ("C. 42 apples", "C", PROMPT, True, "letter", "letter with matching option text"),
    ("(C) 42 apples", "C", PROMPT, True, "letter", "parenthesised letter with text"),
    ("C", "(C)", None, True, "letter", "gold in parentheses"),
    ("C", "c", None, True, "letter", "gold in lower case"),
    ("\\text{(B)}", "B", None, True, "letter", "LaTeX text wrapper"),
    ("**B**", "B", None, True, "letter", "markdown bold"),
    ("B", "C", None, False, "letter", "different letter"),
    ("(B) 41 apples", "C", PROMPT, False, "letter", "different letter with text"),
    ("42 apples", "C", PROMPT, True, "option_text", "option text alone"),
    ("42 Apples.", "C", PROMPT, True, "option_text", "option text, normalised"),
    ("41 apples", "C", PROMPT, False, "option_text", "another option's text"),
    ("It has 42 apples in it", "C", PROMPT, True, "option_text", "contains exactly one option text"),
    ("42 apples", "42 apples", PROMPT, True, "option_text", "gold given as option text"),
    ("C", "42 apples", PROMPT, True, "letter", "gold option text mapped to its letter"),
    ("A or C", "C", None, False, "multiple_letters", "two letters with 'or'"),
    ("A, C", "C", None, False, "multiple_letters", "two letters with a comma"),
    ("A and C", "C", None, False, "multiple_letters", "two letters with 'and'"),
    ("C or C", "C", None, True, "letter", "the same letter twice is one letter"),
    ("D. black or white", "D", PROMPT, True, "letter", "'or' inside option text is fine"),
    ("I don't know", "C", None, False, "letter", "no letter"),
    ("A dozen apples", "A", None, False, "letter", "article 'A' is not a letter form"),
]


@pytest.mark.parametrize(("pred", "gold", "prompt", "equal", "method", "reason"), CASES, ids=[c[5] for c in CASES])
def test_compare_choice(pred, gold, prompt, equal, method, reason):
    got = compare_choice(pred, gold, prompt)
    assert (got.equal, got.method) == (equal, method), reason


def test_confidences():
    assert compare_choice("C", "C").confidence == 1.0
    assert compare_choice("42 apples", "C", PROMPT).confidence == 0.9
    # the letter wins over contradicting text, with lowered confidence
    mixed = compare_choice("C. 41 apples", "C", PROMPT)
    assert mixed.equal is True and mixed.confidence == 0.8


def test_undecided_gold():
    assert compare_choice("C", "banana", PROMPT).equal is None  # gold neither letter nor option
    assert compare_choice("C", "42 apples").equal is None  # option-text gold, no options to map a letter


class TestParseOptions:
    @pytest.mark.parametrize(
        ("prompt", "expected"),
        [
            ("Q?\nA. x\nB. y\nC. z", {"A": "x", "B": "y", "C": "z"}),
            ("Q?\n(A) x\n(B) y", {"A": "x", "B": "y"}),
            ("Q?\nA) x\nB) y", {"A": "x", "B": "y"}),
            ("Q?\nA: x\nB: y", {"A": "x", "B": "y"}),
            ("Choices:\nA:40°\nB:50°\nC:60°", {"A": "40°", "B": "50°", "C": "60°"}),  # MathVerse's form
            ("Q?\n- (a) x\n- (b) y", {"A": "x", "B": "y"}),
            ("Q? (A) 3 (B) 4 (C) 5", {"A": "3", "B": "4", "C": "5"}),
            ("Example:\nA. 1\nB. 2\nQuestion:\nA. cat\nB. dog", {"A": "cat", "B": "dog"}),
            ("A. only one option", {}),
            ("No options here. A dog.", {}),
            ("A. x\nC. skipped B", {}),
        ],
    )
    def test_cases(self, prompt, expected):
        assert parse_options(prompt) == expected


@pytest.mark.parametrize(
    ("text", "letter"),
    [("C", "C"), ("(d)", "D"), ("Option B", "B"), ("The answer is: (A)", "A"), ("K", None), ("CD", None), ("", None)],
)
def test_parse_letter(text, letter):
    assert parse_letter(text) == letter
