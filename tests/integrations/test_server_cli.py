"""`hymar serve` as a process: SIGTERM/SIGINT finish in-flight requests; usage errors; exposure warning."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from hymar.cli import main
from hymar.integrations.server import ServeSettings
from hymar.integrations.server.launch import exposure_warning

SLOW_COMPONENT = '''
import time
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Score

class Slow(PerSampleComponent):
    """Sleeps metadata["sleep"] seconds, then scores 1.0."""

    def score_one(self, sample):
        time.sleep(float(sample.metadata.get("sleep", 0)))
        return Score(1.0)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def slow_server(tmp_path: Path):
    """A `hymar serve` subprocess serving the Slow component; yields (process, url)."""
    (tmp_path / "slowcomp.py").write_text(SLOW_COMPONENT)
    (tmp_path / "slow.yaml").write_text('components:\n  slow: {type: "slowcomp:Slow", weight: 1.0}\n')
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    env.pop("HYMAR_SERVE_TOKEN", None)
    cmd = [sys.executable, "-m", "hymar", "serve", "--config", str(tmp_path / "slow.yaml"), "--port", str(port),
           "--no-warmup", "--log-level", "warning", "--shutdown-timeout", "20"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start: {proc.communicate()[1][-2000:]}")
        time.sleep(0.1)
    try:
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_finishes_the_in_flight_request(slow_server, signum):
    proc, url = slow_server
    result: dict = {}

    def slow_request() -> None:
        body = [{"completion": "x", "metadata": {"sleep": 1.5}}]
        result["response"] = httpx.post(url + "/score", json=body, timeout=30)

    thread = threading.Thread(target=slow_request)
    thread.start()
    deadline = time.monotonic() + 10
    while httpx.get(url + "/health").json()["in_flight"] != 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signum)
    thread.join(30)
    response = result["response"]
    assert response.status_code == 200 and response.json()[0]["reward"] == 1.0
    code = proc.wait(20)
    err = proc.stderr.read()
    assert code == 0
    assert "Traceback" not in err


def test_unknown_preset_is_a_usage_error(capsys):
    assert main(["serve", "--preset", "no-such-preset", "--no-warmup"]) == 2
    assert "no-such-preset" in capsys.readouterr().err


def test_bad_limit_is_a_usage_error(capsys):
    assert main(["serve", "--preset", "rule-only", "--max-concurrency", "0"]) == 2
    assert "max_concurrency" in capsys.readouterr().err


@pytest.mark.parametrize(
    "host, token, warns",
    [
        ("127.0.0.1", None, False),  # loopback: only this machine
        ("::1", None, False),  # IPv6 loopback
        ("localhost", None, False),  # loopback by name
        ("0.0.0.0", None, True),  # every interface, no token
        ("0.0.0.0", "s3cret", False),  # every interface, but a token guards it
        ("10.1.2.3", None, True),  # a LAN address, no token
    ],
)
def test_exposure_warning(host, token, warns):
    warning = exposure_warning(ServeSettings(host=host, token=token))
    assert (warning is not None) is warns
    if warns:
        assert "HYMAR_SERVE_TOKEN" in warning
