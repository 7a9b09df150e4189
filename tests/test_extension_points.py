"""The extension points of docs/architecture.md, each used the documented way, end to end.

A new component (registered in the registry, or named by "module:attr" from user code), a new
preset file and a new CLI command are added here without touching any other list, then driven
through `hymar score` / `hymar <command>` as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hymar import cli
from hymar.rewards import presets, registry
from hymar.rewards.hybrid import HybridReward

LINES = [
    {"id": "a", "prompt": "What is 2+2?", "completion": "<think>add</think><answer>4</answer>", "answer": "4", "group": "g"},
    {"id": "b", "prompt": "What is 2+2?", "completion": "<think>hm</think><answer>5 or so</answer>", "answer": "4", "group": "g"},
]

#: a user's component: the share of answer words that are digits (stands in for any new reward term)
USER_MODULE = '''
from dataclasses import dataclass

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Score


@dataclass(frozen=True)
class DigitShare(PerSampleComponent):
    name = "digit_share"
    default_failure_threshold = None

    scale: float = 1.0

    def score_one(self, sample):
        words = sample.completion.split()
        if not words:
            return Score.not_applicable("empty")
        return Score(self.scale * sum(any(c.isdigit() for c in w) for w in words) / len(words))
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    folder = tmp_path / "userpkg"
    folder.mkdir()
    (folder / "digits.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _write(path: Path, lines) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_registered_component_is_scored_by_hymar_score(tmp_path, user_module):
    # the built-in way: one registry entry, then the name works in a YAML config
    registry.register_component("digit_share", "userpkg.digits:DigitShare")
    try:
        config = tmp_path / "reward.yaml"
        config.write_text("components:\n  accuracy: {weight: 1.0}\n  digits: {type: digit_share, weight: 0.5, args: {scale: 2.0}}\n")
        out = tmp_path / "out.jsonl"
        code = cli.main(["score", str(_write(tmp_path / "in.jsonl", LINES)), "-o", str(out), "--config", str(config), "-q"])
        assert code == 0
        rows = _read(out)
        # whitespace words: "<think>add</think><answer>4</answer>" is one, with a digit; the other has 1 of 3
        assert [r["components"]["digits"]["value"] for r in rows] == [pytest.approx(2.0), pytest.approx(2.0 / 3)]
        assert [r["reward"] for r in rows] == [pytest.approx(1.0 + 0.5 * 2.0), pytest.approx(0.0 + 0.5 * 2.0 / 3)]
        assert "digit_share" in registry.component_names()
    finally:
        registry.unregister_component("digit_share")


def test_user_code_is_named_by_module_path_in_a_subprocess(tmp_path, user_module):
    # the outside-hymar way: no registration, a "module:attr" type, a fresh process like a user's shell
    config = tmp_path / "reward.yaml"
    config.write_text("components:\n  digits: {type: 'userpkg.digits:DigitShare', weight: 1.0}\n")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(user_module), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "hymar", "score", str(_write(tmp_path / "in.jsonl", LINES)), "-o", str(out), "--config", str(config), "-q"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [r["reward"] for r in _read(out)] == [pytest.approx(1.0), pytest.approx(1 / 3)]


def test_a_preset_file_is_discovered_everywhere(tmp_path, monkeypatch):
    # a preset is a YAML file in the presets folder: no list to keep in sync
    folder = tmp_path / "presets"
    folder.mkdir()
    for name in presets.preset_names():
        (folder / f"{name}.yaml").write_text(presets.preset_path(name).read_text())
    (folder / "format-only.yaml").write_text("# Only the format aspect.\ncomponents:\n  format: {weight: 1.0}\n")
    monkeypatch.setattr(presets, "_folder", lambda: folder)
    assert "format-only" in presets.preset_names()
    assert presets.preset_summary("format-only") == "Only the format aspect."
    assert HybridReward.from_preset("format-only").component_names == ["format"]
    out = tmp_path / "out.jsonl"
    assert cli.main(["score", str(_write(tmp_path / "in.jsonl", LINES)), "-o", str(out), "--preset", "format-only", "-q"]) == 0
    assert [r["reward"] for r in _read(out)] == [1.0, 1.0]


def test_a_cli_command_is_one_module_and_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "hello_cmd.py").write_text(textwrap.dedent('''
        from hymar.commands.reward_args import add_reward_arguments, reward_source

        def add_arguments(parser):
            parser.add_argument("--name", default="world")
            add_reward_arguments(parser)

        def run(args):
            print(f"hello {args.name} with {reward_source(args).label}")
            return 3
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "hello", ("hello_cmd", "say hello"))
    assert cli.main(["hello", "--name", "hymar", "--preset", "rule-only"]) == 3
    assert capsys.readouterr().out.strip() == "hello hymar with rule-only"
    assert cli.main(["hello"]) == 3
    assert capsys.readouterr().out.strip() == f"hello world with {presets.DEFAULT_PRESET}"
