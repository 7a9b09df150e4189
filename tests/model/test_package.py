"""Package-level behaviour: no torch at import, lazy exports; torch-free helpers (think stripping, spec)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hymar.rewards.model.spec import RewardModelSpec
from hymar.rewards.model.text import strip_think


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


class TestLazyImports:
    def test_package_import_does_not_import_torch(self):
        code = (
            "import sys, hymar.rewards, hymar.rewards.model as m;"
            "from hymar.rewards.model import LLMJudge, RewardModelSpec;"
            "import hymar.rewards.model.embedding, hymar.rewards.model.learned;"
            "heavy = ('torch', 'transformers', 'sentence_transformers');"
            "print(sorted(k for k in heavy if k in sys.modules))"
        )
        assert _run(code) == "[]"

    def test_lazy_export_resolves(self):
        code = (
            "from hymar.rewards.model import EmbeddingSimilarity, LearnedRewardModel;"
            "from hymar.rewards.model.embedding import EmbeddingSimilarity as E;"
            "print(EmbeddingSimilarity is E, LearnedRewardModel.name)"
        )
        assert _run(code) == "True reward_model"

    def test_unknown_attribute(self):
        import hymar.rewards.model as m

        with pytest.raises(AttributeError, match="NoSuchThing"):
            m.NoSuchThing  # noqa: B018


class TestStripThink:
    @pytest.mark.parametrize(
        "text, expected, why",
        [
            ("<think>a</think>b", "b", "one block"),
            ("x<think>a</think>y<think>b</think>z", "xyz", "several blocks"),
            ("<THINK>a</Think> b", "b", "case-insensitive"),
            ("reasoning here</think>answer", "answer", "closing tag only: template opened it"),
            ("answer <think>never closed", "answer", "unclosed block drops the rest"),
            ("plain answer", "plain answer", "no tags"),
            ("<think></think>", "", "only an empty block"),
        ],
    )
    def test_table(self, text, expected, why):
        assert strip_think(text) == expected, why


class TestSpec:
    @pytest.mark.parametrize(
        "spec, n, names, weights, why",
        [
            (RewardModelSpec(), 1, ("reward",), (1.0,), "scalar default"),
            (RewardModelSpec(), 2, ("aspect_0", "aspect_1"), (0.5, 0.5), "vector default is the mean"),
            (RewardModelSpec(("a", "b"), {"a": 3.0}), 2, ("a", "b"), (3.0, 0.0), "unlisted aspects weigh 0"),
        ],
    )
    def test_resolved(self, spec, n, names, weights, why):
        assert spec.resolved(n) == (names, weights), why

    def test_roundtrip(self, tmp_path):
        spec = RewardModelSpec(("correctness", "adherence"), {"correctness": 1.0, "adherence": 0.5}, True)
        spec.save(tmp_path)
        assert RewardModelSpec.load(tmp_path) == spec

    def test_missing_file_is_default(self, tmp_path):
        assert RewardModelSpec.load(tmp_path) == RewardModelSpec()

    @pytest.mark.parametrize(
        "content, why",
        [
            ({"aspects": "correctness"}, "aspects not a list"),
            ({"aspects": ["a", "a"]}, "duplicate names"),
            ({"aspects": ["a"], "aspect_weights": {"b": 1.0}}, "weight for an unknown aspect"),
            ({"multimodal": "yes"}, "multimodal not a bool"),
            ([1, 2], "not an object"),
        ],
    )
    def test_invalid_files(self, tmp_path, content, why):
        (tmp_path / "hymar_reward.json").write_text(json.dumps(content))
        with pytest.raises(ValueError, match="hymar_reward.json"):
            RewardModelSpec.load(tmp_path)

    def test_count_mismatch(self):
        with pytest.raises(ValueError, match="names 2 aspects but the model has 3"):
            RewardModelSpec(("a", "b")).resolved(3)
