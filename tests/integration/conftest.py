from __future__ import annotations

import pytest
import redis

from tests.integration.stack import Stack, build_configured_stack, build_stack


@pytest.fixture
def stack_with(make_settings, database_url, redis_url, monkeypatch, tmp_path):
    """Builds the stack with settings overrides (``stack_with(events_secret=...)``),
    or with an engine configuration (``stack_with(engine_config=TOML)``); every
    stack built is stopped after the test."""
    built: list[Stack] = []

    def build(engine_config: str | None = None, **overrides) -> Stack:
        parts = (make_settings, database_url, redis_url, monkeypatch)
        if engine_config is None:
            one = build_stack(*parts, **overrides)
        else:
            assert not overrides, "an engine configuration takes no other overrides"
            one = build_configured_stack(*parts, tmp_path, engine_config)
        built.append(one)
        return one

    yield build
    for one in built:
        one.stop()


@pytest.fixture
def stack(stack_with):
    return stack_with()


@pytest.fixture
def client(app):
    """A test client of the module's own ``app`` fixture."""
    return app.test_client()


@pytest.fixture
def broker(redis_url):
    """The Redis broker the app queues its tasks on."""
    return redis.Redis.from_url(redis_url)
