"""Defect 7 of issue 9: one field must not buy quadratic (or unbounded) work.

Keyword de-duplication in `Constraints` was quadratic: 30k required keywords on one line cost 30 s
(5k: 0.5 s, 10k: 2.2 s). Every constraint field is now bounded and the per-field work is linear.
"""

from __future__ import annotations

import time

import pytest

from hymar.rewards.aspects.adherence import InstructionAdherence
from hymar.rewards.aspects.constraints import MAX_KEYWORD_CHARS, MAX_KEYWORDS, Constraints, constraints_for
from hymar.rewards.types import Sample


def timed(fn):
    start = time.perf_counter()
    try:
        return fn(), time.perf_counter() - start
    except (TypeError, ValueError) as err:
        return err, time.perf_counter() - start


class TestKeywordLists:
    def test_ten_thousand_keywords_are_refused_at_once_naming_the_field(self):
        err, elapsed = timed(lambda: Constraints(required_keywords=[f"w{i}" for i in range(10_000)]))
        assert elapsed < 0.3, f"{elapsed:.2f} s"  # before: 2.2 s of quadratic de-duplication
        assert isinstance(err, ValueError) and "required_keywords" in str(err) and str(MAX_KEYWORDS) in str(err)

    def test_a_dataset_column_with_30k_keywords_costs_its_sample_only_milliseconds(self):
        sample = Sample(prompt="q", completion="w1", constraints={"banned_keywords": [f"w{i}" for i in range(30_000)]})
        score, elapsed = timed(lambda: InstructionAdherence().score_aspects(sample)["keywords"])
        assert elapsed < 0.5, f"{elapsed:.2f} s"  # before: ~30 s
        assert not score.valid and "banned_keywords" in score.info["reason"]

    def test_de_duplication_is_linear_and_keeps_the_first_spelling(self):
        words = [f"Word{i}" for i in range(MAX_KEYWORDS)]
        doubled = words + [w.upper() for w in words] + [f"  {w.lower()}  " for w in words]
        _, elapsed = timed(lambda: Constraints(required_keywords=words))
        assert Constraints(required_keywords=doubled[: MAX_KEYWORDS]).required_keywords == tuple(words)
        assert elapsed < 0.05

    def test_duplicates_do_not_count_against_the_limit(self):
        c = Constraints(required_keywords=["apple"] * (MAX_KEYWORDS * 3))
        assert c.required_keywords == ("apple",)

    def test_an_over_long_keyword_is_refused(self):
        err, _ = timed(lambda: Constraints(banned_keywords=["x" * (MAX_KEYWORD_CHARS + 1)]))
        assert isinstance(err, ValueError) and "banned_keywords" in str(err)


class TestOtherFields:
    @pytest.mark.parametrize(
        "field, value",
        [
            ("language", "e" * 10_000),  # a language tag is a few characters
            ("answer_form", "w" * 10_000),
        ],
    )
    def test_over_long_text_fields_are_refused_naming_the_field(self, field, value):
        err, elapsed = timed(lambda: Constraints.from_mapping({field: value}))
        assert isinstance(err, ValueError) and field in str(err) and elapsed < 0.05

    def test_an_over_long_completion_is_not_matched_at_all(self):
        # 64 keywords x 16 MB of completion would be ~20 s of regex work for one sample
        sample = Sample(prompt="q", completion="a " * 4_000_000, constraints={"required_keywords": ["zebra"]})
        scores, elapsed = timed(lambda: InstructionAdherence().score_aspects(sample))
        assert elapsed < 0.5, f"{elapsed:.2f} s"
        assert all(not s.valid and "too long" in s.info["reason"] for s in scores.values())

    def test_normal_constraints_are_unchanged(self):
        c = constraints_for(Sample(prompt="Answer in at most 20 words and include the word 'apple'.", completion=""))
        assert c.max_words == 20 and c.required_keywords == ("apple",)
