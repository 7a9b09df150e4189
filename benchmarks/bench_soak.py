"""Soak test of `hymar serve` under hostile load (issue 9): faults stay with the client that sent them.

Starts ``hymar serve`` as a subprocess on a free loopback port, scores the normal records offline
first (``hymar score --batch-size 1``: each record alone), then runs ``--clients`` concurrent clients
for ``--seconds``. Each client, on each turn, sends a hostile request with probability ``--hostile``
(seeded, so a run is repeatable), else a normal batch of ``--batch`` records from
``benchmarks/data/answer_equivalence.jsonl`` (realistic model outputs with their golds).

Hostile requests, taken in turn (``--kinds`` picks a subset):

- ``bad-json``: a body that is not JSON (400);
- ``nul-bytes``: raw NUL bytes inside the JSON text (400);
- ``huge-body``: a body over ``--max-body-bytes`` (413);
- ``deep-body``: 100,000-deep nesting (400);
- ``records``: a valid body of hostile records (a NUL in a completion, a 300,000-character
  completion, 30,000 required keywords, a symbolic power tower that costs its full time budget, a
  5,000-character image path, 800-deep metadata, wrong types, a 5,000-digit gold) with two normal
  records among them, whose rewards are checked like every other normal record's;
- ``slowloris``: a connection that trickles header bytes (must be closed within ``--header-timeout``);
- ``idle``: a connection that sends nothing (must be closed within ``--header-timeout``);
- ``stalled-body``: headers, then half of the announced body (408 within ``--body-timeout``).

Reports, for the normal requests: sent, answered 200, lost (any other answer or a transport error),
latency p50/p99, and for every normal record returned, whether its reward and component values equal
its offline score exactly (``changed`` must be 0); for the hostile requests: what each kind got. Also
the server's /health at the end, its resident memory, and whether it stopped cleanly on SIGTERM with
no traceback. Exits 1 when any normal record was lost or changed, or the server misbehaved.

Loopback only; bounded in time (``--seconds`` plus the offline pass and the drain, ~90 s by default).

Usage:
    python benchmarks/bench_soak.py [--clients 200] [--seconds 60] [--hostile 0.2] [--batch 8]
        [--preset rule-only] [--max-concurrency 2] [--seed 0] [--out benchmarks/results/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_server import cpu_model, launch_serve, load_samples, percentile  # noqa: E402

HOSTILE_KINDS = ("bad-json", "nul-bytes", "huge-body", "deep-body", "records", "slowloris", "idle", "stalled-body")


def hostile_records(n: int) -> list[dict[str, Any]]:
    """The records of a ``records`` request: each breaks something on a naive server (issue 9)."""
    return [
        {"id": f"h{n}-nul", "prompt": "2+2?", "completion": "<answer>4\x00</answer>", "answer": "4"},
        {"id": f"h{n}-huge", "prompt": "q", "completion": "<answer>" + "7" * 300_000 + "</answer>", "answer": "7"},
        {"id": f"h{n}-kw", "prompt": "q", "completion": "w1", "constraints": {"required_keywords": [f"w{i}" for i in range(30_000)]}},
        # a distinct gold each time: no verdict cache can shortcut the tower's full time budget
        {"id": f"h{n}-tower", "prompt": "q", "completion": "\\boxed{9^{9^{9^{9}}}}", "answer": str(n + 3)},
        {"id": f"h{n}-path", "prompt": "q", "completion": "c", "images": ["a" * 5000 + ".png"]},
        {"id": f"h{n}-deep", "prompt": "q", "completion": "c", "metadata": {"x": json.loads("[" * 800 + "]" * 800)}},
        {"id": f"h{n}-type", "prompt": 3, "completion": None},
        {"id": f"h{n}-digits", "prompt": "q", "completion": "<answer>1</answer>", "answer": "9" * 5000},
    ]


def offline_scores(records: list[dict[str, Any]], preset: str) -> dict[str, tuple[float | None, dict[str, Any]]]:
    """Each record's reward and component values from ``hymar score --batch-size 1`` (scored alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "normal.jsonl", Path(tmp) / "scored.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        cmd = [sys.executable, "-m", "hymar", "score", str(src), "-o", str(out), "--preset", preset, "--batch-size", "1", "-q"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: key(row) for row in rows}


def key(row: dict[str, Any]) -> tuple[float | None, dict[str, Any]]:
    """What must not change: the total and every component's value and validity."""
    components = {n: (c.get("value"), c.get("valid")) for n, c in (row.get("components") or {}).items()}
    return row.get("reward"), components


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """``hymar serve`` with the soak's limits and timeouts (`bench_server.launch_serve`)."""
    return launch_serve(args.preset, [
        "--max-concurrency", str(args.max_concurrency), "--max-queue", str(args.clients * 2),
        "--max-body-bytes", str(args.max_body_bytes), "--request-timeout", str(args.request_timeout),
        "--header-timeout", str(args.header_timeout), "--body-timeout", str(args.body_timeout),
    ])


