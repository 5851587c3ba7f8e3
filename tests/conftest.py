"""Fixtures shared by the whole suite: real PostgreSQL, real Redis, SQLite.

Under CI=true a test that needs a service fails when the service is missing;
on a developer machine it is skipped with the reason.

Every test also runs under the transaction guard: an HTTP call made while the
same thread holds an open database transaction fails the test (see
`TransactionGuard`).
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
import weakref
from dataclasses import replace
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from urllib3.connectionpool import HTTPConnectionPool

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


REPOSITORY = Path(__file__).resolve().parent.parent
# Frames of these folders are pcsync's own code, worth naming in a report.
PROJECT_FOLDERS = tuple(
    f"{REPOSITORY / name}/" for name in ("workers", "tasks", "models", "ingest", "pcsync")
)


def project_frames(frame, limit: int = 3) -> str:
    """The innermost pcsync frames at or above `frame`, callee first, as
    `path:line in function < caller...`."""
    found = []
    while frame is not None and len(found) < limit:
        filename = frame.f_code.co_filename
        if filename.startswith(PROJECT_FOLDERS):
            where = Path(filename).relative_to(REPOSITORY)
            found.append(f"{where}:{frame.f_lineno} in {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(found) or "outside pcsync"


class TransactionGuard:
    """Records HTTP calls made while the calling thread has a database transaction open.

    On SQLite a transaction holds the database's single write lock, on
    PostgreSQL its row locks: an HTTP call inside one (20 s timeout, retries)
    blocks every other writer for as long. pcsync sends first and records in a
    short transaction afterwards. The guard records rather than raises because
    an exception inside a Celery worker thread would be retried or swallowed;
    the test fails at teardown instead.

    A transaction is open from SQLAlchemy's `begin` event to its `commit` or
    `rollback` (for a Session: from its first use of the connection, which is
    when SQLite takes its locks). HubSpot's requests session and boto3 both send
    through urllib3's `HTTPConnectionPool.urlopen`.
    """

    def __init__(self) -> None:
        self._threads = threading.local()
        self._lock = threading.Lock()
        self.violations: list[str] = []

    def open_transactions(self) -> weakref.WeakKeyDictionary:
        """This thread's open connections, each with where its transaction began."""
        if not hasattr(self._threads, "open"):
            self._threads.open = weakref.WeakKeyDictionary()
        return self._threads.open

    def began(self, connection) -> None:
        self.open_transactions()[connection] = project_frames(sys._getframe(1))

    def ended(self, connection) -> None:
        self.open_transactions().pop(connection, None)

    def http_call(self, method: str, url: str) -> None:
        opened = [
            where
            for connection, where in list(self.open_transactions().items())
            if not connection.closed and connection.in_transaction()
        ]
        if opened:
            called = project_frames(sys._getframe(1))
            message = f"{method} {url} from {called}, transaction opened at {opened[0]}"
            with self._lock:
                self.violations.append(message)

    def take_violations(self) -> list[str]:
        """The distinct violations recorded so far (a retried call counts once), cleared."""
        with self._lock:
            taken = list(dict.fromkeys(self.violations))
            self.violations.clear()
        return taken

    def install(self) -> None:
        """Listen on every engine and wrap urllib3's one sending method."""
        sa.event.listen(sa.engine.Engine, "begin", self.began)
        sa.event.listen(sa.engine.Engine, "commit", self.ended)
        sa.event.listen(sa.engine.Engine, "rollback", self.ended)
        send = HTTPConnectionPool.urlopen
        guard = self

        def guarded_urlopen(pool, method, url, *args, **kwargs):
            guard.http_call(method, f"{pool.scheme}://{pool.host}:{pool.port}{url}")
            return send(pool, method, url, *args, **kwargs)

        HTTPConnectionPool.urlopen = guarded_urlopen


TRANSACTION_GUARD = TransactionGuard()
TRANSACTION_GUARD.install()


@pytest.fixture(autouse=True)
def no_http_inside_transactions():
    """Fails the test if pcsync called HubSpot or Partner Central (or any HTTP
    service) while holding a database transaction. Autouse fixtures are set up
    first and torn down last, so the worker and the stack have stopped."""
    TRANSACTION_GUARD.take_violations()  # a previous test's stray thread is not this test's
    yield
    violations = TRANSACTION_GUARD.take_violations()
    if violations:
        listed = "\n  ".join(violations)
        pytest.fail(f"HTTP call inside an open database transaction:\n  {listed}", pytrace=False)


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
