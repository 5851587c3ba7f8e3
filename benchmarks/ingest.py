"""Benchmark: webhook ingest beside a bare endpoint and a minimal correct ingest.

One gunicorn (2 workers by default) serves three endpoints
(`benchmarks/ingest_app.py`): pcsync's `/webhooks/hubspot`, a bare 204 (the
server's ceiling) and a minimal correct ingest (verify v3, de-duplicate each
event in Redis, one LPUSH). pcsync runs on a PostgreSQL database and a Redis
broker of the run's own (`benchmarks/services.py`), removed afterwards.

The load: 10 connections (HubSpot's concurrency), v3-signed batches of 100
events, from wrk when installed, else a Python client (`benchmarks/load.py`).
After an unmeasured second of new batches for each ingest (`warm_up`),
each ingest is measured with batches of all-new events (attemptNumber 0),
then with HubSpot's retries of them (the same events, attemptNumber 1: all
duplicates). Rounds alternate the three endpoints; the
table shows each figure's median over the rounds, plus the batches each phase
recorded (all for new events, none for duplicates) as a check of the load.
Prints figures, asserts nothing.

    .venv/bin/python -m benchmarks.ingest [--rounds 3] [--seconds 5] [--connections 10]
        [--threads 1] [--client auto|wrk|python]
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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import count

import redis
import requests
import sqlalchemy as sa

from benchmarks.load import Figures, Signed, client_name, load
from benchmarks.services import Backends, backends, free_port
from ingest.signatures import v3_signature

SECRET = "bench-client-secret"
PCSYNC = "/webhooks/hubspot"
MINIMAL = "/bench/minimal"
BARE = "/bench/bare"
# Requests in flight when the load stops still commit: counted after this.
SETTLE_SECONDS = 3.0
DEALS = 500  # objects the events touch: each batch marks 100 of them pending


def batch(ids: Iterator[int]) -> bytes:
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
                "objectId": i % DEALS,
                "propertyName": "amount",
                "propertyValue": str(i),
                "changeSource": "CRM_UI",
                "attemptNumber": 0,
            }
        )
    return json.dumps(events).encode()


def signed(public: str, path: str, bodies: Iterable[bytes]) -> list[Signed]:
    """`bodies` signed now (a v3 signature is good for 5 minutes)."""
    timestamp = str(int(time.time() * 1000))
    return [
        Signed(timestamp, v3_signature(SECRET, "POST", public + path, body, timestamp), body)
        for body in bodies
    ]


def signed_batches(public: str, path: str, ids: Iterator[int], number: int) -> list[Signed]:
    """`number` new batches, signed."""
    return signed(public, path, (batch(ids) for _ in range(number)))


def retried(public: str, path: str, batches: list[Signed]) -> list[Signed]:
    """The same batches as HubSpot sends them again: each event's
    attemptNumber raised, signed anew."""
    bodies = []
    for sent in batches:
        events = json.loads(sent.body)
        for event in events:
            event["attemptNumber"] += 1
        bodies.append(json.dumps(events).encode())
    return signed(public, path, bodies)


class Server:
    """The gunicorn under test and counters of what each ingest recorded."""

    def __init__(self, chosen: Backends, workdir: str, workers: int, threads: int):
        self.public = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **os.environ,
            **chosen.env,
            "PCSYNC_DATA_DIR": workdir,
            "HUBSPOT_CLIENT_SECRET": SECRET,
            "PCSYNC_PUBLIC_URL": self.public,
            "PCSYNC_LOG_LEVEL": "ERROR",
            # As deployed: locks, limiter and the webhook memo on the broker's server.
            "REDIS_URL": chosen.env["CELERY_BROKER_URL"],
        }
        self.workers = workers
        self.threads = threads
        self.database = sa.create_engine(chosen.env["DATABASE_URL"])
        self.broker = redis.Redis.from_url(chosen.env["CELERY_BROKER_URL"])

    def start(self) -> subprocess.Popen:
        upgrade = [sys.executable, "-m", "pcsync.cli", "db", "upgrade"]
        subprocess.run(upgrade, env=self.env, check=True, capture_output=True)
        bind = self.public.removeprefix("http://")
        command = [sys.executable, "-m", "gunicorn", "-b", bind, "-w", str(self.workers)]
        if self.threads > 1:  # as `pcsync ingest` runs it
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        process = subprocess.Popen(
            [*command, "benchmarks.ingest_app:app"], env=self.env, stderr=subprocess.DEVNULL
        )
        for _ in range(150):
            try:
                requests.get(self.public + "/healthz", timeout=1)
                return process
            # A worker still importing (on a busy machine) may hold the
            # accepted connection past the timeout.
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        process.terminate()
        raise RuntimeError("gunicorn did not start")

    def batches_recorded(self, path: str) -> int:
        if path == MINIMAL:
            return self.broker.llen("bench:minimal")
        with self.database.connect() as connection:
            rows = connection.execute(sa.text("SELECT count(*) FROM inbox_events")).scalar()
        return rows // 100


def phase(server: Server, path: str, bodies: list[Signed], args) -> tuple[Figures, int]:
    before = server.batches_recorded(path) if path != BARE else 0
    figures = load(server.public + path, bodies, args.seconds, args.connections, args.client)
    time.sleep(SETTLE_SECONDS)
    after = server.batches_recorded(path) if path != BARE else 0
    return figures, after - before


def measure_ingest(server: Server, path: str, ids, args) -> dict[str, tuple[Figures, int]]:
    """All-new batches, then HubSpot's retries of batches the first phase
    surely sent (all duplicates)."""
    fresh = signed_batches(server.public, path, ids, int(args.max_rate * args.seconds))
    new = phase(server, path, fresh, args)
    again = retried(server.public, path, fresh[: new[0].requests // 4])
    return {"all new": new, "all duplicates": phase(server, path, again, args)}


def warm_up(server: Server, ids, args) -> None:
    """One unmeasured second of new batches for each ingest. The first
    batches after a start are not what a burst costs: pcsync creates a
    pending row and publishes a task for each of the DEALS objects (about
    0.8 ms per Celery publish, 100 per batch), and each worker opens its
    connections and prepares its statement."""
    for path in (MINIMAL, PCSYNC):
        warm = signed_batches(server.public, path, ids, int(args.max_rate))
        load(server.public + path, warm, 1, args.connections, args.client)


def run_rounds(server: Server, args) -> dict[str, list[tuple[Figures, int]]]:
    ids = count(1)
    bare_bodies = signed_batches(server.public, BARE, ids, 200)
    measures: dict[str, Callable[[], dict]] = {
        "bare Flask 204": lambda: {"": phase(server, BARE, bare_bodies, args)},
        "minimal correct ingest": lambda: measure_ingest(server, MINIMAL, ids, args),
        "pcsync": lambda: measure_ingest(server, PCSYNC, ids, args),
    }
    names = list(measures)
    warm_up(server, ids, args)
    found = defaultdict(list)
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:  # each round starts elsewhere
            for variant, result in measures[name]().items():
                found[f"{name}, {variant}".rstrip(", ")].append(result)
    return found


def rate(results: list[tuple[Figures, int]]) -> float:
    return statistics.median(f.per_second for f, _ in results)


def print_table(found: dict[str, list[tuple[Figures, int]]], args, label: str) -> None:
    print(
        f"backend: {label}; gunicorn workers: {args.gunicorn_workers} x {args.threads} threads; "
        f"client: {client_name(args.client)}, "
        f"{args.connections} connections; batches of 100 v3-signed events; "
        f"medians of {args.rounds} rounds of {args.seconds} s"
    )
    header = f"{'':<38}{'req/s':>9}{'events/s':>10}{'p50 ms':>8}{'p99 ms':>8}"
    print(header + f"{'of minimal':>12}{'batches recorded':>18}  errors")
    for name, results in found.items():
        per_second = rate(results)
        # Each ingest against the minimal one with the same kind of batches.
        variant = name.rpartition(", ")[2] if "," in name else "all new"
        minimal = rate(found[f"minimal correct ingest, {variant}"])
        events = "-" if name.startswith("bare") else f"{per_second * 100:,.0f}"
        errors = sum(f.non_2xx + f.socket_errors for f, _ in results)
        recorded = "/".join(f"{r}" for _, r in results) if not name.startswith("bare") else "-"
        print(
            f"{name:<38}{per_second:>9,.0f}{events:>10}"
            f"{statistics.median(f.p50_ms for f, _ in results):>8.1f}"
            f"{statistics.median(f.p99_ms for f, _ in results):>8.1f}"
            f"{per_second / minimal:>12.0%}{recorded:>18}  {errors}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="gthread threads per worker (1: sync workers)"
    )
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk if installed"
    )
    parser.add_argument(
        "--max-rate", type=int, default=1500, help="new batches signed per second of a phase"
    )
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="pcsync-bench-")
    try:
        with backends(workdir) as chosen:
            if "CELERY_BROKER_URL" not in chosen.env:
                print("needs PostgreSQL and redis-server (see benchmarks/services.py)")
                return 1
            server = Server(chosen, workdir, args.gunicorn_workers, args.threads)
            process = server.start()
            try:
                found = run_rounds(server, args)
            finally:
                process.terminate()
                process.wait(timeout=30)
                server.database.dispose()
            print_table(found, args, chosen.label)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
