"""Reward-model training (`hymar train-rm`): pairs, losses, reports, and a tiny end-to-end run whose
model beats chance on held-out pairs, loads through LearnedRewardModel, plugs into HybridReward by
path and sees the image."""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path
from typing import ClassVar

import pytest

from hymar.train.rm.pairs import (
    KIND_ASPECT,
    OVERALL,
    PreferencePair,
    perturbation_pairs,
    split_pairs,
    target_completion,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ASPECTS = ("correctness", "adherence", "conciseness", "relevance")
PROMPT = [{"role": "user", "content": [{"type": "image", "text": None}, {"type": "text", "text": "How many red circles? Answer with a number."}]}]


# ---------------------------------------------------------------- fixtures (built once per module)


@pytest.fixture(scope="module")
def suite():
    from hymar.data.synthetic import build_task_suite

    return build_task_suite(40, 20, seed=0)


@pytest.fixture(scope="module")
def backbone(suite, tmp_path_factory) -> str:
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    return str(build_tiny_vlm(tmp_path_factory.mktemp("backbone"), task_corpus(suite["train"]), SIZES["test"], seed=0))


@pytest.fixture(scope="module")
def trained(backbone, tmp_path_factory):
    """A vector RM trained with the --quick settings on perturbation pairs (a few seconds)."""
    from dataclasses import replace

    from hymar.train.rm.training import quick_config, run_train_rm

    out = tmp_path_factory.mktemp("rm_vector")
    quick = quick_config()
    config = quick_config(backbone=backbone, threads=1, train=replace(quick.train, progress=False))
    return out, run_train_rm(out, config)


def _pair(**kw) -> PreferencePair:
    base = {"prompt": PROMPT, "image": None, "chosen": "<answer>3</answer>", "rejected": "<answer>4</answer>", "aspect": "correctness", "domain": "counting"}
    return PreferencePair(**{**base, **kw})


# ---------------------------------------------------------------- pairs (no torch)


class TestTargetCompletion:
    @pytest.mark.parametrize(
        "row, expected, reason",
        [
            ({"demonstration": "<think>t</think><answer>3</answer>", "answer": "3"}, "<think>t</think><answer>3</answer>", "demonstration wins"),
            ({"demonstration": None, "reference": "A red circle.", "answer": None}, "<answer>A red circle.</answer>", "reference in the answer format"),
            ({"demonstration": "", "reference": None, "answer": "7"}, "<answer>7</answer>", "gold answer in the answer format"),
            ({"demonstration": None, "reference": None, "answer": None}, None, "nothing to prefer"),
        ],
    )
    def test_cases(self, row, expected, reason):
        assert target_completion(row) == expected, reason


class TestPerturbationPairs:
    def test_chosen_is_the_demonstration_and_aspect_matches_kind(self, suite):
        rows = list(suite["train"])
        pairs = perturbation_pairs(rows, per_row=2, seed=0)
        demos = {r["id"]: r["demonstration"] for r in rows}
        assert len(pairs) == 2 * len(rows)
        for pair in pairs:
            row_id, kind = pair.id.rsplit(":", 1)
            assert pair.chosen == demos[row_id]
            assert pair.rejected != pair.chosen
            assert pair.aspect == KIND_ASPECT[kind]
            assert pair.image is not None and pair.source == "perturbation"

    def test_each_row_gets_distinct_aspects_and_all_aspects_appear(self, suite):
        pairs = perturbation_pairs(list(suite["train"]), per_row=4, seed=1)
        by_row: dict[str, list[str]] = {}
        for pair in pairs:
            by_row.setdefault(pair.id.rsplit(":", 1)[0], []).append(pair.aspect)
        assert all(len(set(a)) == len(a) for a in by_row.values())
        assert {p.aspect for p in pairs} == set(ASPECTS)

    @pytest.mark.parametrize(
        "aspects, reason",
        [
            (("correctness",), "one aspect only"),
            (("adherence", "relevance"), "a subset"),
        ],
    )
    def test_aspect_filter(self, suite, aspects, reason):
        pairs = perturbation_pairs(list(suite["train"]), aspects=aspects, per_row=2, seed=0)
        assert pairs and {p.aspect for p in pairs} <= set(aspects), reason

    def test_deterministic_by_seed(self, suite):
        rows = list(suite["train"])
        first = [(p.id, p.rejected) for p in perturbation_pairs(rows, seed=3)]
        assert first == [(p.id, p.rejected) for p in perturbation_pairs(rows, seed=3)]
        assert first != [(p.id, p.rejected) for p in perturbation_pairs(rows, seed=4)]

    @pytest.mark.parametrize("kwargs", [{"aspects": ("fluency",)}, {"per_row": 0}])
    def test_bad_arguments(self, suite, kwargs):
        with pytest.raises(ValueError):
            perturbation_pairs(list(suite["train"]), **kwargs)


class TestPreferencePair:
    @pytest.mark.parametrize(
        "kwargs, reason",
        [
            ({"rejected": "<answer>3</answer>"}, "chosen == rejected carries no preference"),
            ({"chosen_scores": {"correctness": 1.5}}, "attribute scores live in [0, 1]"),
            ({"source": "crowd"}, "unknown source"),
        ],
    )
    def test_invalid(self, kwargs, reason):
        with pytest.raises(ValueError):
            _pair(**kwargs)

    def test_sample_carries_prompt_image_and_gold(self):
        sample = _pair(image="x.png", answer="3", task="counting").sample("<answer>3</answer>")
        assert sample.images == ("x.png",) and sample.answer == "3" and sample.task == "counting"


def test_split_pairs_is_a_seeded_partition():
    pairs = [_pair(id=str(i), rejected=f"<answer>{i + 10}</answer>") for i in range(10)]
    train, held = split_pairs(pairs, 0.2, seed=0)
    assert len(held) == 2 and len(train) == 8
    assert {p.id for p in train}.isdisjoint({p.id for p in held})
    assert [p.id for p in held] == [p.id for p in split_pairs(pairs, 0.2, seed=0)[1]]
    assert len(split_pairs(pairs[:3], 0.1, seed=0)[1]) == 1  # at least one held out


# ---------------------------------------------------------------- policy pairs (labelling, no model)


class TestPolicyPairs:
    ROW: ClassVar[dict] = {"id": "r0", "prompt": PROMPT, "image": None, "answer": "3", "task": "counting", "domain": "counting"}

    @pytest.mark.parametrize(
        "completions, n_pairs, reason",
        [
            (["<think>three</think><answer>3</answer>", "<think>four</think><answer>4</answer>"], 1, "one right, one wrong"),
            (["<answer>3</answer>", "<think>x</think><answer>3</answer>"], 0, "all right: nothing to prefer"),
            (["<answer>5</answer>", "<answer>4</answer>"], 0, "all wrong: nothing to prefer"),
            (["<answer>4</answer>", "<answer>4</answer>", "<answer>3</answer>"], 1, "duplicates collapse"),
        ],
    )
    def test_pairs_right_with_wrong(self, completions, n_pairs, reason):
        from hymar.train.rm.policy import pair_policy_samples

        pairs = pair_policy_samples([self.ROW], [completions])
        assert len(pairs) == n_pairs, reason
        for pair in pairs:
            assert pair.aspect == "correctness" and pair.source == "policy"
            assert "3" in pair.chosen and pair.chosen_scores["correctness"] == 1.0
            assert pair.rejected_scores["correctness"] == 0.0 and "adherence" in pair.chosen_scores

    def test_open_rows_are_not_labelled(self):
        from hymar.train.rm.policy import label_completion

        assert label_completion({**self.ROW, "task": "open", "answer": None}, "<answer>A red circle.</answer>") is None


@pytest.mark.slow
def test_policy_sampling_returns_k_completions_per_prompt(backbone, suite):
    from hymar.train.rm.policy import sample_completions

    rows = [suite["train"][i] for i in range(2)]
    completions = sample_completions(backbone, rows, k=2, max_new_tokens=4, seed=0)
    assert [len(c) for c in completions] == [2, 2]
    assert all(isinstance(t, str) for c in completions for t in c)


# ---------------------------------------------------------------- loss and report maths


class TestLoss:
    @pytest.mark.parametrize(
        "aspects, pair_aspect, expected, reason",
        [
            (("reward",), "relevance", [0], "scalar: the one output, whatever the aspect"),
            (ASPECTS, "conciseness", [2], "vector: the head named like the aspect"),
            (ASPECTS, OVERALL, [-1], "vector: the weighted total for overall pairs"),
        ],
    )
    def test_head_targets(self, aspects, pair_aspect, expected, reason):
        from hymar.train.rm.loop import head_targets

        assert head_targets([_pair(aspect=pair_aspect)], aspects) == expected, reason

    def test_a_pair_only_moves_its_aspect_head(self):
        import torch

        from hymar.train.rm.loop import RMTrainConfig, _pair_loss

        rewards = torch.zeros(2, 4, requires_grad=True)  # chosen row, rejected row
        config = RMTrainConfig(center_weight=0.0, score_weight=0.0)
        loss, _ = _pair_loss(rewards, [_pair(aspect="adherence")], [1], torch.full((4,), 0.25), ASPECTS, config)
        loss.backward()
        assert math.isclose(float(loss.detach()), math.log(2), rel_tol=1e-6)  # -log sigmoid(0)
        nonzero = (rewards.grad != 0).nonzero().tolist()
        assert nonzero == [[0, 1], [1, 1]]
        assert rewards.grad[0, 1] < 0 < rewards.grad[1, 1]  # descent raises chosen, lowers rejected

    def test_attribute_scores_are_regressed(self):
        import torch

        from hymar.train.rm.loop import RMTrainConfig, _pair_loss

        pair = _pair(chosen_scores={"correctness": 1.0}, rejected_scores={"correctness": 0.0})
        rewards = torch.zeros(2, 4, requires_grad=True)
        config = RMTrainConfig(center_weight=0.0, score_weight=1.0)
        loss, _ = _pair_loss(rewards, [pair], [0], torch.full((4,), 0.25), ASPECTS, config)
        assert math.isclose(float(loss.detach()), 2 * math.log(2), rel_tol=1e-6)  # BT log 2 + BCE(0.5) log 2


class TestReport:
    def test_pairwise_accuracy_per_head_and_total(self):
        from hymar.train.rm.report import pairwise_accuracy

        pairs = [_pair(aspect="correctness"), _pair(aspect="adherence"), _pair(aspect=OVERALL, domain="human", source="human"), _pair(aspect="relevance")]
        chosen = [[1.0, 0.0, 0, 0], [0.0, -1.0, 0, 0], [2.0, 2.0, 0, 0], [0, 0, 0, float("nan")]]
        rejected = [[0.0, 5.0, 0, 0], [0.0, 0.0, 0, 0], [0.0, 0.0, 0, 0], [0, 0, 0, 0]]
        acc = pairwise_accuracy(pairs, chosen, rejected, ASPECTS, (0.25,) * 4)
        # correctness head wins; adherence head loses; overall pair wins on the total; NaN pair unscored
        assert acc["by_aspect"]["correctness"]["accuracy"] == 1.0
        assert acc["by_aspect"]["adherence"]["accuracy"] == 0.0
        assert acc["by_aspect"][OVERALL]["accuracy"] == 1.0
        assert acc["unscored"] == 1 and acc["pairs"] == 3
        assert acc["overall"] == round(2 / 3, 4)
        assert acc["overall_total"] == round(1 / 3, 4)  # the correctness pair loses on the total
        assert acc["by_source"]["human"]["pairs"] == 1

    def test_ties_count_half(self):
        from hymar.train.rm.report import pairwise_accuracy

        acc = pairwise_accuracy([_pair()], [[0.3]], [[0.3]], ("reward",), (1.0,))
        assert acc["overall"] == 0.5

    @pytest.mark.parametrize(
        "scores, labels, expected, reason",
        [
            ([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], 1.0, "perfect ranking"),
            ([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0], 0.0, "inverted ranking"),
            ([0.5, 0.5], [1, 0], 0.5, "tie"),
            ([0.5, 0.6], [1, 1], None, "one class only"),
        ],
    )
    def test_auroc(self, scores, labels, expected, reason):
        from hymar.train.rm.report import auroc

        assert auroc(scores, labels) == expected, reason

    def test_calibration_lowers_ece_of_a_shifted_score(self):
        from hymar.train.rm.report import calibration_report

        rng = random.Random(0)
        labels = [float(i % 2) for i in range(400)]
        # informative but badly scaled: right answers near +8, wrong near +4 (sigmoid says ~1 for both)
        scores = [(8.0 if y else 4.0) + rng.gauss(0, 1.5) for y in labels]
        domains = ["math" if i % 4 < 2 else "choice" for i in range(400)]
        cal, report = calibration_report(scores[:200], labels[:200], domains[:200], scores[200:], labels[200:], domains[200:])
        assert report["ece_before"] > 0.3 and report["ece_after"] < 0.1
        assert set(report["by_domain"]) == {"math", "choice"} and report["auroc"] > 0.8
        assert set(cal.domains) == {"math", "choice"}


# ---------------------------------------------------------------- end to end (tiny backbone)


@pytest.mark.slow
class TestTrainedVectorModel:
    def test_beats_chance_on_held_out_pairs_with_per_aspect_report(self, trained):
        out, report = trained
        acc = report["pairwise_accuracy"]
        assert acc["pairs"] >= 30
        assert acc["overall"] > 0.6, acc
        assert set(acc["by_aspect"]) == set(ASPECTS)
        assert report["training"]["final_loss"] < report["training"]["first_loss"]
        saved = json.loads((out / "rm_report.json").read_text())
        assert saved["pairwise_accuracy"] == acc

    def test_folder_and_calibration_files(self, trained):
        out, report = trained
        for name in ("reward_head.safetensors", "hymar_reward.json", "config.json", "calibration.json", "rm_report.json"):
            assert (out / name).is_file(), name
        spec = json.loads((out / "hymar_reward.json").read_text())
        assert spec["aspects"] == list(ASPECTS) and spec["multimodal"] is True
        assert set(spec["aspect_weights"]) == set(ASPECTS)
        cal = report["calibration"]
        assert cal["fit_samples"] > 0 and cal["eval_samples"] > 0
        assert 0.0 <= cal["ece_after"] <= 1.0 and 0.0 <= cal["ece_before"] <= 1.0

    def test_loads_as_learned_reward_model_with_per_aspect_outputs(self, trained, suite):
        from hymar.rewards.model.learned import LearnedRewardModel
        from hymar.rewards.types import Sample

        out, _ = trained
        rm = LearnedRewardModel(out)
        row = suite["test"][0]
        scores = rm([Sample(row["prompt"], row["demonstration"], (row["image"],), answer=row["answer"], task=row["task"])])
        assert scores[0].valid and set(scores[0].info["aspects"]) == set(ASPECTS)
        expected = sum(0.25 * v for v in scores[0].info["aspects"].values())
        assert scores[0].value == pytest.approx(expected)

    def test_plugs_into_hybrid_reward_by_path(self, trained, suite):
        from hymar.rewards.hybrid import HybridReward
        from hymar.rewards.model.learned import LearnedRewardModel
        from hymar.rewards.types import Sample

        out, _ = trained
        reward = HybridReward.from_preset("model-only", {"components": {"model": {"type": "reward_model", "args": {"path": str(out)}}}})
        rows = [suite["test"][i] for i in range(2)]
        samples = [Sample(r["prompt"], r["demonstration"], (r["image"],), answer=r["answer"], task=r["task"]) for r in rows]
        direct = [s.value for s in LearnedRewardModel(out)(samples)]
        assert reward(samples).rewards == pytest.approx(direct)
        # the saved calibration plugs into a hybrid preset: the open-ended sample's model score becomes P(correct)
        calibrated = HybridReward.from_preset(
            "hybrid",
            {"components": {"model": {"type": "reward_model", "args": {"path": str(out)}}}, "calibration": {"path": str(out / "calibration.json")}},
        )
        describe = next(r for r in suite["test"] if r["task"] == "open")
        result = calibrated([Sample(describe["prompt"], describe["demonstration"], (describe["image"],), task="open")])
        hybrid = result.components["hybrid"][0]
        assert hybrid.info["route"] == "model" and 0.0 <= hybrid.value <= 1.0

    def test_the_image_reaches_the_reward_model(self, trained, suite):
        from hymar.rewards.model.learned import LearnedRewardModel
        from hymar.rewards.types import Sample

        out, _ = trained
        rm = LearnedRewardModel(out)
        row = suite["test"][0]
        other = next(r["image"] for r in suite["test"] if r["image"].tobytes() != row["image"].tobytes())
        same_text = [Sample(row["prompt"], row["demonstration"], (image,)) for image in (row["image"], row["image"], other)]
        a, b, c = (s.info["aspects"] for s in rm(same_text))
        assert a == b  # deterministic
        assert any(abs(a[k] - c[k]) > 1e-6 for k in ASPECTS)  # another image, another reward

    def test_training_is_deterministic_for_a_seed(self, backbone, suite):
        import torch

        pairs = perturbation_pairs(list(suite["train"])[:10], seed=0)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # oversubscribed cores make this tiny run slow, not different
        try:
            heads = [self._train_head(backbone, pairs) for _ in range(2)]
        finally:
            torch.set_num_threads(threads)
        assert torch.equal(heads[0], heads[1])

    @staticmethod
    def _train_head(backbone, pairs):
        import torch

        from hymar.models.processor import load_processor
        from hymar.rewards.model.vision_rm import VisionRewardModel
        from hymar.train.rm.loop import RMTrainConfig, train_pairs

        torch.manual_seed(0)
        model = VisionRewardModel.from_backbone(backbone, n_aspects=4)
        config = RMTrainConfig(steps=3, batch_size=4, progress=False, seed=5)
        train_pairs(model, load_processor(backbone), pairs, ASPECTS, (0.25,) * 4, config)
        return model.head.weight.detach().clone()


def _write_human_pairs(folder: Path, suite, n: int) -> Path:
    """JSONL in the common {prompt, images, chosen, rejected} layout with PNG files next to it."""
    lines = []
    for i in range(n):
        row = suite["train"][i]
        name = f"img{i}.png"
        row["image"].save(folder / name)
        text = row["prompt"][0]["content"][1]["text"]
        chosen = row["demonstration"]
        rejected = "<think>Cats and dogs are popular pets.</think><answer>I like to read books.</answer>"
        lines.append(json.dumps({"prompt": text, "images": [name], "chosen": chosen, "rejected": rejected}))
    path = folder / "prefs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_trains_a_scalar_model_on_human_pairs_with_images(tmp_path, suite, backbone, capsys):
    from hymar.commands.train_rm import main
    from hymar.rewards.model.learned import LearnedRewardModel

    prefs = _write_human_pairs(tmp_path, suite, 20)
    out = tmp_path / "rm"
    code = main([str(out), "--quick", "--quiet", "--scalar", "--backbone", backbone, "--pairs", str(prefs), "--no-synthetic", "--steps", "6", "--threads", "1"])
    assert code == 0
    report = json.loads((out / "rm_report.json").read_text())
    assert report["model"]["kind"] == "scalar" and report["model"]["aspects"] == ["reward"]
    assert report["data"]["train_by_source"] == {"human": 16}
    assert report["pairwise_accuracy"]["by_source"]["human"]["pairs"] == 4
    assert report["training"]["pairs_seen"] == 6 * 8
    assert LearnedRewardModel(out).aspects == ("reward",)


class TestCommandLine:
    def _args(self, argv):
        import argparse

        from hymar.commands.train_rm import add_arguments

        parser = argparse.ArgumentParser()
        add_arguments(parser)
        return parser.parse_args(argv)

    @pytest.mark.parametrize(
        "argv, check, reason",
        [
            (["o"], lambda c: c.vector and c.train.steps == 200 and c.model_size == "default", "defaults"),
            (["o", "--quick"], lambda c: c.model_size == "test" and c.train.steps == 30, "quick sizes"),
            (["o", "--quick", "--steps", "5"], lambda c: c.train.steps == 5 and c.train.batch_size == 8, "explicit beats quick"),
            (["o", "--scalar"], lambda c: not c.vector and c.model_aspects == ("reward",), "scalar model"),
            (["o", "--aspects", "correctness,relevance"], lambda c: c.model_aspects == ("correctness", "relevance"), "custom heads"),
            (["o", "--aspect-weights", "correctness=2,adherence=1"], lambda c: c.weights == (2.0, 1.0, 0.0, 0.0), "weights, missing = 0"),
            (["o", "--column-map", '{"q": "prompt"}'], lambda c: c.human_column_map == {"q": "prompt"}, "column map"),
            (["o", "--quiet"], lambda c: not c.train.progress, "no progress bar"),
        ],
    )
    def test_config_from_args(self, argv, check, reason):
        from hymar.commands.train_rm import config_from_args

        assert check(config_from_args(self._args(argv))), reason

    @pytest.mark.parametrize(
        "argv, reason",
        [
            (["o", "--aspect-weights", "correctness"], "weight without a value"),
            (["o", "--aspect-weights", "fluency=1"], "weight for an aspect the model lacks"),
            (["o", "--column-map", "{not json"], "column map is not JSON"),
            (["o", "--aspects", "a,a"], "duplicate aspects"),
        ],
    )
    def test_bad_options_are_errors(self, argv, reason, capsys):
        from hymar.commands.train_rm import run

        assert run(self._args(argv)) == 1, reason
        assert "hymar train-rm:" in capsys.readouterr().err

    def test_text_only_backbone_is_refused(self, tmp_path, capsys):
        from transformers import Qwen2Config, Qwen2ForCausalLM

        from hymar.commands.train_rm import run

        config = Qwen2Config(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1)
        Qwen2ForCausalLM(config).save_pretrained(tmp_path / "text")
        argv = [str(tmp_path / "rm"), "--quick", "--quiet", "--backbone", str(tmp_path / "text"), "--train-rows", "5", "--test-rows", "0"]
        assert run(self._args(argv)) == 1
        assert "text-only" in capsys.readouterr().err
