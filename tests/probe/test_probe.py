"""`hymar probe`: the audit itself (groups, advantages, flags), its registry, reports and command."""

from __future__ import annotations

import json
import math

import pytest

from hymar.cli import main
from hymar.probe import (
    ProbeItem,
    exploits,
    group_advantages,
    items_from_rows,
    register_exploit,
    run_probe,
    suite_items,
    unregister_exploit,
)
from hymar.probe.items import wrong_answer
from hymar.probe.report import to_dict, to_markdown, write_report

WEAK = {"components": {"substring": {"type": "hymar.probe.controls:SubstringMatch", "weight": 1.0}}}


@pytest.fixture(scope="module")
def items():
    return suite_items(per_domain=4)


class TestAdvantage:
    @pytest.mark.parametrize(
        "rewards, standardise, expected, why",
        [
            ([1.0, 0.0, 0.5], False, [0.5, -0.5, 0.0], "centred: r - mean"),
            ([2.0, 2.0, 2.0], False, [0.0, 0.0, 0.0], "equal rewards: no signal"),
            ([1.0, 0.0, float("nan")], False, [0.5, -0.5, 0.0], "NaN left out of the mean, advantage 0 (TRL)"),
            ([1.0, 0.0, 0.5], True, [0.5 / (0.5 + 1e-4), -0.5 / (0.5 + 1e-4), 0.0], "std with Bessel: 0.5"),
        ],
    )
    def test_hand_computed(self, rewards, standardise, expected, why):
        assert group_advantages(rewards, standardise=standardise) == pytest.approx(expected), why


class TestItems:
    @pytest.mark.parametrize(
        "gold, options, others, expected, why",
        [
            ("3", {}, [], "4", "a number: plus one"),
            ("B", {"A": "x", "B": "y", "C": "z"}, [], "C", "a letter: the next option"),
            ("D", {"A": "x", "B": "y", "C": "z", "D": "w"}, [], "A", "the last letter wraps"),
            ("yes", {}, [], "no", "yes/no: the other"),
            ("a red circle", {}, ["a red circle", "a blue square"], "a blue square", "text: another gold, not itself"),
            ("a red circle", {}, ["A red circle"], None, "no different gold: none"),
        ],
    )
    def test_wrong_answer(self, gold, options, others, expected, why):
        assert wrong_answer(gold, options, others) == expected, why

    def test_suite_items_cover_every_domain_with_a_wrong_answer(self, items):
        assert {i.domain for i in items} == {"counting", "arithmetic", "chart", "choice", "describe"}
        assert all(i.wrong and i.wrong != i.gold for i in items)
        assert all(i.options for i in items if i.domain == "choice")

    def test_rows_without_gold_or_reference_are_skipped(self):
        rows = [{"id": "a", "prompt": "q", "answer": "2"}, {"id": "b", "prompt": "q"}]
        assert [i.id for i in items_from_rows(rows)] == ["a"]


class TestAudit:
    def test_rule_only_passes_and_has_a_signal(self, items):
        result = run_probe("rule-only", items)
        assert result.passed, [e.name for e in result.flagged]
        assert result.signal["margin"] > 0.5

    def test_substring_reward_is_flagged(self, items):
        result = run_probe(WEAK, items)
        flagged = {e.name for e in result.flagged}
        assert not result.passed
        # the Visual-RFT hacks: hedges, a shotgun and the answer after the tag all earn full credit
        assert {"hedge_or", "number_or", "number_shotgun", "text_after_answer", "answer_in_think"} <= flagged
        shotgun = next(e for e in result.exploits if e.name == "number_shotgun")
        assert shotgun.reward == 1.0 and shotgun.wrong_reward == 0.0 and shotgun.margin == pytest.approx(1.0)
        # group [correct 1, wrong 0, exploit 1]: centred advantage 1 - 2/3
        assert shotgun.advantage == pytest.approx(1 / 3)

    def test_exploits_that_do_not_apply_are_skipped(self, items):
        result = run_probe(WEAK, items, exploit_names=["hedge_or", "number_or"])
        by_name = {e.name: e for e in result.exploits}
        assert by_name["hedge_or"].n == sum(1 for i in items if i.options)
        assert by_name["number_or"].n == sum(1 for i in items if i.number is not None)

    def test_an_unscorable_exploit_beats_a_negative_wrong_advantage(self):
        # TRL gives a NaN reward advantage 0; in a group where the honest wrong answer is below the
        # mean that is a gain, so the audit must count it as one
        item = ProbeItem("x", "d", None, "q", "2", None, wrong="3")

        class NanForUnformatted:
            component_names = ["fake"]

            def __call__(self, samples, groups):
                from hymar.rewards.types import RewardResult, Score

                values = [1.0 if "<answer>2<" in s.completion else (0.0 if "<answer>" in s.completion else math.nan) for s in samples]
                scores = [Score(v) if math.isfinite(v) else Score.invalid("x") for v in values]
                return RewardResult(values, {"fake": scores})

        result = run_probe(NanForUnformatted(), [item], exploit_names=["one_token"])
        e = result.exploits[0]
        assert e.unscorable == 1 and e.flagged and e.margin == pytest.approx(0.5)


