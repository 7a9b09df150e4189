"""LLMJudge against a local fake OpenAI-compatible server (127.0.0.1, port 0); every test bounded in time."""

from __future__ import annotations

import base64
import json
import pickle
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("requests")

from hymar.rewards.guard import ComponentUnavailable  # noqa: E402
from hymar.rewards.model.judge import LLMJudge  # noqa: E402
from hymar.rewards.model.judge_prompt import parse_score, render_prompt  # noqa: E402
from hymar.rewards.types import Sample  # noqa: E402

TEST_BUDGET_S = 10.0


class FakeServer:
    """Answers POST /v1/chat/completions following a plan of actions, then a default action.

    Actions: ("reply", text) | ("status", code) | ("sleep", seconds, text) | ("raw", body bytes)
    | ("retry_after", seconds) (a 429 with a Retry-After header).
    """

    def __init__(self) -> None:
        self.plan: deque = deque()
        self.default: tuple = ("reply", "Looks right.\nScore: 8")
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    action = server.plan.popleft() if server.plan else server.default
                kind = action[0]
                if kind == "sleep":
                    time.sleep(action[1])
                    return self._send(200, _completion(action[2]))
                if kind == "status":
                    return self._send(action[1], b'{"error": "boom"}')
                if kind == "retry_after":
                    return self._send(429, b"{}", {"Retry-After": str(action[1])})
                if kind == "raw":
                    return self._send(200, action[1])
                return self._send(200, _completion(action[1]))

            def _send(self, code, body, headers=None):
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def time_budget():
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < TEST_BUDGET_S, f"test took {elapsed:.1f} s"


def _judge(url: str, **options) -> LLMJudge:
    options = {"timeout": 0.5, "backoff": 0.05, "max_retries": 2, **options}
    return LLMJudge(base_url=url, model="fake-judge", **options)


SAMPLE = Sample(prompt="Name a prime number.", completion="7", reference="2, 3, 5, 7, ...")


class TestParseScore:
    @pytest.mark.parametrize(
        "reply, low, high, expected, why",
        [
            ("Good answer.\nScore: 7", 1, 10, 7.0, "plain Score line"),
            ("**Score:** 9/10", 1, 10, 9.0, "markdown bold and /10"),
            ("score = 6.5", 1, 10, 6.5, "equals sign and decimal"),
            ('{"score": 4, "reason": "ok"}', 1, 10, 4.0, "JSON object"),
            ('Verdict: {"score": "0.8"}', 0, 1, 0.8, "JSON with a quoted number, 0-1 scale"),
            ('{"score": 1e0}', 0, 1, 1.0, "JSON exponent number"),
            ("8", 1, 10, 8.0, "bare number reply"),
            ("Score: 11\nScore: 9", 1, 10, 9.0, "first score in range, out-of-range skipped"),
            ("Score: 0", 1, 10, None, "out of range is not clipped"),
            ("I rate it 7 out of 10", 1, 10, None, "no Score pattern: not guessed"),
            ("", 1, 10, None, "empty reply"),
            ("Score: seven", 1, 10, None, "words are not numbers"),
            ('{"score": true}', 0, 1, None, "a boolean is not a score"),
        ],
    )
    def test_table(self, reply, low, high, expected, why):
        assert parse_score(reply, low, high) == expected, why

    def test_huge_reply_is_fast(self):
        start = time.perf_counter()
        assert parse_score("score:" * 100_000, 1, 10) is None
        assert time.perf_counter() - start < 1.0


class TestRenderPrompt:
    def test_fields_filled_once_and_braces_kept(self):
        template = 'Q: {prompt}\nA: {completion}\nReply as JSON like {"score": N} from {low} to {high}.'
        out = render_prompt(template, {"prompt": "p", "completion": "{prompt} {x}", "low": "1", "high": "10"})
        assert out == 'Q: p\nA: {prompt} {x}\nReply as JSON like {"score": N} from 1 to 10.'


