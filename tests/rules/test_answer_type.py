"""Task tags to answer types, and the answer type inferred from a gold answer."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.answer_type import infer_answer_type, normalize_task


@pytest.mark.parametrize(
    ("task", "answer_type"),
    [
        ("math", "math"), ("numeric", "math"), ("Number", "math"),
        ("counting", "count"), ("count", "count"),
        ("choice", "choice"), ("MCQ", "choice"), ("multiple-choice", "choice"), ("multiple choice", "choice"),
        ("yesno", "yesno"), ("boolean", "yesno"), ("yes_no", "yesno"),
        ("text", "text"), ("short_text", "text"), ("ocr", "text"),
        ("open", "open"), ("open-ended", "open"), ("caption", "open"), ("description", "open"),
        ("geometry", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_normalize_task(task, answer_type):
    assert normalize_task(task) == answer_type


# (gold, type, reason)
GOLDS = [
    ("C", "choice", "bare upper-case letter"),
    ("(c)", "choice", "parenthesised letter, any case"),
    ("$\\text{(B)}$", "choice", "wrapped letter"),
    ("K", "math", "letter outside A-J reads as a variable"),
    ("e", "math", "bare lower-case letter is a math constant"),
    ("Yes", "yesno", "yes"),
    ("false.", "yesno", "false with a period"),
    ("42", "number", "integer"),
    ("-3.5", "number", "negative decimal"),
    ("1,234", "number", "thousands separator"),
    ("3/4", "number", "fraction"),
    ("50%", "number", "percent"),
    ("3e4", "number", "scientific"),
    ("3 \\times 10^{4}", "number", "LaTeX scientific"),
    ("12 cm", "number", "with unit"),
    ("90°", "number", "degrees"),
    ("7 apples", "number", "with a noun unit"),
    ("$12", "number", "currency"),
    ("\\frac{1}{2}", "math", "LaTeX fraction"),
    ("x^2 + 1", "math", "expression"),
    ("[1, 3)", "math", "interval"),
    ("\\{1, 2\\}", "math", "set"),
    ("(1, 2)", "math", "tuple"),
    ("x = 2", "math", "equation"),
    ("2x - 1", "math", "implicit product"),
    ("1, 2", "math", "list of numbers"),
    ("Paris", "text", "word"),
    ("the Eiffel Tower", "text", "phrase"),
    ("3 apples and 2 pears", "text", "sentence with numbers"),
]


@pytest.mark.parametrize(("gold", "answer_type", "reason"), GOLDS, ids=[g[2] for g in GOLDS])
def test_infer_answer_type(gold, answer_type, reason):
    assert infer_answer_type(gold) == answer_type, reason
