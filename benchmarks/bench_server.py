"""Load test of `hymar serve`: many concurrent clients posting small batches of realistic rollouts.

Starts ``hymar serve`` as a subprocess on a free loopback port (or uses ``--url``), then runs
``--clients`` concurrent clients (one ``httpx.AsyncClient`` connection each) that post batches of
``--batch`` samples to ``POST /score`` until ``--requests`` requests have been sent or ``--max-seconds``
have passed. Samples are the completions of ``benchmarks/data/answer_equivalence.jsonl`` (realistic
model outputs with their gold answers); each request's samples form one GRPO-style group.

Reports latency p50/p95/p99 (ms), throughput (requests/s and samples/s) and the error count (any
non-200 answer, malformed answer or transport error); exits 1 when there was any error.

Usage:
    python benchmarks/bench_server.py [--preset rule-only] [--clients 200] [--requests 2000]
        [--max-seconds 60] [--batch 8] [--max-concurrency 2] [--out results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "answer_equivalence.jsonl"


def load_samples(path: Path = DATA) -> list[dict[str, Any]]:
    """`hymar score` records built from the labelled set (prompt, completion, answer, task)."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        record = {"id": case["id"], "prompt": case.get("prompt") or "Solve the problem.", "completion": case["completion"], "answer": case["gold"]}
        if case.get("task"):
            record["task"] = case["task"]
        records.append(record)
    return records


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_serve(preset: str, options: list[str]) -> tuple[subprocess.Popen, str]:
    """``hymar serve --preset PRESET OPTIONS`` on a free loopback port in a subprocess; returns it and
    its URL once /health answers (the server is killed if it does not within 180 s)."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "hymar", "serve", "--preset", preset, "--port", str(port), "--log-level", "warning", *options]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 180 s")


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """``hymar serve`` with this benchmark's options (`launch_serve`)."""
    return launch_serve(args.preset, ["--max-concurrency", str(args.max_concurrency), "--max-queue", str(max(args.clients * 2, 64))])


async def run_load(url: str, samples: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Drive the load; returns latencies and error details."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    stop_at = time.monotonic() + args.max_seconds
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    timeout = httpx.Timeout(args.max_seconds + 60)

    def next_batch() -> list[dict[str, Any]] | None:
        nonlocal sent
        if sent >= args.requests or time.monotonic() >= stop_at:
            return None
        start = (sent * args.batch) % len(samples)
        batch = [dict(samples[(start + k) % len(samples)], group=sent) for k in range(args.batch)]
        sent += 1
        return batch

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def one_client() -> None:
            while (batch := next_batch()) is not None:
                t0 = time.perf_counter()
                try:
                    response = await client.post(url + "/score", json=batch)
                    ok = response.status_code == 200 and len(response.json()) == len(batch)
                    if not ok:
                        errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except Exception as err:  # noqa: BLE001 - every failure is counted and reported
                    errors.append(f"{type(err).__name__}: {err}")
                    continue
                if ok:
                    latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - t0
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "sent": sent}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="rule-only", help="reward preset served (default: %(default)s)")
    parser.add_argument("--url", default=None, help="use a running server instead of starting one")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=2000, help="requests in all (default: %(default)s)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="stop sending after this (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=8, help="samples per request (default: %(default)s)")
    parser.add_argument("--max-concurrency", type=int, default=2, help="server worker threads (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default: %(default)s)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)

    import httpx

    samples = load_samples()
    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        t0 = time.perf_counter()
        proc, url = start_server(args)
        print(f"server up in {time.perf_counter() - t0:.1f} s at {url} (preset {args.preset})", file=sys.stderr)
    try:
        for i in range(args.warmup):
            batch = [dict(samples[(i * args.batch + k) % len(samples)], group=0) for k in range(args.batch)]
            httpx.post(url + "/score", json=batch, timeout=120).raise_for_status()
        run = asyncio.run(run_load(url, samples, args))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(60)
    lat_ms = [x * 1000 for x in run["latencies"]]
    done = len(lat_ms)
    result = {
        "preset": args.preset,
        "clients": args.clients,
        "batch": args.batch,
        "server_max_concurrency": args.max_concurrency,
        "requests_sent": run["sent"],
        "requests_ok": done,
        "errors": len(run["errors"]),
        "error_samples": run["errors"][:5],
        "elapsed_s": round(run["elapsed"], 3),
        "latency_ms": {
            "p50": round(percentile(lat_ms, 50), 1),
            "p95": round(percentile(lat_ms, 95), 1),
            "p99": round(percentile(lat_ms, 99), 1),
            "mean": round(statistics.fmean(lat_ms), 1) if lat_ms else None,
            "max": round(max(lat_ms), 1) if lat_ms else None,
        },
        "throughput": {
            "requests_per_s": round(done / run["elapsed"], 1),
            "samples_per_s": round(done * args.batch / run["elapsed"], 1),
        },
        "machine": {
            "platform": platform.platform(),
            "processor": cpu_model(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_before": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 1 if run["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
