"""AnswerFormAspect: the final answer has the form the prompt asks for."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import AnswerFormAspect
from hymar.rewards.aspects.answer_form import (
    is_letter,
    is_number,
    is_word,
    json_candidates,
)
from hymar.rewards.types import Sample

PROMPTS = {
    "word": "Answer with a single word.",
    "number": "Answer with a number.",
    "letter": "Answer with the option's letter.",
    "boxed": r"Put your final answer within \boxed{}.",
    "json": "Respond in JSON.",
}


def _score(form: str, completion: str, **kwargs):
    return AnswerFormAspect(**kwargs).score_one(Sample(prompt=PROMPTS[form], completion=completion))


CASES = [
    ("word", "<answer>Paris</answer>", 1.0, "one word"),
    ("word", "<answer>**Paris.**</answer>", 1.0, "markdown and period cleaned"),
    ("word", "<answer>well-known</answer>", 1.0, "hyphenated word"),
    ("word", "<answer>New York</answer>", 0.0, "two words"),
    ("word", "<answer>42</answer>", 0.0, "a number is not a word"),
    ("word", "<think>It is the capital.</think>The answer is Paris.", 1.0, "marker phrase extraction"),
    ("number", "<answer>42</answer>", 1.0, "integer"),
    ("number", "<answer>-3.5</answer>", 1.0, "signed decimal"),
    ("number", "<answer>1,000,000</answer>", 1.0, "thousands separators"),
    ("number", "<answer>2.5e3</answer>", 1.0, "scientific"),
    ("number", "<answer>50%</answer>", 1.0, "percent"),
    ("number", r"<answer>$\frac{1}{2}$</answer>", 1.0, "latex fraction in math delimiters"),
    ("number", "<answer>3/4</answer>", 1.0, "plain fraction"),
    ("number", "<answer>5 cm</answer>", 0.0, "units are not a bare number"),
    ("number", "<answer>five</answer>", 0.0, "number word"),
    ("number", "<answer>1,00</answer>", 0.0, "malformed separators"),
    ("letter", "<answer>B</answer>", 1.0, "letter"),
    ("letter", "<answer>(C)</answer>", 1.0, "bracketed letter"),
    ("letter", "<answer>D.</answer>", 1.0, "letter with period"),
    ("letter", "<answer>B) Paris</answer>", 0.0, "letter with option text"),
    ("letter", "<answer>AB</answer>", 0.0, "two letters"),
    ("boxed", r"so \boxed{4}", 1.0, "boxed"),
    ("boxed", r"<think>r</think><answer>\boxed{4}</answer>", 1.0, "box inside the answer tag"),
    ("boxed", "<answer>4</answer>", 0.0, "no box"),
    ("boxed", r"so \boxed{}", 0.0, "empty box"),
    ("boxed", r"so \boxed{4", 0.0, "unclosed box"),
    ("json", '<answer>{"a": 1}</answer>', 1.0, "object in answer tag"),
    ("json", 'Here it is:\n```json\n{"a": [1, 2]}\n```', 1.0, "fenced block"),
    ("json", 'Sure: {"a": 1} hope that helps', 1.0, "brace span inside prose"),
    ("json", "[1, 2, 3]", 1.0, "array"),
    ("json", "<answer>{'a': 1}</answer>", 0.0, "python dict is not JSON"),
    ("json", "<answer>5</answer>", 0.0, "bare scalar not a container by default"),
    ("json", "<answer>{\"a\": </answer>", 0.0, "truncated"),
]


@pytest.mark.parametrize(("form", "completion", "value", "reason"), CASES, ids=[c[3] for c in CASES])
def test_answer_form(form, completion, value, reason):
    score = _score(form, completion)
    assert score.valid and score.value == value, score.info


def test_not_applicable_without_form():
    score = AnswerFormAspect().score_one(Sample(prompt="Describe the image.", completion="A cat."))
    assert score.valid and score.value is None


def test_confidence_follows_extraction():
    # reason: a last-line fallback is less trustworthy than an answer tag
    tag = _score("word", "<answer>Paris</answer>")
    fallback = _score("word", "Let me think\nParis")
    assert tag.confidence == 1.0 and 0 < fallback.confidence < 1.0 and fallback.value == 1.0


def test_scalar_json_allowed_when_configured():
    assert _score("json", "<answer>5</answer>", json_containers_only=False).value == 1.0


def test_json_over_limit_is_invalid():
    # reason: a huge JSON text is not parsed; the aspect says it could not judge
    score = _score("json", "[" + "1," * 100 + "1]", max_json_chars=50)
    assert not score.valid and "50" in score.info["reason"]


def test_deeply_nested_json_does_not_crash():
    # reason: json.loads raises RecursionError on very deep nesting; that is a failed form, not a crash
    assert _score("json", "[" * 50_000 + "]" * 50_000).value == 0.0


def test_column_form_overrides_prompt():
    s = Sample(prompt=PROMPTS["word"], completion="<answer>42</answer>", constraints={"answer_form": "number"})
    assert AnswerFormAspect().score_one(s).value == 1.0


@pytest.mark.parametrize(
    ("check", "text", "ok"),
    [(is_word, "x" * 500, False), (is_number, "1" * 500, False), (is_letter, "(B)", True)],
    ids=["long word rejected", "long number rejected", "bracketed letter"],
)
def test_form_predicates(check, text, ok):
    assert check(text) is ok


def test_json_candidates_order():
    assert json_candidates('x ```json\n{"a":1}\n``` y')[0] == '{"a":1}'
