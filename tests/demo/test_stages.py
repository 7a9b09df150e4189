"""`hymar.demo.stages`: finished stages are skipped on a rerun unless their key changes or fresh is set."""

from __future__ import annotations

import io

from hymar.demo.stages import StageRunner, stage_key


def _work(calls: list):
    def fn(folder):
        calls.append(folder)
        (folder / "out.txt").write_text("x")
        return {"n": len(calls)}

    return fn


def test_cached_stage_is_skipped_and_a_changed_key_reruns(tmp_path):
    calls: list = []
    key = stage_key({"epochs": 1})
    first = StageRunner(stream=io.StringIO()).run("sft", tmp_path / "sft", key, _work(calls))
    again = StageRunner(stream=io.StringIO()).run("sft", tmp_path / "sft", key, _work(calls))
    assert len(calls) == 1 and again["cached"] and again["summary"] == first["summary"] == {"n": 1}
    StageRunner(stream=io.StringIO()).run("sft", tmp_path / "sft", stage_key({"epochs": 2}), _work(calls))
    assert len(calls) == 2, "a different key means different settings: rerun"
    StageRunner(fresh=True, stream=io.StringIO()).run("sft", tmp_path / "sft", stage_key({"epochs": 2}), _work(calls))
    assert len(calls) == 3, "fresh reruns a cached stage"


def test_crashed_stage_leaves_no_marker_and_reruns(tmp_path):
    def boom(folder):
        raise RuntimeError("killed")

    runner = StageRunner(stream=io.StringIO())
    try:
        runner.run("rm", tmp_path / "rm", "k", boom)
    except RuntimeError:
        pass
    calls: list = []
    runner.run("rm", tmp_path / "rm", "k", _work(calls))
    assert len(calls) == 1


def test_progress_lines_name_the_stage_and_time(tmp_path):
    stream = io.StringIO()
    StageRunner(stream=stream).run("eval base", tmp_path / "e", "k", _work([]))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[demo") and "eval base: start" in lines[0]
    assert "eval base: done in" in lines[1]


def test_stage_key_is_order_independent_and_value_sensitive():
    assert stage_key({"a": 1, "b": 2}) == stage_key({"b": 2, "a": 1})
    assert stage_key({"a": 1}) != stage_key({"a": 2})
