"""Two HTTP load generators for `benchmarks.ingest`, with the same figures.

wrk when it is installed; else an asyncio client of raw keep-alive-aware
HTTP/1.1 connections, light enough per request that on the same machine its
ceiling on a bare endpoint stays within 2x of wrk's (the requests are built
before the clock starts). Each connection sends the next pre-signed request
as soon as the previous answer is read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).with_name("wrk_bodies.lua")
WRK_THREADS = 2


@dataclass(frozen=True)
class Signed:
    timestamp: str
    signature: str
    body: bytes


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def client_name(client: str = "auto") -> str:
    """`client` as asked, or wrk when installed ("auto")."""
    if client == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return client


def load(
    url: str, requests: list[Signed], seconds: float, connections: int, client: str = "auto"
) -> Figures:
    """POST `requests` in order (starting over when they run out) for `seconds`."""
    if client_name(client) == "wrk":
        return wrk_load(url, requests, seconds, connections)
    return asyncio.run(python_load(url, requests, seconds, connections))


def wrk_load(url: str, requests: list[Signed], seconds: float, connections: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="pcsync-wrk-") as folder:
        prefix = f"{folder}/bodies"
        for thread in range(WRK_THREADS):
            with open(f"{prefix}.{thread}", "wb") as lines:
                for signed in requests[thread::WRK_THREADS]:
                    lines.write(f"{signed.timestamp}\n{signed.signature}\n".encode())
                    lines.write(signed.body + b"\n")
        command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s"]
        command += ["--timeout", "10s", "-s", str(WRK_SCRIPT), url]
        done = subprocess.run(
            command,
            env={**os.environ, "PCSYNC_BENCH_BODIES": prefix},
            capture_output=True,
            text=True,
            check=True,
        )
    return Figures(**json.loads(done.stdout.strip().splitlines()[-1]))


def _raw_request(host: str, path: str, signed: Signed) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-HubSpot-Request-Timestamp: {signed.timestamp}\r\n"
        f"X-HubSpot-Signature-v3: {signed.signature}\r\n"
        f"Content-Length: {len(signed.body)}\r\n\r\n"
    )
    return head.encode() + signed.body


async def _exchange(reader, writer, raw: bytes) -> tuple[int, bool]:
    """Send one request, read its answer; (status, whether the server closes)."""
    writer.write(raw)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    await reader.readexactly(length)
    return status, "connection: close" in head


async def _connection(host, port, raws, deadline: float, latencies: list, statuses: list) -> None:
    reader = writer = None
    while time.perf_counter() < deadline:
        raw = next(raws)
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        started = time.perf_counter()
        status, closes = await _exchange(reader, writer, raw)
        latencies.append(time.perf_counter() - started)
        statuses.append(status)
        if closes:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def python_load(url: str, requests: list[Signed], seconds: float, connections: int):
    parts = urlsplit(url)
    raws = itertools.cycle([_raw_request(parts.netloc, parts.path, s) for s in requests])
    latencies: list[float] = []
    statuses: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(parts.hostname, parts.port, raws, deadline, latencies, statuses)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Figures(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        non_2xx=sum(1 for s in statuses if not 200 <= s < 300),
        socket_errors=0,
    )
