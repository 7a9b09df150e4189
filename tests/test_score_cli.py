"""`hymar score`: the FIXED line format, per-line errors, group handling, exit codes, atomic output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hymar.cli import main


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines))
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text().splitlines()]


GOOD = [
    {"id": "a1", "prompt": "What is 6*7?", "completion": "<think>6*7=42</think><answer>42</answer>", "answer": "42", "group": "a"},
    {"id": "a2", "prompt": "What is 6*7?", "completion": "<think>guess</think><answer>41</answer>", "answer": "42", "group": "a"},
    {"id": "b1", "prompt": [{"role": "user", "content": "Pick one. A. red B. blue"}], "completion": "The answer is (B).", "answer": "B", "extra": 7},
]


def test_scores_lines_in_order_with_accuracy_component(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q"]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["a1", "a2", "b1"]
    assert [r["components"]["accuracy"]["value"] for r in rows] == [1.0, 0.0, 1.0]
    assert [r["reward"] for r in rows] == [1.0, 0.0, 1.0]
    assert rows[2]["extra"] == 7  # unknown input fields pass through
    for r in rows:
        assert set(r["components"]["accuracy"]) >= {"value", "confidence", "valid"}


def test_bad_lines_become_error_records_and_exit_code_says_so(tmp_path):
    lines = [
        GOOD[0],
        "{not json",
        {"id": "x", "prompt": "p"},  # no completion
        {"id": "y", "prompt": "p", "completion": 12},
        {"id": "z", "prompt": "p", "completion": "c", "images": ["missing.png"]},
        [1, 2],
        GOOD[1],
    ]
    src = write_jsonl(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q"]) == 1
    rows = read_jsonl(out)
    assert len(rows) == 7
    assert rows[0]["reward"] == 1.0 and rows[6]["reward"] == 0.0
    assert "invalid JSON" in rows[1]["error"] and rows[1]["line"] == 2
    assert "'completion': missing" in rows[2]["error"] and rows[2]["id"] == "x"
    assert "'completion': must be a string" in rows[3]["error"]
    assert "images[0]" in rows[4]["error"]
    assert "JSON object" in rows[5]["error"]


def test_hostile_completion_does_not_fail_the_line(tmp_path):
    hostile = {"id": "h", "prompt": "p", "completion": "\\boxed{1}" * 20000 + "\x00\ud800", "answer": "1"}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(hostile) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q"]) == 0
    row = read_jsonl(out)[0]
    assert row["components"]["accuracy"]["valid"] is False
    assert row["components"]["accuracy"]["reason"]


def test_groups_stay_whole_across_batches(tmp_path):
    # group "g" is split in the file; with batch size 2 it must still be scored as one batch
    rows = [
        {"id": 1, "prompt": "p", "completion": "<answer>1</answer>", "answer": "1", "group": "g"},
        {"id": 2, "prompt": "q", "completion": "<answer>2</answer>", "answer": "2", "group": "h"},
        {"id": 3, "prompt": "p", "completion": "<answer>3</answer>", "answer": "1", "group": "g"},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    code = main(["score", str(src), "-o", str(out), "--config", str(_mean_center_config(tmp_path)), "--batch-size", "2", "-q"])
    assert code == 0
    got = {r["id"]: r["reward"] for r in read_jsonl(out)}
    assert got == {1: 0.5, 2: 0.0, 3: -0.5}


def _mean_center_config(tmp_path: Path) -> Path:
    path = tmp_path / "reward.yaml"
    path.write_text("components:\n  accuracy: {weight: 1.0}\nnormalization: mean_center\n")
    return path


def test_config_error_exit_code_and_message(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD)
    bad = tmp_path / "reward.yaml"
    bad.write_text("components:\n  accuracy: {weight: lots}\n")
    assert main(["score", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(bad)]) == 2
    assert "components.accuracy.weight" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_set_overrides_preset(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD[:1])
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--preset", "rule-only", "--set", "components.accuracy.weight=3", "-q"]) == 0
    assert read_jsonl(out)[0]["reward"] == 3.0


def test_summary_table_and_help(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "hymar", "score", str(src), "-o", str(tmp_path / "o.jsonl"), "--preset", "rule-only"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stderr and "invalid" in proc.stderr and "lines: 3, failed: 0" in proc.stderr
    helptext = subprocess.run([sys.executable, "-m", "hymar", "score", "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "--preset" in helptext and "--config" in helptext and "exit code" in helptext


def test_rule_only_scoring_imports_no_torch(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD)
    code = (
        "import sys; from hymar.cli import main; "
        f"rc = main(['score', {str(src)!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '--preset', 'rule-only', '-q']); "
        "assert rc == 0, rc; assert 'torch' not in sys.modules, 'torch imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_top_level_help_lists_commands_without_importing_them():
    code = (
        "import sys, io, contextlib; from hymar.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main([])\n"
        "assert rc == 2 and 'score' in buf.getvalue() and 'build-model' in buf.getvalue(), buf.getvalue()\n"
        "assert 'transformers' not in sys.modules and 'torch' not in sys.modules"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_set_on_a_config_file_keeps_the_file_name_in_errors(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD[:1])
    config = _mean_center_config(tmp_path)
    code = main(["score", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(config), "--set", "components.accuracy.weight=lots"])
    assert code == 2
    err = capsys.readouterr().err
    assert "reward.yaml: components.accuracy.weight" in err


def test_a_combiner_failure_costs_its_batch_not_the_run(tmp_path):
    from hymar.rewards.hybrid import HybridReward
    from hymar.scoring import score_jsonl

    class FailsOnGroupB:
        """Scores like rule-only, but the whole call raises for the batch holding group "b"."""

        def __init__(self):
            self.inner = HybridReward.from_preset("rule-only")
            self.component_names = self.inner.component_names

        def __call__(self, samples, groups):
            if "b" in groups:
                raise RuntimeError("combiner blew up")
            return self.inner(samples, groups)

    lines = [GOOD[0], {**GOOD[2], "group": "b"}, GOOD[1]]
    out = tmp_path / "out.jsonl"
    summary = score_jsonl(write_jsonl(tmp_path / "in.jsonl", lines), out, FailsOnGroupB(), batch_size=2, progress=False)
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["a1", "b1", "a2"]  # every line kept, in input order
    assert rows[1]["error"].startswith("scoring failed: RuntimeError: combiner blew up") and rows[1]["line"] == 2
    assert [rows[0]["reward"], rows[2]["reward"]] == [1.0, 0.0]
    assert summary.failed == 1