class TestJudgeHTTP:
    def test_good_replies_mapped_to_unit(self, server):
        server.plan.extend([("reply", "Score: 10"), ("reply", "Score: 1"), ("reply", '{"score": 5.5}')])
        scores = _judge(server.url, max_workers=1)([SAMPLE] * 3)
        assert [s.value for s in scores] == pytest.approx([1.0, 0.0, 0.5])
        assert all(s.valid and s.confidence == 1.0 for s in scores)
        assert scores[0].info["judge_score"] == 10.0
        request = server.requests[0]
        assert request["path"] == "/v1/chat/completions"
        assert request["body"]["model"] == "fake-judge"
        text = request["body"]["messages"][-1]["content"]
        assert "Name a prime number." in text and "2, 3, 5, 7" in text and "Score: N" in text

    def test_zero_one_scale(self, server):
        server.default = ("reply", "Score: 0.25")
        assert _judge(server.url, low=0.0, high=1.0)([SAMPLE])[0].value == pytest.approx(0.25)

    def test_slow_reply_times_out(self, server):
        server.default = ("sleep", 2.0, "Score: 9")
        start = time.perf_counter()
        score = _judge(server.url, timeout=0.3)([SAMPLE])[0]
        assert not score.valid and score.info["reason"] == "judge timeout"
        assert time.perf_counter() - start < 1.5, "timeouts are not retried"

    def test_500_then_success_retries(self, server):
        server.plan.extend([("status", 500), ("status", 503)])
        score = _judge(server.url)([SAMPLE])[0]
        assert score.valid and score.value == pytest.approx(7 / 9)
        assert len(server.requests) == 3

    def test_persistent_500_is_invalid_after_bounded_retries(self, server):
        server.default = ("status", 500)
        score = _judge(server.url, max_retries=2)([SAMPLE])[0]
        assert not score.valid and score.info["reason"] == "judge HTTP 500"
        assert len(server.requests) == 3, "1 try + 2 retries"

    def test_429_honours_retry_after(self, server):
        server.plan.append(("retry_after", 0.2))
        start = time.perf_counter()
        score = _judge(server.url, backoff=0.0)([SAMPLE])[0]
        assert score.valid and time.perf_counter() - start >= 0.2

    def test_404_not_retried(self, server):
        server.default = ("status", 404)
        score = _judge(server.url)([SAMPLE])[0]
        assert score.info["reason"] == "judge HTTP 404" and len(server.requests) == 1

    @pytest.mark.parametrize(
        "action, reason, why",
        [
            (("reply", "This is great, I love it."), "unparseable judge reply", "no score in the text"),
            (("raw", b"<html>oops</html>"), "malformed judge response", "body is not JSON"),
            (("raw", b'{"choices": []}'), "malformed judge response", "no choices"),
            (("raw", b'{"choices": [{"message": {"content": null}}]}'), "malformed judge response", "null content"),
        ],
    )
    def test_garbage_replies_invalid(self, server, action, reason, why):
        server.default = action
        score = _judge(server.url)([SAMPLE])[0]
        assert not score.valid and score.info["reason"] == reason, why

    def test_server_down_connection_refused(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens on this port now
        # No request of the batch reached the judge: the endpoint is down, a component-level fault
        # that the guard turns into invalid scores and counts towards the breaker.
        with pytest.raises(ComponentUnavailable, match="judge connection error"):
            _judge(f"http://127.0.0.1:{port}/v1")([SAMPLE, SAMPLE])

    def test_gateway_down_is_unavailable_but_one_answer_keeps_the_batch(self, server):
        server.default = ("status", 503)
        with pytest.raises(ComponentUnavailable, match="judge HTTP 503"):
            _judge(server.url, max_retries=0)([SAMPLE])
        server.default = ("status", 500)  # the judge answered (badly): per-sample invalid, no raise
        assert _judge(server.url, max_retries=0)([SAMPLE])[0].info["reason"] == "judge HTTP 500"

    def test_concurrent_requests(self, server):
        server.default = ("sleep", 0.3, "Score: 6")
        start = time.perf_counter()
        scores = _judge(server.url, max_workers=4, timeout=2.0)([SAMPLE] * 8)
        assert all(s.valid for s in scores)
        assert time.perf_counter() - start < 8 * 0.3 * 0.75, "requests overlap"

    def test_empty_completion_not_sent(self, server):
        score = _judge(server.url)([Sample(prompt="q", completion="<think>hmm</think>  ")])[0]
        assert score.valid and score.value == 0.0 and not server.requests

    def test_think_stripped_before_judging(self, server):
        _judge(server.url)([Sample(prompt="q", completion="<think>SECRET-REASONING</think>answer 7")])
        text = server.requests[0]["body"]["messages"][-1]["content"]
        assert "SECRET-REASONING" not in text and "answer 7" in text

    def test_api_key_sent_but_never_stored(self, server, monkeypatch):
        monkeypatch.setenv("HYMAR_TEST_JUDGE_KEY", "sk-test-123")
        judge = _judge(server.url, api_key_env="HYMAR_TEST_JUDGE_KEY")
        score = judge([SAMPLE])[0]
        assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-test-123"
        assert b"sk-test-123" not in pickle.dumps(judge)
        assert "sk-test-123" not in repr(judge.config) and "sk-test-123" not in json.dumps(score.to_dict())

    def test_no_key_no_header(self, server, monkeypatch):
        monkeypatch.delenv("HYMAR_TEST_JUDGE_KEY", raising=False)
        _judge(server.url, api_key_env="HYMAR_TEST_JUDGE_KEY")([SAMPLE])
        assert "Authorization" not in server.requests[0]["headers"]

    def test_images_as_data_urls(self, server, tmp_path):
        png = tmp_path / "x.png"
        png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
        _judge(server.url, include_images=True)([Sample(prompt="q", completion="a", images=(png,))])
        content = server.requests[0]["body"]["messages"][-1]["content"]
        assert content[0]["type"] == "text"
        expected = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
        assert content[1] == {"type": "image_url", "image_url": {"url": expected}}

    def test_missing_image_invalid_without_request(self, server, tmp_path):
        score = _judge(server.url, include_images=True)([Sample(prompt="q", completion="a", images=(tmp_path / "no.png",))])[0]
        assert not score.valid and score.info["reason"].startswith("judge image error") and not server.requests

    def test_picklable(self, server):
        clone = pickle.loads(pickle.dumps(_judge(server.url)))
        assert clone([SAMPLE])[0].value == pytest.approx(7 / 9)


@pytest.mark.parametrize(
    "options, why",
    [({"low": 5, "high": 5}, "empty scale"), ({"rubric": "no field"}, "rubric without {completion}"), ({"max_workers": 0}, "workers")],
)
def test_bad_config(options, why):
    with pytest.raises(ValueError):
        LLMJudge(base_url="http://127.0.0.1:1/v1", model="m", **options)
