"""One section per failure class of issue 10 (found on other graders' test suites and a held-out
set), each a general rule tested with new cases written here, each with a one-line reason."""

from __future__ import annotations

import pytest

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.choice import compare_choice, sentence_letters
from hymar.rewards.rules.extract import extract_answer
from hymar.rewards.rules.math import compare_math, inequality_interval
from hymar.rewards.rules.math.normalise import decimal_comma, normalise
from hymar.rewards.rules.math.relations import computation_result
from hymar.rewards.rules.sentences import count_values, last_sentence, sentence_value, strip_boilerplate
from hymar.rewards.rules.text import compare_text
from hymar.rewards.rules.verifier import AccuracyReward, verify
from hymar.rewards.types import Sample


@pytest.fixture
def no_symbolic(monkeypatch):
    """Fail the test if anything reaches the symbolic path (numeric identity test or worker)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the fast path should have decided")

    monkeypatch.setattr(mathrule, "_run_symbolic", refuse)


def _check(completion, gold, value, reason, task=None, prompt=None):
    score = verify(completion, gold, task=task, prompt=prompt)
    assert score.valid and score.value == value, (reason, score)


# ---------------------------------------------------------------------------------------------
# 1. the final answer is a math span or a value inside a sentence

SENTENCES = [
    ("We conclude that $y \\ge 2$ holds.", "y \\geq 2", 1.0, "a relation span inside a closing sentence"),
    ("Hence the midpoint is $(4, -1)$, as drawn.", "(4,-1)", 1.0, "a tuple span is not cut at its comma"),
    ("Hence the midpoint is $(-1, 4)$.", "(4,-1)", 0.0, "swapped coordinates inside a sentence"),
    ("Final Answer: The smallest prime factor is 7. I hope it is correct.", "7", 1.0, "marker, then a sentence"),
    ("Final Answer: The train needs 3 hours to arrive.", "3", 1.0, "a marker sentence stating one value"),
    ("Final Answer: The smallest prime factor is 5.", "7", 0.0, "a marker sentence with another value"),
    ("The total is 40, so each of the 8 boxes holds 5.", "5", 1.0, "the last clause's value"),
    ("A label first: $\\frac{3}{4}$", "0.75", 1.0, "a short label, then the answer in math"),
    ("The floor measures 50 m by 50 m, so its area is 2,500m².", "2500", 1.0, "a unit glued to a separated number"),
    ("The answer is 42, which is even.", "42", 1.0, "a later clause without a value"),
]


@pytest.mark.parametrize(("completion", "gold", "value", "reason"), SENTENCES, ids=[s[3] for s in SENTENCES])
def test_answers_inside_sentences(completion, gold, value, reason):
    _check(completion, gold, value, reason)


SENTENCE_VALUES = [
    ("The largest $k$ is 12.", "12", "the value after the copula, not the variable's span"),
    ("Therefore $z < 0$ is required.", "z < 0", "no value after the copula: the last math span"),
    ("In total we need 14 buckets of paint", "14", "no copula, no math: the last number"),
    ("所以一共有 12 本书。", "12", "a Chinese sentence: its one number"),
    ("لذا الناتج هو **30**.", "30", "an Arabic copula"),
    ("x + y = 3", None, "an equation is not a sentence"),
    ("So the volume is $2\\pi r^2 h$ cubic units.", "2\\pi r^2 h", "a math value after the copula with prose after it"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), SENTENCE_VALUES, ids=[s[2] for s in SENTENCE_VALUES])
def test_sentence_value(text, expected, reason):
    assert sentence_value(text) == expected, reason


def test_sentence_helpers():
    assert strip_boilerplate("It is 5. I hope it is correct.") == "It is 5."
    assert last_sentence("First 3. Then the result is $4.5$. ") == "Then the result is $4.5$"
    assert last_sentence("We get $$x = 2.$$ Therefore x is two") == "Therefore x is two", "a display's full stop"
    assert count_values("It is 5, or $x = 3$") == 2


# ---------------------------------------------------------------------------------------------
# 2. marker phrases: no colon, display math over several lines, other languages

MARKERS = [
    ("Answer $\\frac{2}{3}$", "2/3", 1.0, "'Answer' without a colon before inline math"),
    ("Answer \\( 4\\sqrt{2} \\)", "\\sqrt{32}", 1.0, "'Answer' without a colon before \\( \\)"),
    ("Work above.\n\nAnswer\n\\[\n12\n\\]", "12", 1.0, "display math on the lines after the marker"),
    ("The final answer is\n$$\nx^2 - 1\n$$", "(x-1)(x+1)", 1.0, "display after 'The final answer is'"),
    ("答案：7", "7", 1.0, "Chinese, full-width colon"),
    ("所以答案是 9。", "9", 1.0, "Chinese 'the answer is'"),
    ("Donc la réponse est 11.", "11", 1.0, "French"),
    ("Réponse finale : 13", "13", 1.0, "French, adjective after the word, space before the colon"),
    ("Respuesta: 6", "6", 1.0, "Spanish"),
    ("Die Antwort ist 8.", "8", 1.0, "German"),
    ("答え：21", "21", 1.0, "Japanese"),
    ("الإجابة: 15", "15", 1.0, "Arabic"),
    ("उत्तर: 30", "30", 1.0, "Hindi"),
    ("Ответ: 2", "3", 0.0, "Russian marker with a wrong value"),
    ("정답: 4", "4", 1.0, "Korean"),
]


@pytest.mark.parametrize(("completion", "gold", "value", "reason"), MARKERS, ids=[m[3] for m in MARKERS])
def test_markers(completion, gold, value, reason):
    _check(completion, gold, value, reason)


# ---------------------------------------------------------------------------------------------
# 3. multiple choice phrasings

OPTIONS = "Pick one.\nA. red\nB. green\nC. blue\nD. black"
CHOICE = [
    ("The answer is C, since it cannot be A or B.", "C", OPTIONS, 1.0, "rejected letters after a negation"),
    ("The answer is A or C.", "C", OPTIONS, 0.0, "two chosen letters: a hedge"),
    ("Answer: D, which is the darkest.", "D", OPTIONS, 1.0, "a letter followed by an explanation"),
    ('Answer: "B"', "B", OPTIONS, 1.0, "a quoted letter"),
    ("Looking again, I think it's A", "A", None, 1.0, "'I think it's A' without a marker"),
    ("It isn't B because of the hue, so I'll say D.", "D", None, 1.0, "a contraction negates a letter"),
    ("**Answer:** [C]", "C", None, 1.0, "a letter in square brackets"),
    ("Answer: C, not D.", "D", OPTIONS, 0.0, "the gold letter is the rejected one"),
    ("C。不是 D", "C", None, 1.0, "a Chinese negation"),
]


@pytest.mark.parametrize(("completion", "gold", "prompt", "value", "reason"), CHOICE, ids=[c[4] for c in CHOICE])
def test_choice_phrasings(completion, gold, prompt, value, reason):
    _check(completion, gold, value, reason, task="choice", prompt=prompt)


def test_options_listed_in_the_completion():
    listed = "Options:\nA. 7\nB. 9\nC. 11\nD. 13\nNine is the odd square.\n\nAnswer: 9"
    _check(listed, "B", 1.0, "option text, options in the completion", task="choice")
    _check(listed.replace("Answer: 9", "Answer: 13"), "B", 0.0, "another option's text", task="choice")


def test_labelled_option_golds_carry_their_letter():
    assert compare_choice("B", "(B) Lisbon").equal is True
    assert compare_choice("B", "B. Lisbon").equal is True
    assert compare_choice("B", "B Lisbon").equal is True, "letter, space, capitalised word"
    assert compare_choice("C", "(B) Lisbon").equal is False
    assert compare_choice("C", "Lisbon").equal is None, "unlabelled option text without options: undecided"


def test_sentence_letters():
    assert sentence_letters("Not A but C") == ({"C"}, {"A"})
    assert sentence_letters("A square is a rhombus") == (set(), set()), "an article is not an option"
    assert sentence_letters("Either B or D works") == ({"B", "D"}, set())


def test_lower_case_letters_are_right_at_lower_confidence():
    score = verify("answer: d", "D", task="choice")
    assert score.value == 1.0 and score.confidence < 0.9


def test_latex_is_not_read_as_a_sentence_of_letters():
    _check("The answer is $\\boxed{\\mathrm{B}\\cdot 3}$.", "B", 0.0, "an expression, not a letter", task="choice")


# ---------------------------------------------------------------------------------------------
# 4. relations equal after multiplying by -1; computations; decimal commas

@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("-y < -2", ("y", "(2, \\infty)"), "a negated variable flips the relation"),
        ("-x \\ge 3", ("x", "(-\\infty, -3]"), "non-strict stays closed"),
        ("-3 < -x < 5", ("x", "(-5, 3)"), "a double inequality flips both ends"),
    ],
)
def test_negated_relations(text, expected, reason):
    assert inequality_interval(normalise(text)) == expected, reason


def test_relations_and_computations_in_the_verifier(no_symbolic):
    assert compare_math("-t > -7", "t < 7").equal is True
    assert compare_math("-t > -7", "t > 7").equal is False
    assert computation_result("12 + 30 = 42") == "42"
    assert computation_result("(6 \\times 7 = 42)") == "42"
    assert computation_result("x + 1 = 42") == "x + 1 = 42", "an equation in a variable stays whole"
    assert compare_math("12 + 30 = 42", "42").equal is True


@pytest.mark.parametrize(
    ("pred", "gold", "equal", "reason"),
    [
        ("2,75", "2.75", True, "a decimal comma in the answer"),
        ("4.125", "4,125", False, "three digits after the comma: a thousands separator (4125)"),
        ("0,5", "0.5", True, "a zero integer part cannot have thousands"),
        ("12345,6", "12345.6", True, "more than three digits before the comma"),
        ("3,5", "3, 5", True, "against a list the comma separates values"),
    ],
)
def test_decimal_commas(no_symbolic, pred, gold, equal, reason):
    assert compare_math(pred, gold).equal is equal, reason


def test_decimal_comma_reading():
    assert [decimal_comma(x) for x in ("7,25", "7,250", "0,250", "x,2")] == ["7.25", None, "0.250", None]


# ---------------------------------------------------------------------------------------------
# 5. notation: matrices, separators, units, stray backslashes, \bmod, e and i, empty sets

NOTATION = [
    ("\\begin{bmatrix}1&0\\\\0&2\\end{bmatrix}", "\\begin{pmatrix} 1 & 0 \\\\ 0 & 2 \\end{pmatrix}", True, "bmatrix, spaces"),
    ("\\left[\\begin{array}{cc}1&0\\\\0&2\\end{array}\\right]", "\\begin{pmatrix}1&0\\\\0&2\\end{pmatrix}", True, "array in brackets"),
    ("\\begin{pmatrix}0.5\\\\0.25\\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{2}\\\\\\frac{1}{4}\\end{pmatrix}", True, "cells compared as numbers"),
    ("\\begin{pmatrix}1&2\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", False, "a row is not a column"),
    ("65,\\! 536", "65536", True, "',\\!' then a space separates thousands"),
    ("64\\", "64", True, "a stray trailing backslash"),
    ("\\varnothing", "\\emptyset", True, "one empty set"),
    ("\\{\\}", "\\emptyset", True, "empty braces are the empty set"),
]


@pytest.mark.parametrize(("pred", "gold", "equal", "reason"), NOTATION, ids=[n[3] for n in NOTATION])
def test_notation(no_symbolic, pred, gold, equal, reason):
    assert compare_math(pred, gold).equal is equal, reason


@pytest.mark.parametrize(
    ("pred", "gold", "equal", "reason"),
    [
        ("29 \\bmod 6", "5", True, "\\bmod evaluated"),
        ("\\mathrm{e}^{3}", "e^3", True, "upright e is Euler's number"),
        ("2 - \\frac{1}{\\mathrm{e}}", "2-e^{-1}", True, "\\mathrm{e} inside a fraction"),
        ("e^{2i\\pi}", "1", True, "e and i as constants"),
        ("e^{i\\pi}", "1", False, "e^{i pi} is -1"),
    ],
)
def test_constants_and_modulo(pred, gold, equal, reason):
    assert compare_math(pred, gold).equal is equal, reason


# ---------------------------------------------------------------------------------------------
# 6. an answer only inside the reasoning does not count

REASONING = [
    ("<think>So the answer is \\boxed{8}.</think>", "8", 0.0, "a box inside the reasoning only"),
    ("<think>The answer is 8.</think>\nDone.", "8", 0.0, "a marker inside the reasoning only"),
    ("<think>Counting: 8, so the answer is 8", "8", 0.0, "an unclosed <think>: never finished"),
    ("Opened by the template, so 8.</think>\nThe answer is 8.", "8", 1.0, "the answer after a prompt-opened block"),
    ("<Think>7?</Think><Answer>8</Answer>", "8", 1.0, "tags in any case"),
]


@pytest.mark.parametrize(("completion", "gold", "value", "reason"), REASONING, ids=[r[3] for r in REASONING])
def test_reasoning_is_not_the_answer(completion, gold, value, reason):
    score = verify(completion, gold)
    assert score.value == value, (reason, score)


# ---------------------------------------------------------------------------------------------
# 7. precision and number words

PRECISION = [
    ("2.7183", "2.72", True, "a more precise answer rounds to the rounded gold"),
    ("2.71", "2.72", False, "a neighbour of a rounded gold"),
    ("2.7249", "2.72", True, "rounds down to the gold"),
    ("2.726", "2.72", False, "rounds to 2.73"),
    ("0.124", "0.12", False, "a two-digit decimal gold is exact"),
    ("negative 8", "-8", True, "a sign word"),
    ("minus 0.5", "-\\frac{1}{2}", True, "'minus' as a sign"),
    ("approximately 33.3%", "\\frac{1}{3}", True, "'approximately' before a rounded percent"),
    ("about 0.67", "2/3", True, "'about' before a rounded value"),
    ("roughly 7", "7.5", False, "an approximation word does not excuse a coarser value"),
    ("0.4%", "0.4", False, "a percent sign changes the value of a fraction gold"),
    ("40%", "40", True, "a percent count for a gold over 1"),
]


@pytest.mark.parametrize(("pred", "gold", "equal", "reason"), PRECISION, ids=[p[3] for p in PRECISION])
def test_precision(no_symbolic, pred, gold, equal, reason):
    assert compare_math(pred, gold).equal is equal, reason


def test_percent_question_allows_the_percent_count(no_symbolic):
    assert compare_math("0.4%", "0.4", percent_question=True).equal is True
    _check("The answer is 0.4%.", "0.4", 1.0, "the question asks for a percentage", prompt="What percent are blue?")


def test_number_words_and_formulas():
    _check("The answer is 6.", "six", 1.0, "a digit against a number-word gold")
    _check("The answer is 16.", "six", 0.0, "another number against a number-word gold")
    assert compare_text("CO_2", "CO2").equal is True, "a subscript inside a formula"
    assert compare_text("\\mathrm{CO_{2}}", "CO2").equal is True
    assert compare_text("CO_3", "CO2").equal is False


# ---------------------------------------------------------------------------------------------
# 8. several answers: boxes that list a set, brackets, golds with markers

SEVERAL = [
    ("So $\\boxed{-3}$ and $\\boxed{3}$.", "-3, 3", 1.0, "two boxes listing the gold's two values"),
    ("So $\\boxed{3}$ and $\\boxed{-3}$.", "\\{-3, 3\\}", 1.0, "in another order, against a set"),
    ("So $\\boxed{-3}$ and $\\boxed{2}$.", "-3, 3", 0.0, "one box is not a value of the gold"),
    ("First $\\boxed{5}$, then $\\boxed{6}$.", "6", 0.0, "several boxes for a one-value gold stay a conflict"),
    ("$\\boxed{(0, 1)}$, $\\boxed{(1, 0)}$", "(1, 0), (0, 1)", 1.0, "boxed points"),
    ("The answer is [45].", "45", 1.0, "one value in square brackets"),
    ("$\\boxed{45}$", "[45]", 1.0, "a bracketed gold"),
]


@pytest.mark.parametrize(("completion", "gold", "value", "reason"), SEVERAL, ids=[s[3] for s in SEVERAL])
def test_several_answers(completion, gold, value, reason):
    _check(completion, gold, value, reason)


def test_golds_written_with_markers_and_math_spans():
    _check("The answer is 17", "the answer is 17", 1.0, "a gold that is a marker sentence")
    _check("The answer is (B).", "Sam and the answer is\n(B) Chloe", 1.0, "a marker sentence gold", task="choice")
    _check("$\\boxed{2, 4, 6}$", "$2$, $4$ and $6$", 1.0, "a gold listing values in math spans")


def test_the_exclamation_after_an_answer_is_punctuation():
    _check("The answer is 24!", "24", 1.0, "'!' ends the sentence")
    _check("The answer is $4!$", "24", 1.0, "inside math it is a factorial")


# ---------------------------------------------------------------------------------------------
# 9. batching: a batch's symbolic comparisons take one worker round trip

class _CountingRunner:
    def __init__(self, real):
        self.real, self.single, self.batches = real, 0, 0

    def run(self, fn, *args, timeout):
        self.single += 1
        return self.real.run(fn, *args, timeout=timeout)

    def run_many(self, fn, args_list, timeout_each):
        self.batches += 1
        return self.real.run_many(fn, args_list, timeout_each=timeout_each)


def test_accuracy_reward_sends_a_batch_in_one_round_trip(monkeypatch):
    real = mathrule.shared_runner()
    counter = _CountingRunner(real)
    monkeypatch.setattr(mathrule, "shared_runner", lambda: counter)
    mathrule._VERDICTS.clear()
    # pairs the numeric identity test cannot decide (function applications), so each needs the worker
    samples = [Sample(completion=f"$\\boxed{{f(x) + {k}}}$", answer=f"{k} + f(x)") for k in range(2, 8)]
    scores = AccuracyReward()(samples)
    assert [s.value for s in scores] == [1.0] * len(samples)
    assert counter.batches == 1 and counter.single == 0, (counter.batches, counter.single)


def test_extraction_keeps_the_tuple_of_a_sentence():
    got = extract_answer("The solution of the system is $(5, -2)$.")
    assert got.answer == "(5, -2)"


def test_a_range_is_a_hedge_not_a_value():
    """"between 4 and 6" names no value: it must not earn the reward for a gold inside the range."""
    _check("The answer is between 4 and 6.", "5", 0.0, "a range containing the gold")
    _check("The distance between the two towns is 5 km. The answer is 5.", "5", 1.0, "'between' in the reasoning")


# ---------------------------------------------------------------------------------------------
# short closing sentences, and values the sentence rules out

SHORT_AND_NEGATED = [
    ("It is 9.", "9", 1.0, "a pronoun subject and a word copula make a sentence: the value is 9"),
    ("x is 12", "12", 1.0, "a one-letter subject with 'is' states the value"),
    ("It's 7.", "7", 1.0, "a contracted copula"),
    ("Thus 15.", "15", 1.0, "a connective word before the value"),
    ("It is not 9.", "9", 0.0, "a negated copula states no value: not a match for 9"),
    ("The area is not 25.", "25", 0.0, "'is not 25' says the answer is something else"),
    ("x cannot be 4.", "4", 0.0, "a negation in the word before the copula"),
    ("The area is 25, not 20.", "25", 1.0, "the clause after the comma names the value ruled out"),
    ("The area is 25, not 20.", "20", 0.0, "the ruled-out value is not the answer"),
    ("So the area is not 20 but 25.", "25", 1.0, "'not X but Y' states Y"),
    ("The answer is 9, not 8.", "9", 1.0, "a marker value loses the alternative it rules out"),
    ("The answer is 9 rather than 8.", "9", 1.0, "'rather than' introduces the ruled-out value"),
    ("Final answer: B (not C)", "B", 1.0, "a parenthesised 'not C' after a letter"),
    ("no, it's not 3, it's 30 in total.", "30", 1.0, "a negation before an earlier copula does not cancel the last one"),
    # a sentence left whole is not read as a product of symbols (that equals a gold of 0 everywhere)
    ("It is not 0.", "0", 0.0, "a negated sentence against gold 0"),
    ("y cannot be 0", "0", 0.0, "prose around a zero is no zero"),
    ("It isn't 0.", "0", 0.0, "a contraction does not make the sentence math"),
    ("12 square meters", "12", 1.0, "a number with a two-word unit is still the number"),
]


@pytest.mark.parametrize("completion,gold,value,reason", SHORT_AND_NEGATED)
def test_short_sentences_and_negated_values(completion, gold, value, reason):
    _check(completion, gold, value, reason)


def test_drop_rejected_tail_keeps_statements_that_are_negative():
    from hymar.rewards.rules.sentences import drop_rejected_tail

    assert drop_rejected_tail("9, not 8") == "9"
    assert drop_rejected_tail("Paris (not Lyon)") == "Paris"
    assert drop_rejected_tail("It is not possible") == "It is not possible"  # no comma: a statement
    assert drop_rejected_tail("not 8") == "not 8"  # nothing before the tail: the value itself
    assert drop_rejected_tail("$(1, not 2)$") == "$(1, not 2)$"  # inside math: left alone


def test_sentence_value_skips_ruled_out_clause_and_negated_copula():
    assert sentence_value("The total is 40, not 45") == "40"
    assert sentence_value("The total is not 45") is None


# a word of an East Asian script after a number is a counted noun or a copula, decided in process
@pytest.mark.parametrize(
    ("answer", "gold", "equal"),
    [("15 です", "15", True), ("16 です", "15", False), ("858颗", "858", True), ("12 个", "12", True), ("7입니다", "7", True)],
)
def test_east_asian_word_after_a_number_needs_no_sympy(no_symbolic, answer, gold, equal):
    assert compare_math(answer, gold).equal is equal


def test_split_noun_east_asian_words():
    from hymar.rewards.rules.numbers import split_noun

    assert split_noun("15です") == ("15", "です")
    assert split_noun("858 颗") == ("858", "颗")
    assert split_noun("4 x") is None  # a one-letter Latin word is a symbol