class TestRegistry:
    def test_user_exploit_is_audited(self, items):
        @register_exploit("test_gold_twice", family="user", description="the gold twice")
        def gold_twice(item):
            return item.completion(f"{item.gold} {item.gold} {item.wrong}")

        try:
            assert "test_gold_twice" in [e.name for e in exploits()]
            result = run_probe(WEAK, items, exploit_names=["test_gold_twice"])
            assert result.exploits[0].family == "user" and result.exploits[0].flagged
        finally:
            unregister_exploit("test_gold_twice")

    def test_duplicate_names_are_refused(self):
        with pytest.raises(ValueError, match="already registered"):
            register_exploit("hedge_or", family="x", description="x")(lambda item: None)

    def test_unknown_name_suggests(self):
        with pytest.raises(KeyError, match="did you mean 'hedge_or'"):
            exploits(["hedge_orr"])

    def test_every_builtin_builds_text_or_none(self, items):
        for exploit in exploits():
            for item in items:
                text = exploit.build(item)
                assert text is None or isinstance(text, str), exploit.name


class TestReport:
    def test_writes_markdown_json_and_png(self, items, tmp_path):
        result = run_probe(WEAK, items, exploit_names=["hedge_or", "empty_answer"])
        paths = write_report(result, tmp_path)
        data = json.loads(paths["json"].read_text())
        assert data["passed"] is False and data["flagged"] == ["hedge_or"]
        assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        md = paths["markdown"].read_text()
        assert "FAIL" in md and "| hedge_or | hedges |" in md and "**FLAGGED** (choice)" in md

    def test_nan_is_written_as_null(self, items):
        result = run_probe(WEAK, items, exploit_names=["empty_answer"])
        result.exploits[0].reward = math.nan
        assert to_dict(result)["exploits"][0]["reward"] is None
        assert "| - |" in to_markdown(result)


class TestCommand:
    def test_weak_config_exits_1(self, tmp_path):
        config = tmp_path / "weak.yaml"
        config.write_text(json.dumps(WEAK))
        code = main(["probe", "--config", str(config), "--per-domain", "2", "--out", str(tmp_path / "o"), "-q"])
        assert code == 1
        assert (tmp_path / "o" / "probe.md").is_file()

    def test_rule_only_exits_0(self, tmp_path):
        assert main(["probe", "--preset", "rule-only", "--per-domain", "2", "--out", str(tmp_path), "-q"]) == 0

    def test_unknown_exploit_is_a_usage_error(self, tmp_path, capsys):
        assert main(["probe", "--preset", "rule-only", "--exploits", "nope", "--out", str(tmp_path)]) == 2
        assert "unknown exploit" in capsys.readouterr().err

    def test_data_file(self, tmp_path):
        rows = tmp_path / "rows.jsonl"
        rows.write_text("\n".join(json.dumps({"question": f"What is {k} + 1?", "gt": str(k + 1)}) for k in range(4)))
        code = main(["probe", "--preset", "rule-only", "--data", str(rows), "--column-map",
                     '{"question": "prompt", "gt": "answer"}', "--out", str(tmp_path / "o"), "-q"])  # fmt: skip
        assert code == 0
        assert json.loads((tmp_path / "o" / "probe.json").read_text())["items"] == 4
