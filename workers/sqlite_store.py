"""The embedded limiter's store: one SQLite file shared by the local processes.

Without ``REDIS_URL`` the ingest, every worker process and every CLI command
of one installation run on one machine and share its data dir. An in-memory
limiter per process would give each of them the whole quota; this store gives
them one. SQLite serialises writers across processes (``BEGIN IMMEDIATE``
takes the file's write lock), so each check-and-record below is atomic for
every process, like the Redis Lua scripts of production.

``SQLiteStorage`` is a ``limits`` storage (moving window, fixed and sliding
window counters), registered under the ``pcsync-sqlite`` scheme:
``pcsync-sqlite:///abs/path/limiter.sqlite3``. Times come from ``time.time()``
at call time, as in ``limits``' own storages, so tests control them the same
way.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from limits.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow

from models.db import use_wal

SCHEME = "pcsync-sqlite"
# Writers queue behind each other for at most this long before an error.
BUSY_TIMEOUT_SECONDS = 30.0


class SQLiteFile:
    """Connections to one SQLite file: one per thread and process (sqlite3
    connections cross neither), transactions that lock out other writers."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is None or held[0] != os.getpid():  # a forked child opens its own
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
            use_wal(connection)
            # Counters need no fsync per grant: after a power cut the limiter
            # may forget its last hits, a far smaller risk than slow grants.
            connection.execute("PRAGMA synchronous=NORMAL")
            held = (os.getpid(), connection)
            self._local.held = held
        return held[1]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def ensure_schema(self, statements: Sequence[str]) -> None:
        with self.transaction() as db:
            for statement in statements:
                db.execute(statement)


class SQLiteStorage(
    Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow
):
    """``limits`` storage on a SQLite file (see the module docstring)."""

    STORAGE_SCHEME = [SCHEME]
    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
        "value INTEGER NOT NULL, expires_at REAL NOT NULL)",
        "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, at)",
    )

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        path = uri[len(f"{SCHEME}://") :]
        if not path.startswith("/"):
            raise ValueError(f"{SCHEME} storage needs an absolute path, got {uri!r}")
        self.file = SQLiteFile(path)
        self.file.ensure_schema(self.SCHEMA)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    # -- counters (fixed and sliding windows) --------------------------------

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self.file.transaction() as db:
            return _incr(db, key, expiry, amount)

    def get(self, key: str) -> int:
        with self.file.transaction() as db:
            return _count(db, key)

    def get_expiry(self, key: str) -> float:
        with self.file.transaction() as db:
            row = db.execute(
                "SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            ).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        with self.file.transaction() as db:
            db.execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        with self.file.transaction() as db:
            counted = db.execute("DELETE FROM counters").rowcount
            return counted + db.execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        with self.file.transaction() as db:
            db.execute("DELETE FROM counters WHERE key = ?", (key,))
            db.execute("DELETE FROM hits WHERE key = ?", (key,))

    # -- moving window -------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self.file.transaction() as db:
            now = time.time()  # once the file is ours: the hit's true moment
            # Hits older than the window can never count again.
            db.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - expiry))
            (counted,) = db.execute("SELECT COUNT(*) FROM hits WHERE key = ?", (key,)).fetchone()
            if counted + amount > limit:
                return False
            db.executemany("INSERT INTO hits VALUES (?, ?)", [(key, now)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.file.transaction() as db:
            rows = db.execute(
                "SELECT at FROM hits WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
                (key, now - expiry, limit),
            ).fetchall()
        if not rows:
            return now, 0
        return rows[-1][0], len(rows)

    # -- sliding window counter ----------------------------------------------

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with self.file.transaction() as db:
            previous, previous_ttl, current, _ = _sliding_window(
                db, previous_key, current_key, expiry, now
            )
            if math.floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            _incr(db, current_key, 2 * expiry, amount)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with self.file.transaction() as db:
            return _sliding_window(db, previous_key, current_key, expiry, now)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(window_key)


def _count(db: sqlite3.Connection, key: str) -> int:
    row = db.execute(
        "SELECT value FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
    ).fetchone()
    return row[0] if row else 0


def _incr(db: sqlite3.Connection, key: str, expiry: float, amount: int) -> int:
    now = time.time()
    db.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
    db.execute(
        "INSERT INTO counters VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
        (key, amount, now + expiry),
    )
    return _count(db, key)


def _sliding_window(
    db: sqlite3.Connection, previous_key: str, current_key: str, expiry: int, now: float
) -> tuple[int, float, int, float]:
    # The same arithmetic as limits' memory storage, read in one transaction.
    previous, current = _count(db, previous_key), _count(db, current_key)
    previous_ttl = 0.0 if previous == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
    current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
    return previous, previous_ttl, current, current_ttl
