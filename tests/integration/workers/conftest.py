"""Real-Redis fixtures for the limiter and lock integration tests.

The tests need the Redis at ``PCSYNC_TEST_REDIS_URL`` (default
``redis://127.0.0.1:6379/15``). Without it they skip locally, but under
``CI=true`` they fail: a CI run that silently skipped the cross-process proof
would prove nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_TEST_URL = os.environ.get("PCSYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unreachable_reason(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is unreachable ({exc})"
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    reason = _unreachable_reason(REDIS_TEST_URL)
    if reason is None:
        return REDIS_TEST_URL
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the integration tests to run")
    pytest.skip(f"{reason}; start redis-server or set PCSYNC_TEST_REDIS_URL")


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A prefix no other test (or run) uses; every key under it is deleted afterwards."""
    prefix = f"pcsync-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
