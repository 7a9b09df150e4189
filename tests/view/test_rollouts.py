"""Scored lines -> Rollouts: components, correctness, group-relative advantages, unusable lines."""

from __future__ import annotations

import json
import math

import pytest

from hymar.view.rollouts import ADVANTAGE_EPS, group_advantages, load_rollouts, prompt_text, rollout_from_record


def test_scored_file_reads_every_line_with_its_parts(scored_file):
    rollouts = load_rollouts(scored_file)
    by_id = {r.id: r for r in rollouts}
    assert list(by_id) == ["c3-right", "c3-wrong", "c3-boxed", "c2-right", "c2-nogold", "c2-deep", "bad-image"]
    right = by_id["c3-right"]
    assert right.images == [scored_file.parent / "three.png"]  # resolved against the file's folder
    assert right.correct is True and by_id["c3-wrong"].correct is False
    assert by_id["c2-nogold"].correct is None  # accuracy does not apply without a gold
    accuracy = {c.name: c for c in by_id["c2-nogold"].components}["accuracy"]
    assert accuracy.valid and not accuracy.applies and accuracy.reason == "no gold answer"
    deep = {c.name: c for c in by_id["c2-deep"].components}["accuracy"]
    assert not deep.valid and "nested too deeply" in deep.reason
    assert by_id["bad-image"].error and "missing.png" in by_id["bad-image"].error and by_id["bad-image"].advantage is None


def test_advantages_are_grpo_group_normalised(scored_file):
    rollouts = load_rollouts(scored_file)
    three = [r for r in rollouts if r.group == "three"]
    rewards = [r.reward for r in three]
    mean = sum(rewards) / 3
    std = math.sqrt(sum((x - mean) ** 2 for x in rewards) / 2)  # sample std, as TRL's torch.std
    for r in three:
        assert r.advantage == pytest.approx((r.reward - mean) / (std + ADVANTAGE_EPS))
    assert sum(r.advantage for r in three) == pytest.approx(0.0, abs=1e-9)


def test_unscored_rollouts_stay_out_of_their_groups_statistics():
    rollouts = [rollout_from_record({"id": str(i), "group": "g", "reward": r, "completion": ""}, i) for i, r in enumerate([1.0, None, 0.0])]
    rollouts.append(rollout_from_record({"id": "alone", "reward": 0.7, "completion": ""}, 3))
    group_advantages(rollouts)
    assert rollouts[1].advantage is None
    assert rollouts[0].advantage == pytest.approx(-rollouts[2].advantage)
    assert rollouts[3].advantage == 0.0  # a group of one


@pytest.mark.parametrize(
    "line, why",
    [
        ("[1, 2]", "not a JSON object"),
        ("{not json", "not JSON"),
        ('{"id": "e", "line": 3, "error": "line 3: boom"}', "line 3: boom"),
    ],
)
def test_unusable_lines_become_error_rollouts(tmp_path, line, why):
    path = tmp_path / "scored.jsonl"
    path.write_text(line + "\n\n", encoding="utf-8")
    [rollout] = load_rollouts(path)
    assert why in rollout.error


def test_hostile_fields_never_raise():
    record = {"id": 5, "prompt": {"x": 1}, "completion": [{"role": "assistant", "content": "hi"}], "reward": float("nan"),
              "images": ["a\x00b", 3], "components": {"accuracy": "high", "format": {"value": "1", "confidence": True}}}
    rollout = rollout_from_record(record, 0)
    assert rollout.id == "5" and rollout.completion == "hi" and rollout.reward is None and rollout.images == []
    assert json.loads(rollout.prompt) == {"x": 1}
    format_ = {c.name: c for c in rollout.components}["format"]
    assert format_.value is None and format_.confidence is None


def test_chat_prompts_read_as_role_lines():
    prompt = [{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "count"}]}]
    assert prompt_text(prompt) == "system: be brief\nuser: count"
