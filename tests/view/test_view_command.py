"""`hymar view`: the command's outputs and exit codes."""

from __future__ import annotations

import json

from hymar.cli import main


def test_view_writes_beside_the_scored_file_by_default(scored_file, capsys):
    assert main(["view", str(scored_file)]) == 0
    page = scored_file.with_suffix(".html")
    assert page.read_text().startswith("<!DOCTYPE html>") and "wrote" in capsys.readouterr().err


def test_view_out_and_demo_folder(scored_file, tmp_path):
    assert main(["view", str(scored_file), "--out", str(tmp_path / "sub" / "v.html")]) == 0
    assert (tmp_path / "sub" / "v.html").exists()
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "results.json").write_text(json.dumps({"base": {"accuracy": {}, "describe": {}}, "runs": {}}))
    assert main(["view", str(demo)]) == 0 and (demo / "report.html").exists()


def test_view_usage_errors(tmp_path, capsys):
    assert main(["view", str(tmp_path / "missing.jsonl")]) == 2
    assert "No such file" in capsys.readouterr().err
    assert main(["view", str(tmp_path)]) == 2  # a folder without results.json
    (tmp_path / "results.json").write_text("[1]")
    assert main(["view", str(tmp_path)]) == 2 and "not a hymar demo results file" in capsys.readouterr().err
    same = tmp_path / "x.html"
    same.write_text("{}\n")
    assert main(["view", str(same), "--out", str(same)]) == 2
