from __future__ import annotations

import pytest
import redis

from tests.integration.stack import build_stack


@pytest.fixture
def stack(make_settings, database_url, redis_url, monkeypatch):
    built = build_stack(make_settings, database_url, redis_url, monkeypatch)
    yield built
    built.stop()


@pytest.fixture
def client(app):
    """A test client of the module's own ``app`` fixture."""
    return app.test_client()


@pytest.fixture
def broker(redis_url):
    """The Redis broker the app queues its tasks on."""
    return redis.Redis.from_url(redis_url)
