"""Runs swift_package_checks.py (hymar's ORMs through ms-swift's plugin loading and reward call path)
in a process of its own: importing swift patches transformers' Trainer process-wide
(swift/trainers/patcher.py), which breaks the TRL training tests that run after it in one process.

Skipped where ms-swift is not installed (the CI installs it; see the Makefile's ADAPTER_PKGS).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = Path(__file__).with_name("swift_package_checks.py")


@pytest.mark.skipif(importlib.util.find_spec("swift") is None, reason="ms-swift is not installed")
def test_swift_package_checks_pass_in_their_own_process():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CHECKS)],
        capture_output=True, text=True, timeout=280, cwd=CHECKS.parents[2],
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout
