"""Issue 9 against a real `hymar serve` on loopback: a timed-out request's work is cancelled (defect 6),
a bad image path is a per-record error, not a 500 (defect 2), and idle or slow connections are dropped
before they reach auth (defect 8)."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from hymar.integrations.server import ServeSettings
from hymar.integrations.server.testing import running_server
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.rules.math import warm_up

SLOW = {"prompt": "q", "completion": "\\boxed{9^{9^{9^{9}}}}", "answer": "3"}  # each costs its 1 s budget
RIGHT = {"id": "ok", "prompt": "What is 2+2?", "completion": "<answer>4</answer>", "answer": "4"}


@pytest.fixture(scope="module")
def rule_only() -> HybridReward:
    assert warm_up(60.0)
    return HybridReward.from_preset("rule-only")


class TestTimedOutWorkIsCancelled:
    def test_other_clients_are_served_after_two_slow_requests_time_out(self, rule_only):
        settings = ServeSettings(request_timeout=2.0, max_concurrency=2)
        with running_server(rule_only, settings) as url:
            statuses: list[int] = []

            def slow_client() -> None:
                # 12 s of symbolic work: distinct golds, so no verdict cache can shortcut it
                body = [{"id": f"s{i}", **SLOW, "answer": str(i + 3)} for i in range(12)]
                statuses.append(httpx.post(f"{url}/score", json=body, timeout=30).status_code)

            threads = [threading.Thread(target=slow_client) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert statuses == [504, 504]
            start = time.monotonic()
            normal = httpx.post(f"{url}/score", json=[RIGHT], timeout=30)
            assert normal.status_code == 200, normal.text  # before the fix: 504, both slots still busy
            assert normal.json()[0]["reward"] == 1.0
            assert time.monotonic() - start < 1.5
            assert httpx.get(f"{url}/health").json()["in_flight"] == 0


class TestPerRecordErrors:
    def test_over_long_image_path_is_an_error_record(self, rule_only, tmp_path):
        settings = ServeSettings(image_root=str(tmp_path))
        body = [RIGHT, {"id": "long", "prompt": "q", "completion": "c", "images": ["a" * 5000 + ".png"]}]
        with running_server(rule_only, settings) as url:
            response = httpx.post(f"{url}/score", json=body, timeout=30)
        assert response.status_code == 200, response.text
        ok, bad = response.json()
        assert ok["reward"] == 1.0
        assert bad["id"] == "long" and bad["index"] == 1 and "images[0]" in bad["error"]


def _read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed it."""
    sock.settimeout(limit)
    start, data = time.monotonic(), b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return data, float("inf")  # still open after ``limit`` seconds
    return data, time.monotonic() - start


class TestReadTimeouts:
    @pytest.fixture
    def server(self, rule_only):
        settings = ServeSettings(header_timeout=0.5, body_timeout=0.5, token="secret")
        with running_server(rule_only, settings) as url:
            yield int(url.rsplit(":", 1)[1])

    def test_idle_connection_is_closed(self, server):
        with socket.create_connection(("127.0.0.1", server)) as sock:
            _, closed_after = _read_until_closed(sock, 3.0)
        assert closed_after < 2.0

    def test_trickled_headers_are_cut_off(self, server):
        with socket.create_connection(("127.0.0.1", server)) as sock:
            start = time.monotonic()
            try:
                for byte in b"POST /score HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
                    sock.sendall(bytes([byte]))
                    time.sleep(0.1)
            except OSError:
                pass  # the server closed the connection while we were still trickling
            assert time.monotonic() - start < 3.0, "the trickle was never cut off"

    def test_stalled_body_gets_408(self, server):
        with socket.create_connection(("127.0.0.1", server)) as sock:
            sock.sendall(
                b"POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"id\": 1"
            )
            data, closed_after = _read_until_closed(sock, 3.0)
        assert data.startswith(b"HTTP/1.1 408"), data[:200]
        assert closed_after < 2.0

    def test_keep_alive_connection_serves_several_requests(self, server):
        # the header deadline is per request: a client that keeps its connection busy is not cut off
        with httpx.Client(base_url=f"http://127.0.0.1:{server}", headers={"Authorization": "Bearer secret"}) as client:
            for _ in range(3):
                assert client.post("/score", json=[RIGHT]).status_code == 200
                time.sleep(0.3)
