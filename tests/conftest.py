"""Fixtures shared by the whole suite: real PostgreSQL, real Redis, SQLite.

Under CI=true a test that needs a service fails when the service is missing;
on a developer machine it is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest
import redis
import sqlalchemy as sa

from models.migrate import upgrade
from pcsync.config import load_settings

IN_CI = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "PCSYNC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# One logical database per test process (8-14), so two suites running side
# by side on one machine, or the parallel workers of one (pytest -n, named
# gw0, gw1, ...), do not flush each other's queues. PCSYNC_TEST_REDIS names
# the database of a serial run.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw"):
    _run_offset = int(os.environ["PYTEST_XDIST_TESTRUNUID"][:8], 16)
    REDIS_TEST_URL = f"redis://127.0.0.1:6379/{8 + (_run_offset + int(_XDIST_WORKER[2:])) % 7}"
else:
    REDIS_TEST_URL = os.environ.get(
        "PCSYNC_TEST_REDIS", f"redis://127.0.0.1:6379/{8 + os.getpid() % 7}"
    )

TEST_CLIENT_SECRET = "test-client-secret-0123456789"
TEST_API_TOKEN = "test-api-token-0123456789abcdef"


def service_missing(name: str, error: Exception):
    message = f"{name} is not reachable: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database_url():
    """A fresh PostgreSQL database for this test session, migrated to head."""
    name = f"pcsync_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_missing("PostgreSQL", exc)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'alembic_version'"
            )
        ).scalars()
        # TRUNCATE bypasses the audit table's row triggers (that is the point
        # of a fresh test database, not a loophole in production: the
        # service's role never truncates).
        names = ", ".join(f'"{t}"' for t in tables if t != "audit_chain")
        if names:
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY"))
        # The emptied trail starts a new hash chain from the all-zero anchor.
        connection.execute(
            sa.text(
                "UPDATE audit_chain SET last_hash = :zero, anchor_hash = :zero, appended = 0,"
                " anchor_id = 0, purged_through = 0"
            ),
            {"zero": "0" * 64},
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test using this runs on SQLite and on PostgreSQL, migrated to head."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pcsync.sqlite3'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("postgres_database_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def redis_url():
    """The real Redis, one logical database flushed before each test."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", exc)
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


@pytest.fixture
def make_settings(tmp_path):
    """Settings as a deployment would load them, with test values and overrides."""

    def build(**overrides):
        environ = {
            "PCSYNC_DATA_DIR": str(tmp_path / "var"),
            "HUBSPOT_CLIENT_SECRET": TEST_CLIENT_SECRET,
            "HUBSPOT_ACCESS_TOKEN": "test-hubspot-token",
            "PCSYNC_API_TOKENS": TEST_API_TOKEN,
            "PCSYNC_PUBLIC_URL": "https://pcsync.example.com",
            "PCSYNC_LOG_JSON": "true",
            # Nothing in a test may reach the internet: unless a test points
            # these at a simulator, calls fail fast on a closed local port.
            "HUBSPOT_API_BASE_URL": "http://127.0.0.1:9",
            "PC_ENDPOINT_URL": "http://127.0.0.1:9",
        }
        return replace(load_settings(environ), **overrides)

    return build
