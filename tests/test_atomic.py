"""Atomic outputs: a write that fails midway keeps the old file and leaves no temporary litter; folders are
replaced only on success; model folders are marked incomplete while being written; hymar's writers
(calibration, eval report, demo report and plots, score output) go through these helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hymar import atomic
from hymar.atomic import atomic_folder, atomic_write_json, atomic_write_text
from hymar.models.saving import (
    SAVING_MARKER,
    IncompleteModelError,
    check_complete,
    replace_via_temp,
    saving,
)


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture
def old(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- files
@pytest.mark.parametrize(
    "write, reason",
    [
        (lambda p: atomic_write_text(p, "new " * 1000 + "\udc80"), "encoding fails after part of the text is written"),
        (lambda p: atomic_write_json(p, {"x": float("nan")}), "NaN is not JSON: refused before any byte"),
        (lambda p: atomic_write_json(p, {"x": object()}), "not serialisable"),
    ],
)
def test_failed_write_keeps_old_file_and_leaves_no_temp(old, write, reason):
    with pytest.raises((UnicodeEncodeError, ValueError, TypeError)):
        write(old)
    assert old.read_text(encoding="utf-8") == "old\n", reason
    assert listing(old.parent) == ["out.json"], reason


def test_failure_after_the_temp_file_is_complete_is_cleaned_up(old, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        atomic_write_text(old, "new\n")
    assert old.read_text(encoding="utf-8") == "old\n"
    assert listing(old.parent) == ["out.json"]


def test_successful_write_replaces_and_creates_parents(tmp_path):
    path = tmp_path / "a" / "b" / "x.json"
    atomic_write_json(path, {"k": [1, 2]})
    atomic_write_json(path, {"k": [3]})
    assert json.loads(path.read_text()) == {"k": [3]}
    assert listing(path.parent) == ["x.json"]


def test_surrogateescape_keeps_undecodable_bytes(tmp_path):
    path = atomic_write_text(tmp_path / "x.jsonl", "caf\udce9\n", errors="surrogateescape")
    assert path.read_bytes() == b"caf\xe9\n"


def test_replace_via_temp_for_writers_that_take_a_file_name(old):
    def half_then_fail(name: str) -> None:
        with open(name, "w") as f:
            f.write("partial")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        replace_via_temp(old, half_then_fail)
    assert old.read_text() == "old\n" and listing(old.parent) == ["out.json"]
    replace_via_temp(old, lambda name: Path(name).write_text("new\n"))
    assert old.read_text() == "new\n" and listing(old.parent) == ["out.json"]


# ----------------------------------------------------------------------------- folders
def test_atomic_folder_replaces_only_on_success(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("v1")
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        (tmp / "weights").write_text("v2-partial")
        raise RuntimeError("killed mid-save")
    assert listing(target) == ["weights"] and (target / "weights").read_text() == "v1"
    assert listing(tmp_path) == ["model"]  # no temporary folder left behind

    with atomic_folder(target) as tmp:
        (tmp / "config").write_text("c")
        (tmp / "weights").write_text("v2")
    assert listing(target) == ["config", "weights"] and (target / "weights").read_text() == "v2"
    assert listing(tmp_path) == ["model"]


def test_saving_marks_a_model_folder_incomplete_until_done(tmp_path):
    folder = tmp_path / "rm"
    folder.mkdir()
    check_complete(folder)  # a folder hymar never marked (a Hub model) loads as before
    with pytest.raises(RuntimeError), saving(folder, by="test"):
        (folder / "model.safetensors").write_text("half")
        raise RuntimeError("killed mid-save")
    with pytest.raises(IncompleteModelError, match="incomplete"):
        check_complete(folder)
    with saving(folder, by="test"):
        with pytest.raises(IncompleteModelError):
            check_complete(folder)  # a loader racing the writer is refused too
        (folder / "model.safetensors").write_text("whole")
    check_complete(folder)
    assert SAVING_MARKER not in listing(folder)


# ----------------------------------------------------------------------------- hymar's writers
def test_calibration_save_failure_keeps_old_file(tmp_path, monkeypatch):
    from hymar.rewards.calibration import DomainCalibration

    cal = DomainCalibration.fit([0.0, 1.0] * 10, [0, 1] * 10, ["math"] * 20, "affine")
    path = tmp_path / "cal.json"
    cal.save(path)
    before = path.read_text()
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        cal.save(path)
    assert path.read_text() == before and listing(tmp_path) == ["cal.json"]
    assert DomainCalibration.load(path).to_dict() == cal.to_dict()


def test_demo_report_failure_keeps_old_files(tmp_path, monkeypatch):
    from hymar.demo import report

    monkeypatch.setattr(report, "render_report", lambda results: "# report\n")
    results_path, report_path = report.write_report({"runs": {}}, tmp_path)
    assert json.loads(results_path.read_text()) == {"runs": {}}
    circular: dict = {"runs": {}}
    circular["self"] = circular  # json.dumps fails (default=str does not help) before any byte is written
    with pytest.raises(ValueError):
        report.write_report(circular, tmp_path)
    assert json.loads(results_path.read_text()) == {"runs": {}}
    assert listing(tmp_path) == sorted([results_path.name, report_path.name])


def test_plot_failure_keeps_old_png(tmp_path):
    pytest.importorskip("matplotlib")
    from hymar.demo import plots

    path = tmp_path / "plot.png"
    path.write_bytes(b"old png")

    class BrokenFigure:
        def savefig(self, handle, **kwargs):
            handle.write(b"\x89PNG half")
            raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        plots._save_png(BrokenFigure(), path)
    assert path.read_bytes() == b"old png" and listing(tmp_path) == ["plot.png"]

    class Figure:
        def savefig(self, handle, **kwargs):
            assert kwargs["format"] == "png"
            handle.write(b"\x89PNG whole")

    plots._save_png(Figure(), path)
    assert path.read_bytes() == b"\x89PNG whole" and listing(tmp_path) == ["plot.png"]
