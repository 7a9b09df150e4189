"""Hostile completions: each returns a Score from `verify` within 2 s, never raises, and is invalid
with a reason or wrong -- from the main thread and from a worker thread (no signals anywhere)."""

from __future__ import annotations

import threading
import time

import pytest

from hymar.rewards.rules.limits import Limits
from hymar.rewards.rules.verifier import verify
from hymar.rewards.types import Score

BUDGET_S = 2.0
# limits raised far above the defaults so the scanners themselves (not the length check) meet the bait
WIDE = Limits(max_completion_chars=2_000_000, max_answer_chars=2_000_000)

# (completion, gold, limits, reason)
HOSTILE = [
    ("x" * 1_000_000, "7", None, "megabyte completion"),
    ("\\boxed{1}" * 100_000, "7", None, "100k boxes, default limits (length check)"),
    ("\\boxed{1}" * 100_000, "7", WIDE, "100k boxes, box counter"),
    ("\\boxed{" + "{" * 10_000 + "1" + "}" * 10_001, "7", None, "10k-deep braces in a box"),
    ("{" * 10_000 + "1" + "}" * 10_000, "7", WIDE, "10k-deep braces outside a box"),
    ("\\boxed{" * 100_000, "7", WIDE, "100k unclosed boxes"),
    ("abc\x00def\n\\boxed{7}", "7", None, "null byte"),
    ("\\boxed{7}\ud800", "7", None, "lone surrogate"),
    ("<answer>2\u200b4</answer>", "42", None, "zero-width characters in the answer"),
    ("<answer>\u202e42</answer>", "24", None, "bidi override in the answer"),
    ("<answer>4\u20662</answer>", "42", None, "bidi isolate in the answer"),
    ("Answer:" + " " * 100_000 + "x", "7", None, "regex bait: long whitespace run after a marker"),
    ("Answer:" + " " * 100_000 + "x", "7", WIDE, "regex bait, wide limits"),
    ("(" * 50_000, "7", None, "50k open parentheses"),
    ("(" * 50_000, "7", WIDE, "50k open parentheses, wide limits"),
    ("the answer is " * 50_000, "7", None, "50k answer phrases"),
    ("the answer is " * 50_000, "Paris", WIDE, "50k answer phrases, wide limits"),
    ("answer" * 100_000, "7", WIDE, "marker word without separators"),
    ("Answer:\n" * 100_000, "7", WIDE, "100k empty answer lines"),
    ("<answer>" * 100_000, "7", WIDE, "100k unclosed answer tags"),
    ("<answer>1</answer>" * 50_000, "7", WIDE, "50k answer tags"),
    ("\\" * 500_000, "7", WIDE, "half a million backslashes"),
    ("A or " * 100_000, "C", WIDE, "hedge bait for the choice comparer"),
    ("\\boxed{" + "9" * 100_000 + "}", "7", None, "100k-digit boxed answer, default limits"),
]

MATH_HOSTILE = [
    ("\\boxed{" + "9" * 100_000 + "}", "7", WIDE, "100k-digit answer reaches compare_math"),
    ("\\boxed{7}", "9" * 100_000, WIDE, "100k-digit gold reaches compare_math"),
    ("The answer is " + "1" * 1_500, "7", None, "1.5k-digit number under the answer limit"),
    ("\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "7", None, "exponent tower"),
    ("\\boxed{(10^{100000})!}", "7", None, "huge factorial"),
    ("\\boxed{" + "\\sqrt{" * 60 + "2" + "}" * 60 + "}", "7", None, "deep roots under the brace limit"),
]


def _check(completion: str, gold: str, limits: Limits | None) -> None:
    start = time.monotonic()
    score = verify(completion, gold, limits=limits or Limits())
    elapsed = time.monotonic() - start
    assert elapsed < BUDGET_S, f"took {elapsed:.2f} s"
    assert isinstance(score, Score)
    if score.valid:
        assert score.value == 0.0, score
    else:
        assert score.value is None and score.info.get("reason"), score


def _check_in_thread(completion: str, gold: str, limits: Limits | None) -> None:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            _check(completion, gold, limits)
        except BaseException as err:  # noqa: BLE001 -- re-raised in the test thread
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "verify hung in a worker thread"
    if errors:
        raise errors[0]


@pytest.mark.parametrize(("completion", "gold", "limits", "reason"), HOSTILE, ids=[h[3] for h in HOSTILE])
def test_hostile_main_thread(completion, gold, limits, reason):
    _check(completion, gold, limits)


@pytest.mark.parametrize(("completion", "gold", "limits", "reason"), HOSTILE, ids=[h[3] for h in HOSTILE])
def test_hostile_worker_thread(completion, gold, limits, reason):
    _check_in_thread(completion, gold, limits)


@pytest.fixture(scope="module")
def warm_math():
    from hymar.rewards.rules.math import warm_up

    warm_up()  # pay the worker's start-up (sympy import) once, outside the timed calls


@pytest.mark.parametrize(("completion", "gold", "limits", "reason"), MATH_HOSTILE, ids=[h[3] for h in MATH_HOSTILE])
def test_hostile_math(warm_math, completion, gold, limits, reason):
    _check(completion, gold, limits)
    # another gold in the thread, so a cached verdict from the first call cannot hide a slow path
    _check_in_thread(completion, "8" if gold == "7" else gold + "1", limits)


@pytest.mark.parametrize(
    ("completion", "gold", "part"),
    [
        ("x" * 1_000_000, "7", "too long"),
        ("\\boxed{1}" * 100_000, "7", "too long"),
        ("\\boxed{" + "{" * 10_000 + "1" + "}" * 10_001, "7", "too deep"),
        ("a\x00b", "7", "null bytes"),
        ("\ud800", "7", "surrogates"),
        ("<answer>\u202e42</answer>", "24", "bidi"),
        ("\\boxed{" + "9" * 100_000 + "}", "7", "answer too long"),
    ],
)
def test_invalid_reasons(completion, gold, part):
    score = verify(completion, gold)
    assert not score.valid and part in score.info["reason"]


def test_wide_box_counter_reason():
    score = verify("\\boxed{1}" * 100_000, "7", limits=WIDE)
    assert not score.valid and "too many" in score.info["reason"]
