"""Unions of intervals and ``\\pm`` answers decided in process (issue 10, for speed): the rules'
edges. Agreement with the sympy worker is checked in test_in_process_agrees_with_sympy.py."""

from __future__ import annotations

import pytest

from hymar.rewards.rules.math.structures import _plus_minus, structure
from hymar.rewards.rules.math.unions import compare_unions


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [
        ("(1, \\infty) \\cup (-\\infty, -1)", "(-\\infty, -1) \\cup (1, \\infty)", True),  # order of parts
        ("(1, \\infty) \\cup (-\\infty, -1]", "(-\\infty, -1) \\cup (1, \\infty)", False),  # a bracket
        ("(2, 12) \\cup (12, 102)", "(12, 102) \\cup (2, 12)", True),  # a shared end both leave out
        ("(-\\sqrt{2}, 0) \\cup (\\sqrt{2}, 3)", "(\\sqrt{2}, 3) \\cup (-\\sqrt{2}, 0)", True),  # constant ends
        ("(-\\sqrt{2}, 0) \\cup (\\sqrt{3}, 3)", "(\\sqrt{2}, 3) \\cup (-\\sqrt{2}, 0)", False),
        ("(0, 1) \\cup (2, 3) \\cup (4, 5)", "(0, 1) \\cup (2, 3)", False),  # a part missing
        # could merge: [0, 1] and [1, 2] are [0, 2], so the written parts do not fix the set
        ("[0, 1] \\cup [1, 2]", "[0, 2]", None),
        ("(0, 2) \\cup (1, 3)", "(0, 3)", None),  # overlapping parts
        ("(0, x) \\cup (x, 1)", "(0, 1)", None),  # a variable end
        ("(0, 0.33) \\cup (1, 2)", "(0, \\frac{1}{3}) \\cup (1, 2)", None),  # a rounded end: rounding rules
        ("1, 2", "3", None),  # no union at all
    ],
)
def test_compare_unions(pred: str, gold: str, expected: bool | None) -> None:
    assert compare_unions(pred, gold) is expected


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("\\pm 2", ("-2", "2")),
        ("1 \\pm \\sqrt{19}", ("1 - \\sqrt{19}", "1 + \\sqrt{19}")),
        ("2x \\pm 3y", ("2x - 3y", "2x + 3y")),
    ],
)
def test_plus_minus_is_a_list_of_its_two_values(text: str, items: tuple[str, str]) -> None:
    got = structure(text)
    assert got is not None and got.kind == "list" and got.items == items


@pytest.mark.parametrize(
    "text",
    [
        "\\frac{1 \\pm \\sqrt{5}}{2}",  # inside braces: one expression, left to the symbolic path
        "(1 \\pm 2)",
        "1 \\pm 2 \\pm 3",  # two signs: four values or two? not read here
        "x = 1 \\pm 2",  # a relation
        "\\pmod{3}",  # a command that only starts with \\pm
    ],
)
def test_plus_minus_not_read_where_it_is_not_one_top_level_sign(text: str) -> None:
    assert _plus_minus(text) is None