async def read_until_closed(reader: asyncio.StreamReader, limit: float) -> tuple[bytes, float | None]:
    """What the server sends until it closes, and after how many seconds (None: still open at ``limit``)."""
    start, data = time.monotonic(), b""
    try:
        async with asyncio.timeout(limit):
            while chunk := await reader.read(4096):
                data += chunk
    except (TimeoutError, ConnectionError):
        if time.monotonic() - start >= limit:
            return data, None
    return data, time.monotonic() - start


class Soak:
    def __init__(self, url: str, port: int, normal: list[dict[str, Any]], expected: dict, args: argparse.Namespace):
        self.url, self.port, self.normal, self.expected, self.args = url, port, normal, expected, args
        self.stop_at = 0.0
        self.latencies: list[float] = []
        self.normal_sent = self.normal_ok = 0
        self.lost: list[str] = []
        self.records_checked = 0
        self.changed: list[dict[str, Any]] = []
        self.hostile: dict[str, Counter] = defaultdict(Counter)
        self.hostile_count = 0
        huge = b'[{"id": "big", "prompt": "q", "completion": "' + b"x" * (args.max_body_bytes + 1) + b'"}]'
        self.bodies = {
            "bad-json": b'{"id": 1, "prompt": "unterminated',
            "nul-bytes": b'[{"id": "x", "prompt": "\x00\x00", "completion": "\x00"}]',
            "huge-body": huge,
            "deep-body": b"[" * 100_000 + b"]" * 100_000,
        }

    def check_records(self, sent: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
        for record, row in zip(sent, got):
            if record["id"] not in self.expected:
                continue
            self.records_checked += 1
            if key(row) != self.expected[record["id"]]:
                self.changed.append({"id": record["id"], "got": key(row), "alone": self.expected[record["id"]]})

    def normal_batch(self, rng: random.Random, request: int) -> list[dict[str, Any]]:
        # one group per record: the server must give each exactly what it gets scored alone
        return [dict(r, group=f"{request}-{k}") for k, r in enumerate(rng.sample(self.normal, self.args.batch))]

    async def normal_request(self, client, rng: random.Random, request: int) -> None:
        batch = self.normal_batch(rng, request)
        self.normal_sent += 1
        t0 = time.perf_counter()
        try:
            response = await client.post(self.url + "/score", json=batch)
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            self.lost.append(f"{type(err).__name__}: {err}")
            return
        elapsed = time.perf_counter() - t0
        if response.status_code != 200 or len(response.json()) != len(batch):
            self.lost.append(f"HTTP {response.status_code}: {response.text[:200]}")
            return
        self.normal_ok += 1
        self.latencies.append(elapsed)
        self.check_records(batch, response.json())

    async def hostile_request(self, client, rng: random.Random, request: int) -> None:
        kind = self.args.kinds[self.hostile_count % len(self.args.kinds)]
        self.hostile_count += 1
        tally = self.hostile[kind]
        tally["sent"] += 1
        try:
            if kind in self.bodies:
                response = await client.post(self.url + "/score", content=self.bodies[kind], headers={"Content-Type": "application/json"})
                tally[f"HTTP {response.status_code}"] += 1
            elif kind == "records":
                good = self.normal_batch(rng, request)[:2]
                body = hostile_records(request) + good
                rng.shuffle(body)
                response = await client.post(self.url + "/score", json=body)
                tally[f"HTTP {response.status_code}"] += 1
                if response.status_code == 200:
                    self.check_records(body, response.json())
                    tally["per-record errors"] += sum(1 for row in response.json() if row.get("error"))
            else:
                await self.raw_connection(kind, tally)
        except Exception as err:  # noqa: BLE001 - a hostile request may fail any way; it is counted
            tally[type(err).__name__] += 1

    async def raw_connection(self, kind: str, tally: Counter) -> None:
        """A hand-written HTTP exchange; counts whether and when (from connecting) the server closed it."""
        limit = self.args.header_timeout + self.args.body_timeout + 5
        opened = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        data, closed = b"", True
        try:
            if kind == "stalled-body":
                writer.write(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"id\": 1")
                await writer.drain()
            elif kind == "slowloris":
                for byte in b"POST /score HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                    if reader.at_eof() or time.monotonic() - opened > limit:
                        break
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.5)
            data, after = await read_until_closed(reader, max(0.1, limit - (time.monotonic() - opened)))
            closed = after is not None
        except ConnectionError:
            pass  # reset while we were still writing: closed by the server
        finally:
            writer.close()
        if not closed:
            tally["still open"] += 1
        else:
            tally["closed"] += 1
            tally["max_closed_after_s"] = max(tally["max_closed_after_s"], round(time.monotonic() - opened, 1))
        if data.startswith(b"HTTP/1.1 "):
            tally[f"HTTP {data[9:12].decode()}"] += 1

    async def one_client(self, client, seed: int) -> None:
        rng = random.Random(seed)
        request = seed * 1_000_000
        while time.monotonic() < self.stop_at:
            request += 1
            if rng.random() < self.args.hostile:
                await self.hostile_request(client, rng, request)
            else:
                await self.normal_request(client, rng, request)

    async def run(self) -> float:
        import httpx

        limits = httpx.Limits(max_connections=self.args.clients, max_keepalive_connections=self.args.clients)
        timeout = httpx.Timeout(self.args.request_timeout + 30)
        self.stop_at = time.monotonic() + self.args.seconds
        t0 = time.perf_counter()
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            await asyncio.gather(*(self.one_client(client, self.args.seed * 10_000 + i) for i in range(self.args.clients)))
        return time.perf_counter() - t0


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="rule-only", help="reward preset served (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients send (default: %(default)s)")
    parser.add_argument("--hostile", type=float, default=0.2, help="share of hostile requests (default: %(default)s)")
    parser.add_argument("--kinds", default=",".join(HOSTILE_KINDS), help="hostile kinds, comma-separated (default: all)")
    parser.add_argument("--batch", type=int, default=8, help="records per normal request (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the clients' choices (default: %(default)s)")
    parser.add_argument("--max-concurrency", type=int, default=2, help="server worker threads (default: %(default)s)")
    parser.add_argument("--max-body-bytes", type=int, default=2_000_000, help="server body limit (default: %(default)s)")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="server request timeout (default: %(default)s)")
    parser.add_argument("--header-timeout", type=float, default=5.0, help="server header timeout (default: %(default)s)")
    parser.add_argument("--body-timeout", type=float, default=5.0, help="server body timeout (default: %(default)s)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(args.kinds) - set(HOSTILE_KINDS))
    if unknown or not args.kinds:
        parser.error(f"--kinds: unknown {unknown}; choose from {', '.join(HOSTILE_KINDS)}")

    import httpx

    normal = load_samples()
    t0 = time.perf_counter()
    expected = offline_scores(normal, args.preset)
    offline_s = time.perf_counter() - t0
    load_before = list(os.getloadavg())
    proc, url = start_server(args)
    health: dict[str, Any] = {}
    try:
        soak = Soak(url, int(url.rsplit(":", 1)[1]), normal, expected, args)
        elapsed = asyncio.run(soak.run())
        health = httpx.get(url + "/health", timeout=30).json()
        rss = rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "killed after 60 s"
        stderr = proc.stderr.read()
    lat_ms = [x * 1000 for x in soak.latencies]
    result = {
        "preset": args.preset,
        "clients": args.clients,
        "seconds": args.seconds,
        "hostile_share": args.hostile,
        "hostile_kinds": args.kinds,
        "batch": args.batch,
        "seed": args.seed,
        "server": {
            "max_concurrency": args.max_concurrency, "max_body_bytes": args.max_body_bytes,
            "request_timeout": args.request_timeout, "header_timeout": args.header_timeout, "body_timeout": args.body_timeout,
        },
        "offline_pass_s": round(offline_s, 1),
        "elapsed_s": round(elapsed, 1),
        "normal": {
            "requests_sent": soak.normal_sent,
            "requests_ok": soak.normal_ok,
            "lost": len(soak.lost),
            "lost_samples": soak.lost[:5],
            "success_rate": round(soak.normal_ok / soak.normal_sent, 4) if soak.normal_sent else None,
            "latency_ms": {
                "p50": round(percentile(lat_ms, 50), 1),
                "p99": round(percentile(lat_ms, 99), 1),
                "max": round(max(lat_ms), 1) if lat_ms else None,
            },
            "records_checked": soak.records_checked,
            "records_changed": len(soak.changed),
            "changed_samples": soak.changed[:5],
        },
        "hostile": {kind: dict(soak.hostile[kind]) for kind in args.kinds},
        "hostile_requests": soak.hostile_count,
        "health_after": health,
        "server_rss_mib_after": rss,
        "server_exit": code,
        "server_stderr_traceback": "Traceback" in stderr,
        "server_stderr_tail": stderr[-1000:],
        "machine": {
            "platform": platform.platform(),
            "processor": cpu_model(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_before": load_before,
            "niceness": os.nice(0),
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    raw_open = sum(soak.hostile[k]["still open"] for k in ("slowloris", "idle", "stalled-body"))
    bad = soak.lost or soak.changed or raw_open or code != 0 or result["server_stderr_traceback"] or health.get("in_flight")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
