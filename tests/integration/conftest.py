from __future__ import annotations

import pytest
import redis

from tests.integration.stack import build_stack


@pytest.fixture
def stack_with(make_settings, database_url, redis_url, monkeypatch, tmp_path):
    """Build the stack with changed settings, e.g. `stack_with(debounce_seconds=2.0)`;
    `engine_config=` takes the engine configuration's TOML text. Every stack
    built is stopped (and its refusals checked) when the test ends."""
    built = []

    def build(*, engine_config: str | None = None, **overrides):
        if engine_config is not None:
            path = tmp_path / "engine.toml"
            path.write_text(engine_config)
            overrides["engine_config_path"] = str(path)
        stack = build_stack(make_settings, database_url, redis_url, monkeypatch, **overrides)
        built.append(stack)
        return stack

    yield build
    for stack in built:
        stack.stop()


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
