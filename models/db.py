"""Engine and session handling; the transaction boundary is declared here.

`Database.transaction()` is the one way code writes: it commits on success and
rolls back on any exception, so a request or task never leaves half a change.
Work registered with `after_commit` (publishing tasks) runs only once the
commit has succeeded: a task never runs against rows that were rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from models.audit_privacy import PSEUDONYM_KEY

# How long a process waits for another to finish switching a new SQLite file to WAL.
WAL_SWITCH_SECONDS = 30.0


def use_wal(connection) -> None:
    """Put a SQLite file in WAL mode (kept in the file: later calls are no-ops).

    The switch of a new file needs a lock that SQLite does not wait for
    (the busy timeout does not apply), so processes opening a fresh file at
    the same moment (the ingest and the worker on a first start) may be told
    "database is locked": wait and try again."""
    import sqlite3  # here: a PostgreSQL deployment never loads the SQLite driver

    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the ingest read while a worker writes; busy_timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    use_wal(cursor)
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # REPLACE then fires delete triggers, so the audit trail's refusal holds.
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.close()


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder (a fresh `var/`)."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, pre_ping: bool = True) -> Engine:
    ensure_sqlite_directory(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=pre_ping,
        pool_size=5,
        max_overflow=10,
        # Fail fast when the database is down so ingest can answer 503.
        connect_args={"connect_timeout": 3},
    )


AFTER_COMMIT = "pcsync.after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` after `session`'s transaction commits (never if it rolls back).
    An exception it raises reaches the caller of `transaction()`, with the
    data already committed."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


Result = TypeVar("Result")


class _ClosedConnection(Exception):
    """A pooled connection the server had closed (`Database.run` retries)."""


def _closed_is_retried(work: Callable[[], Result], last: bool) -> Result:
    try:
        return work()
    except DBAPIError as exc:
        if exc.connection_invalidated and not last:
            raise _ClosedConnection from exc
        raise


def _retried_once(attempt: Callable[[bool], Result]) -> Result:
    try:
        return attempt(False)
    except _ClosedConnection:
        return attempt(True)


class Database:
    def __init__(self, url: str, *, audit_pseudonym_key: str | None = None, pre_ping: bool = True):
        """`audit_pseudonym_key` set: audit diffs are stored pseudonymised
        (models/audit_privacy.py); the sessions carry the key to record_audit.
        `pre_ping` false: a pooled connection is not tested before each use
        (a round trip); one the server has closed then fails its first
        statement, which `run` retries once."""
        self.url = url
        self.engine = make_engine(url, pre_ping)
        info = {PSEUDONYM_KEY: audit_pseudonym_key} if audit_pseudonym_key else {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.dialect = self.engine.dialect.name
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on
        any exception."""
        session = self.sessions()
        try:
            yield session
            session.commit()
            for action in session.info.pop(AFTER_COMMIT, []):
                action()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def run(self, work: Callable[[Session], Result]) -> Result:
        """`work(session)` in a transaction, tried once more on a fresh
        connection when the pooled one turns out to be closed (the server
        restarted; SQLAlchemy then also discards the pool's other
        connections). For idempotent work: a try cut off at its commit may
        have committed. A database that cannot be reached is raised at once."""

        def in_transaction(last: bool) -> Result:
            with self.transaction() as session:
                session.connection()  # connecting fails here in an outage: not retried
                return _closed_is_retried(lambda: work(session), last)

        return _retried_once(in_transaction)

    def run_statement(self, work: Callable[[Connection], Result]) -> Result:
        """`work(connection)` on a Core connection in autocommit, for work
        that is one statement on PostgreSQL: the statement is its own
        transaction (no BEGIN and no COMMIT round trip; its commit is still
        flushed before it returns), and no ORM session is set up for it.
        Retried like `run`."""

        def on_connection(last: bool) -> Result:
            with self._autocommit.connect() as connection:
                return _closed_is_retried(lambda: work(connection), last)

        return _retried_once(on_connection)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
