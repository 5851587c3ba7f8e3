"""Process bodies for the cross-process tests (importable, so ``spawn`` can run them).

Each function builds its own limiter or lock factory inside the child process,
exactly as a Celery worker process would, waits on a shared barrier so all
contenders start together, and reports what it observed through a queue.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import redis

from workers.limiter import build_limiter
from workers.locks import lock_factory

# Pause between refused attempts: short enough to keep every process contending
# for each new second, long enough not to starve the others of CPU.
CONTEND_PAUSE = 0.001


def pause(seconds: float) -> None:
    """A contender's own pace: arriving at random moments, coming back when
    the limiter said, holding the lock a while, leaving the CPU to the others
    between attempts. Time passing is the load these tests put on the shared
    limiter and lock store, not a wait for pcsync to finish something."""
    time.sleep(seconds)


def hammer_limiter(
    store: dict[str, str],
    group: str,
    limits_config: dict[str, Any] | None,
    seconds: float,
    start: Any,
    results: Any,
) -> None:
    """``store``: ``{"redis_url", "key_prefix"}`` (production) or ``{"data_dir"}``
    (embedded mode's shared file)."""
    limiter = build_limiter(store.get("redis_url"), limits_config, **_store_options(store))
    start.wait(timeout=60)
    deadline = time.time() + seconds
    grants: list[tuple[float, float]] = []
    attempts = 0
    while time.time() < deadline:
        # The limiter stamps the hit with time.time() between these two readings.
        before = time.time()
        decision = limiter.acquire(group)
        after = time.time()
        attempts += 1
        if decision.allowed:
            grants.append((before, after))
        else:
            pause(CONTEND_PAUSE)
    results.put({"pid": os.getpid(), "grants": grants, "attempts": attempts})


def _store_options(store: dict[str, str]) -> dict[str, Any]:
    if "data_dir" in store:
        return {"data_dir": Path(store["data_dir"])}
    return {"key_prefix": store["key_prefix"]}


def queue_for_slots(
    store: dict[str, str],
    rounds: int,
    start: Any,
    results: Any,
) -> None:
    """Ask for a pc-write token ``rounds`` times at random moments, each time
    coming back for the booked slot as a sync does, and report when each
    request was made and when it was granted."""
    limiter = build_limiter(store.get("redis_url"), None, **_store_options(store))
    rng = random.Random(os.getpid())
    start.wait(timeout=60)
    requests = []
    for round_ in range(rounds):
        pause(rng.uniform(0.0, 0.6))
        holder = f"{os.getpid()}:{round_}"
        # The request reaches the shared book somewhere between these two readings.
        asked_before = time.time()
        decision = limiter.acquire("pc-write", holder=holder)
        asked_after = time.time()
        booked = decision.slot
        while not decision.allowed:
            pause(decision.retry_after)
            decision = limiter.acquire("pc-write", holder=holder)
        requests.append(
            {
                "holder": holder,
                "asked": (asked_before, asked_after),
                "slot": booked,
                "granted": time.time(),
            }
        )
    results.put({"pid": os.getpid(), "requests": requests})


def contend_for_lock(
    redis_url: str,
    key_prefix: str,
    name: str,
    seconds: float,
    start: Any,
    results: Any,
) -> None:
    locks = lock_factory(redis_url, key_prefix=key_prefix + ":lock:")
    client = redis.Redis.from_url(redis_url)
    occupancy_key = key_prefix + ":occupancy"
    start.wait(timeout=60)
    deadline = time.time() + seconds
    holds: list[tuple[float, float]] = []
    crowded = 0
    while time.time() < deadline:
        with locks.try_lock(name, ttl_seconds=30) as held:
            if held:
                entered = time.time()
                # An independent witness: more than one holder would push this past 1.
                if client.incr(occupancy_key) != 1:
                    crowded += 1
                pause(0.01)
                client.decr(occupancy_key)
                holds.append((entered, time.time()))
        pause(CONTEND_PAUSE)
    results.put({"pid": os.getpid(), "holds": holds, "crowded": crowded})
