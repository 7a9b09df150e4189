"""Defects 2 and 8 of issue 9 in `hymar score`: one bad line costs only its own line.

Before the fix a 5,000-digit integer, 100,000-deep nesting or a 5,000-character image path crashed the
whole run with no output; a UTF-8 BOM on line 1 was an error; NaN was written as bare ``NaN``.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from hymar.cli import main
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import RewardResult
from hymar.scoring import score_jsonl

from .helpers import NORMAL, deep_json, read_jsonl, write_lines

RIGHT = json.dumps(NORMAL[0])


def run(tmp_path, lines, *extra) -> tuple[int, list[dict]]:
    src, out = write_lines(tmp_path / "in.jsonl", lines), tmp_path / "out.jsonl"
    code = main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q", *extra])
    return code, read_jsonl(out)


@pytest.mark.parametrize(
    "bad, reason",
    [
        ('{"id": "bigint", "prompt": "q", "completion": "c", "answer": ' + "9" * 5000 + "}", "over Python's int-string limit"),
        (deep_json(100_000), "RecursionError in the JSON parser"),
        (json.dumps({"id": "path", "prompt": "q", "completion": "c", "images": ["a" * 5000 + ".png"]}), "OSError: name too long"),
        (json.dumps({"id": "nul", "prompt": "q", "completion": "c", "images": ["a\x00b.png"]}), "ValueError: embedded NUL"),
    ],
)
def test_one_bad_line_is_an_error_record_and_the_run_goes_on(tmp_path, bad, reason):
    code, rows = run(tmp_path, [RIGHT, bad, RIGHT])
    assert code == 1, reason  # a line failed: exit 1, not a crash
    assert [r.get("reward") for r in rows] == [1.0, None, 1.0]
    assert rows[1]["line"] == 2 and rows[1]["error"].startswith("line 2: "), rows[1]


def test_an_image_path_error_names_the_field(tmp_path):
    _, rows = run(tmp_path, [json.dumps({"id": "p", "prompt": "q", "completion": "c", "images": ["a" * 5000]})])
    assert "images[0]" in rows[0]["error"] and rows[0]["id"] == "p"


def test_nesting_just_under_the_parser_limit_cannot_break_the_writer(tmp_path):
    # Parsed fine, but deep enough that writing it back out may recurse too far: its own error record.
    lines = [RIGHT] + [deep_json(d) for d in (200, 900, 980, 995, 1200)] + [RIGHT]
    code, rows = run(tmp_path, lines)
    assert rows[0]["reward"] == 1.0 and rows[-1]["reward"] == 1.0 and len(rows) == len(lines)


def test_a_reward_that_raises_on_one_group_costs_only_that_group(tmp_path):
    rule = HybridReward.from_preset("rule-only")

    class FailsOnBoom:
        component_names = rule.component_names

        def __call__(self, samples, groups=None) -> RewardResult:
            if any("BOOM" in s.completion for s in samples):
                raise RuntimeError("combiner bug")
            return rule(samples, groups)

    lines = [RIGHT, json.dumps({"id": "boom", "prompt": "q", "completion": "BOOM"}), RIGHT]
    src, out = write_lines(tmp_path / "in.jsonl", lines), tmp_path / "out.jsonl"
    summary = score_jsonl(src, out, FailsOnBoom(), progress=False)  # one batch holds all three lines
    rows = read_jsonl(out)
    assert [r.get("reward") for r in rows] == [1.0, None, 1.0]
    assert "RuntimeError: combiner bug" in rows[1]["error"] and summary.failed == 1


class TestEncodingAndNumbers:
    def test_utf8_bom_on_line_1_is_accepted(self, tmp_path):
        src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
        src.write_bytes(b"\xef\xbb\xbf" + (RIGHT + "\n").encode())
        assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q"]) == 0
        assert read_jsonl(out)[0]["reward"] == 1.0

    def test_utf8_bom_on_stdin_is_accepted(self, tmp_path, monkeypatch):
        out = tmp_path / "out.jsonl"
        stdin = io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + (RIGHT + "\n").encode()), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", stdin)
        assert main(["score", "-", "-o", str(out), "--preset", "rule-only", "-q"]) == 0
        assert read_jsonl(out)[0]["reward"] == 1.0

    def test_nan_and_infinity_are_never_written_as_bare_constants(self, tmp_path):
        line = RIGHT[:-1] + ', "meta_nan": NaN, "meta_inf": [Infinity, -Infinity]}'
        code, rows = run(tmp_path, [line])
        assert code == 0 and rows[0]["reward"] == 1.0  # read_jsonl refuses NaN/Infinity
        assert rows[0]["meta_nan"] is None and rows[0]["meta_inf"] == [None, None]

    def test_a_non_finite_gold_answer_is_a_line_error(self, tmp_path):
        code, rows = run(tmp_path, ['{"id": "g", "prompt": "q", "completion": "c", "answer": NaN}'])
        assert code == 1 and "field 'answer'" in rows[0]["error"]
