"""Defect 4 of issue 9: `hymar score -o` must not replace special files, and output errors are exit 2.

Before the fix the atomic rename put a regular file where a FIFO, a device or a symlink was, output
errors were tracebacks, and a writer killed mid-write left its temporary file behind for good.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from hymar.cli import main

from .helpers import NORMAL, read_jsonl, write_lines

LINE = json.dumps(NORMAL[0])


def score(src, out, capsys=None) -> int:
    return main(["score", str(src), "-o", str(out), "--preset", "rule-only", "-q"])


@pytest.fixture
def src(tmp_path):
    return write_lines(tmp_path / "in.jsonl", [LINE])


class TestSpecialFiles:
    def test_fifo_is_written_not_replaced(self, tmp_path, src):
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        received: list[bytes] = []
        # daemon: if the FIFO gets replaced, the reader stays blocked on the old one for good
        reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
        reader.start()
        assert score(src, fifo) == 0
        reader.join(10)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
        assert received and json.loads(received[0])["reward"] == 1.0

    def test_character_device_is_written_not_replaced(self, tmp_path, src):
        device = tmp_path / "null"
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
        except (PermissionError, OSError):
            pytest.skip("cannot create a device node here")
        assert score(src, device) == 0
        assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a regular file"

    def test_symlink_is_followed(self, tmp_path, src):
        target, link = tmp_path / "real.jsonl", tmp_path / "link.jsonl"
        target.write_text("old\n")
        link.symlink_to(target)
        assert score(src, link) == 0
        assert link.is_symlink() and os.readlink(link) == str(target)
        assert read_jsonl(target)[0]["reward"] == 1.0

    def test_dangling_symlink_creates_its_target(self, tmp_path, src):
        target, link = tmp_path / "new.jsonl", tmp_path / "link.jsonl"
        link.symlink_to(target)
        assert score(src, link) == 0
        assert link.is_symlink() and read_jsonl(target)[0]["reward"] == 1.0

    def test_replacing_a_file_keeps_its_mode(self, tmp_path, src):
        out = tmp_path / "out.jsonl"
        out.write_text("old\n")
        out.chmod(0o640)
        assert score(src, out) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640

    def test_a_new_file_gets_the_umask_mode_not_0600(self, tmp_path, src):
        old = os.umask(0o022)
        try:
            assert score(src, tmp_path / "out.jsonl") == 0
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o644


class TestOutputErrors:
    @pytest.mark.parametrize("kind", ["directory", "parent is a file"])
    def test_unwritable_output_is_exit_2_naming_the_path(self, tmp_path, src, capsys, kind):
        if kind == "directory":
            out = tmp_path / "outdir"
            out.mkdir()
        else:
            (tmp_path / "file.txt").write_text("x")
            out = tmp_path / "file.txt" / "out.jsonl"
        assert score(src, out) == 2
        err = capsys.readouterr().err
        assert str(out) in err and "Traceback" not in err

    @pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
    def test_read_only_folder_is_exit_2(self, tmp_path, src, capsys):
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            assert score(src, folder / "out.jsonl") == 2
        finally:
            folder.chmod(0o700)
        assert "not writable" in capsys.readouterr().err

    def test_output_error_is_found_before_scoring(self, tmp_path, src, monkeypatch):
        import hymar.scoring as scoring

        def no_scoring(*args, **kwargs):
            raise AssertionError("scored although the output could never be written")

        monkeypatch.setattr(scoring, "score_isolated", no_scoring, raising=False)
        (tmp_path / "outdir").mkdir()
        assert score(src, tmp_path / "outdir") == 2

    def test_unreadable_input_is_exit_2(self, tmp_path, capsys):
        folder = tmp_path / "a_folder.jsonl"
        folder.mkdir()
        assert score(folder, tmp_path / "out.jsonl") == 2
        err = capsys.readouterr().err
        assert str(folder) in err and "Traceback" not in err


KILLED_WRITE = """
import os, sys
import hymar.atomic as atomic
real_replace = os.replace
def killed(*args, **kwargs):
    os._exit(137)   # SIGKILL-like: no cleanup runs, the temporary file stays
os.replace = killed
from hymar.cli import main
main(["score", sys.argv[1], "-o", sys.argv[2], "--preset", "rule-only", "-q"])
"""


def test_a_write_killed_before_the_rename_leaves_no_temp_file_after_the_next_run(tmp_path, src):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(src), str(out)], capture_output=True, timeout=120)
    assert proc.returncode == 137, proc.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "the kill left no temporary file"
    assert score(src, out) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
