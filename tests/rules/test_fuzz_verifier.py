"""Property tests: `verify` returns a well-formed Score on arbitrary input and is right on its own gold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hymar.rewards.rules.extract import extract_answer
from hymar.rewards.rules.verifier import verify
from hymar.rewards.types import Score

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# fragments that steer random text into every extraction path and comparer
FRAGMENTS = st.sampled_from(
    [
        "\\boxed{", "}", "{", "\\}", "\\{", "\\fbox{", "<answer>", "</answer>", "</think>", "<think>",
        "The answer is ", "Answer:", "**Final Answer:**", "## Final Answer\n", "\n", " or ", "maybe ",
        "?", ".", "$", "\\frac{1}{2}", "(C)", "C.", "yes", "no", "seven", "42", "3/4", "50%", "\\text{",
        "\u200b", "\u202e", "\x00", "\\", "x^2", "[1, 3)", "Option ", "A, C",
    ]
)  # fmt: skip
COMPLETIONS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=30).map("".join),
)
GOLDS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["C", "(b)", "yes", "No", "7", "seven", "Paris", "0.5", "\\frac{1}{2}", "x = 2", "12 cm"]),
)
TASKS = st.sampled_from([None, "math", "choice", "yesno", "counting", "text", "open", "unknown-tag"])


def _well_formed(score: Score) -> None:
    assert isinstance(score, Score)
    assert score.value in (None, 0.0, 1.0)
    assert 0.0 <= score.confidence <= 1.0
    if not score.valid:
        assert score.value is None and score.info.get("reason")
    # verify turns exceptions into this reason: none should happen on any input
    assert not str(score.info.get("reason", "")).startswith("internal error"), score


@FUZZ
@given(completion=COMPLETIONS, gold=GOLDS, task=TASKS)
def test_verify_is_total(completion, gold, task):
    _well_formed(verify(completion, gold, task=task, prompt="Q?\nA. 1\nB. 2\nC. black or white"))


@FUZZ
@given(completion=COMPLETIONS)
def test_extraction_is_total(completion):
    got = extract_answer(completion)
    assert got.source in ("answer_tag", "boxed", "answer_is", "answer_colon", "last_line", "last_line_value", "none")
    assert (got.answer is None) == (got.source == "none")
    assert got.conflict == (len(got.candidates) > 1)


LETTER_GOLDS = st.sampled_from(list("ABCDEFGHIJ")).flatmap(lambda c: st.sampled_from([c, f"({c})", f"({c.lower()})"]))


@FUZZ
@given(gold=LETTER_GOLDS, wrap=st.sampled_from(["<answer>{}</answer>", "\\boxed{{{}}}", "The answer is {}."]))
def test_own_letter_gold_is_correct(gold, wrap):
    score = verify(wrap.format(gold), gold)
    assert score.valid and score.value == 1.0, score


@FUZZ
@given(
    gold=st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(
            lambda d: format(d, "f")
        ),
    )
)
def test_own_numeric_gold_is_correct(gold):
    score = verify(f"<answer>{gold}</answer>", gold)
    assert score.valid and score.value == 1.0, (gold, score)
