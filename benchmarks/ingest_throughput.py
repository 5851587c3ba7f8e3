"""Benchmark: webhook ingest under gunicorn beside a bare 204 endpoint.

Starts gunicorn with the real app (a PostgreSQL database and a Redis server
of the run's own, removed afterwards, when they can be had; else SQLite + the
embedded broker), POSTs v3-signed 100-event batches from
client threads, and prints events/s and p50/p99 latency for the ingest and
for the bare endpoint of the same server. Not a test: run on demand.

    .venv/bin/python -m benchmarks.ingest_throughput [--requests 300] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import requests

from benchmarks.services import Backends, backends
from ingest.signatures import v3_signature

SECRET = "bench-client-secret"
BIND = "127.0.0.1:8799"
PUBLIC = f"http://{BIND}"


def batch(ids, deal_count: int = 500) -> bytes:
    events = []
    for _ in range(100):
        i = next(ids)
        events.append(
            {
                "eventId": i,
                "subscriptionId": 1,
                "portalId": 62515,
                "occurredAt": 1_764_300_000_000 + i,
                "subscriptionType": "deal.propertyChange",
                "objectId": i % deal_count,
                "propertyName": "amount",
                "propertyValue": str(i),
            }
        )
    return json.dumps(events).encode()


def signed_post(session: requests.Session, path: str, body: bytes) -> tuple[float, int]:
    timestamp = str(int(time.time() * 1000))
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": v3_signature(SECRET, "POST", PUBLIC + path, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }
    started = time.perf_counter()
    response = session.post(PUBLIC + path, data=body, headers=headers, timeout=30)
    return time.perf_counter() - started, response.status_code


def drive(path: str, bodies: list[bytes], threads: int) -> dict:
    sessions = [requests.Session() for _ in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(
            pool.map(
                lambda pair: signed_post(sessions[pair[0] % threads], path, pair[1]),
                enumerate(bodies),
            )
        )
    elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    statuses = {s: sum(1 for r in results if r[1] == s) for s in {r[1] for r in results}}
    return {
        "requests": len(bodies),
        "statuses": statuses,
        "events_per_s": len(bodies) * 100 / elapsed,
        "requests_per_s": len(bodies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="pcsync-bench-")
    try:
        with backends(workdir) as chosen:
            return run(args, workdir, chosen)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: str, chosen: Backends) -> int:
    label = chosen.label
    env = {
        **os.environ,
        **chosen.env,
        "PCSYNC_DATA_DIR": workdir,
        "HUBSPOT_CLIENT_SECRET": SECRET,
        "PCSYNC_PUBLIC_URL": PUBLIC,
        "PCSYNC_LOG_LEVEL": "ERROR",
    }
    subprocess.run(
        [sys.executable, "-m", "pcsync.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            BIND,
            "-w",
            str(args.gunicorn_workers),
            "benchmarks.ingest_app:app",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                requests.get(PUBLIC + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        ids = count(1)
        warmup = [batch(ids) for _ in range(20)]
        drive("/webhooks/hubspot", warmup, args.threads)
        bodies = [batch(ids) for _ in range(args.requests)]
        ingest = drive("/webhooks/hubspot", bodies, args.threads)
        bare = drive("/bench/bare", bodies, args.threads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"backend: {label}; gunicorn workers: {args.gunicorn_workers}; client threads: "
        f"{args.threads}; {args.requests} signed batches of 100 events each"
    )
    print(f"{'endpoint':<20}{'events/s':>12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}  statuses")
    for name, result in (("/webhooks/hubspot", ingest), ("bare 204", bare)):
        print(
            f"{name:<20}{result['events_per_s']:>12.0f}{result['requests_per_s']:>10.1f}"
            f"{result['p50_ms']:>10.1f}{result['p99_ms']:>10.1f}  {result['statuses']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
