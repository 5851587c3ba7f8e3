from __future__ import annotations

import pytest

from tests.integration.stack import build_stack


@pytest.fixture
def stack(make_settings, database_url, redis_url, monkeypatch):
    built = build_stack(make_settings, database_url, redis_url, monkeypatch)
    yield built
    built.stop()
