"""Fixtures for the limiter and lock unit tests: a controllable clock and fakeredis.

``limits`` and fakeredis both read ``time.time()`` at call time and offer no
clock parameter, so ``fake_clock`` replaces ``time.time`` for the duration of a
test. Time then moves only when a test calls ``advance``: no sleeps, no timing
assertions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import fakeredis
import pytest
import redis

from workers.limiter import RateLimiter, build_limiter

START = 1_800_000_000.25  # an arbitrary instant, deliberately not on a second boundary


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(time, "time", clock)
    return clock


@pytest.fixture
def fake_server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def fake_pool(fake_server: fakeredis.FakeServer) -> redis.ConnectionPool:
    return redis.ConnectionPool(connection_class=fakeredis.FakeRedisConnection, server=fake_server)


@pytest.fixture
def fake_redis(fake_pool: redis.ConnectionPool) -> redis.Redis:
    return redis.Redis(connection_pool=fake_pool)


@pytest.fixture(params=["fakeredis", "sqlite", "memory"])
def make_limiter(request: pytest.FixtureRequest, fake_clock: FakeClock, fake_pool, tmp_path):
    """Build limiters on fakeredis (the production code path), on the embedded
    mode's SQLite file and on ``memory://``. Their sleep moves the fake clock."""

    def make(limits_config: dict | None = None) -> RateLimiter:
        if request.param == "fakeredis":
            limiter = build_limiter(
                "redis://fakeredis", limits_config, key_prefix="t", connection_pool=fake_pool
            )
        elif request.param == "sqlite":
            limiter = build_limiter(None, limits_config, data_dir=tmp_path / "var")
        else:
            limiter = build_limiter(None, limits_config)
        limiter.sleep = fake_clock.advance
        return limiter

    return make


def run_in_threads(target: Callable[[], None], count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for all of them."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
