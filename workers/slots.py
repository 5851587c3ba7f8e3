"""The queue of reserved write slots behind the rate limiter.

A call that cannot have a token now does not come back at a random later
moment and race everyone else again: it books the next free slot of its group
(one slot per ``period / limit`` of the group's shortest window, e.g. one per
second for Partner Central writes) and comes back for exactly that slot. The
book is shared by every process through the limiter's store, so slots go out
in the order the callers asked, across all workers.

Each book keeps, per group, the next free slot and the slot each holder
(a deal being synced, one call waiting) has booked. Booking is atomic:
``at = max(next free, earliest)``, ``next free = at + interval``. A holder
books at most one slot per group; asking again returns the same one.

A call the API refused at arrival although its slot was granted (the
server's window measured it a hair early) goes again *first* in line
(``book_first``): it had its turn, so it takes ``earliest`` and every slot
it would crowd moves one interval later, in order. Booked last, it would
wait behind everyone who asked after it.

Three stores, one contract: Redis (production; one Lua script), SQLite
(embedded mode; one file under the data dir shared by the local processes)
and memory (one process; unit tests).
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Protocol

import redis

if TYPE_CHECKING:  # the module loads sqlite3, which a Redis deployment never needs
    from workers.sqlite_store import SQLiteFile

# A booked slot not used within this many seconds after its time is
# forgotten: its holder died or gave up, and must not jump the queue later.
STALE_AFTER_SECONDS = 60.0
# Redis keys of an idle group disappear after this long.
KEY_TTL_SECONDS = 86_400


class SlotBook(Protocol):
    def book(self, group: str, holder: str, earliest: float, interval: float) -> float:
        """The holder's slot (epoch seconds), booking the next free one if it has none."""

    def book_first(self, group: str, holder: str, earliest: float, interval: float) -> float:
        """Book ``earliest`` for the holder ahead of the slots booked after it."""

    def held(self, group: str, holder: str) -> float | None:
        """The holder's booked slot, or None."""

    def release(self, group: str, holder: str) -> None:
        """Forget the holder's slot (used, or no longer wanted)."""

    def next_free(self, group: str) -> float:
        """When the next unbooked slot starts (0 when nothing was ever booked)."""

    def clear(self, group: str) -> None:
        """Forget every booking of the group."""


def put_first(
    booked: dict[str, float], holder: str, earliest: float, interval: float
) -> tuple[dict[str, float], float]:
    """The slots that change when ``holder`` takes ``earliest`` first in line
    (its own included), and the end of the queue after them. Slots at least
    an interval before ``earliest`` stay ahead; the others keep their order,
    each at least an interval after the one before."""
    changed = {holder: earliest}
    last = earliest
    for other, at in sorted(booked.items(), key=lambda item: item[1]):
        if other == holder or at <= earliest - interval:
            continue
        moved = max(at, last + interval)
        if moved != at:
            changed[other] = moved
        last = moved
    return changed, last + interval


def _fresh(at: float | None) -> float | None:
    if at is None or at < time.time() - STALE_AFTER_SECONDS:
        return None
    return at


class MemorySlotBook:
    """One process's book (threads share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._held: dict[tuple[str, str], float] = {}

    def book(self, group: str, holder: str, earliest: float, interval: float) -> float:
        with self._lock:
            at = _fresh(self._held.get((group, holder)))
            if at is None:
                at = max(self._next.get(group, 0.0), earliest)
                self._next[group] = at + interval
                self._held[(group, holder)] = at
            return at

    def book_first(self, group: str, holder: str, earliest: float, interval: float) -> float:
        with self._lock:
            booked = {h: at for (g, h), at in self._held.items() if g == group}
            changed, end = put_first(booked, holder, earliest, interval)
            self._held.update({(group, h): at for h, at in changed.items()})
            self._next[group] = max(self._next.get(group, 0.0), end)
            return earliest

    def held(self, group: str, holder: str) -> float | None:
        with self._lock:
            return _fresh(self._held.get((group, holder)))

    def release(self, group: str, holder: str) -> None:
        with self._lock:
            self._held.pop((group, holder), None)

    def next_free(self, group: str) -> float:
        with self._lock:
            return self._next.get(group, 0.0)

    def clear(self, group: str) -> None:
        with self._lock:
            self._next.pop(group, None)
            for key in [k for k in self._held if k[0] == group]:
                del self._held[key]


# Milliseconds travel as integers: a Lua number returned to Redis is truncated
# to an integer, and integers keep the book exact.
_BOOK_SCRIPT = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held and tonumber(held) >= tonumber(ARGV[5]) then return tonumber(held) end
local at = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[2]))
redis.call('SET', KEYS[1], string.format('%d', at + tonumber(ARGV[3])), 'EX', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], string.format('%d', at))
redis.call('EXPIRE', KEYS[2], ARGV[4])
return at
"""


# put_first in Lua (same rule, in integer milliseconds).
_BOOK_FIRST_SCRIPT = """
local earliest = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local flat = redis.call('HGETALL', KEYS[2])
local others = {}
for i = 1, #flat, 2 do
  local at = tonumber(flat[i + 1])
  if flat[i] ~= ARGV[1] and at > earliest - interval then
    table.insert(others, {flat[i], at})
  end
end
table.sort(others, function(a, b) return a[2] < b[2] end)
redis.call('HSET', KEYS[2], ARGV[1], string.format('%d', earliest))
local last = earliest
for _, entry in ipairs(others) do
  local moved = math.max(entry[2], last + interval)
  if moved ~= entry[2] then
    redis.call('HSET', KEYS[2], entry[1], string.format('%d', moved))
  end
  last = moved
end
local queued = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], string.format('%d', math.max(queued, last + interval)), 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return earliest
"""


def _ms(seconds: float) -> int:
    # Up, never down: a slot a fraction early would find its window still full.
    return math.ceil(seconds * 1000)


class RedisSlotBook:
    """The book every worker on every host shares."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._client = client
        self._prefix = key_prefix
        self._book = client.register_script(_BOOK_SCRIPT)
        self._book_first = client.register_script(_BOOK_FIRST_SCRIPT)

    def _keys(self, group: str) -> tuple[str, str]:
        return f"{self._prefix}:slots:{group}:next", f"{self._prefix}:slots:{group}:held"

    def book(self, group: str, holder: str, earliest: float, interval: float) -> float:
        stale_before = _ms(time.time() - STALE_AFTER_SECONDS)
        at = self._book(
            keys=self._keys(group),
            args=[holder, _ms(earliest), round(interval * 1000), KEY_TTL_SECONDS, stale_before],
        )
        return int(at) / 1000

    def book_first(self, group: str, holder: str, earliest: float, interval: float) -> float:
        at = self._book_first(
            keys=self._keys(group),
            args=[holder, _ms(earliest), round(interval * 1000), KEY_TTL_SECONDS],
        )
        return int(at) / 1000

    def held(self, group: str, holder: str) -> float | None:
        raw = self._client.hget(self._keys(group)[1], holder)
        return _fresh(int(raw) / 1000 if raw is not None else None)

    def release(self, group: str, holder: str) -> None:
        self._client.hdel(self._keys(group)[1], holder)

    def next_free(self, group: str) -> float:
        raw = self._client.get(self._keys(group)[0])
        return int(raw) / 1000 if raw is not None else 0.0

    def clear(self, group: str) -> None:
        self._client.delete(*self._keys(group))


# A holder's slot, set or moved; the queue's end, only ever pushed later.
_SQL_HOLD = (
    "INSERT INTO slot_held VALUES (?, ?, ?) "
    "ON CONFLICT (grp, holder) DO UPDATE SET at = excluded.at"
)
_SQL_END_QUEUE_AT = (
    "INSERT INTO slot_queue VALUES (?, ?) "
    "ON CONFLICT (grp) DO UPDATE SET next_free = max(next_free, excluded.next_free)"
)


class SQLiteSlotBook:
    """The book of one installation's local processes (embedded mode)."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS slot_queue (grp TEXT PRIMARY KEY, next_free REAL NOT NULL)",
        "CREATE TABLE IF NOT EXISTS slot_held (grp TEXT NOT NULL, holder TEXT NOT NULL, "
        "at REAL NOT NULL, PRIMARY KEY (grp, holder))",
    )

    def __init__(self, store: SQLiteFile) -> None:
        self._store = store
        store.ensure_schema(self.SCHEMA)

    def book(self, group: str, holder: str, earliest: float, interval: float) -> float:
        with self._store.transaction() as db:
            at = _fresh(self._held(db, group, holder))
            if at is None:
                at = max(self._next_free(db, group), earliest)
                db.execute(_SQL_END_QUEUE_AT, (group, at + interval))
                db.execute(_SQL_HOLD, (group, holder, at))
            return at

    def book_first(self, group: str, holder: str, earliest: float, interval: float) -> float:
        with self._store.transaction() as db:
            rows = db.execute("SELECT holder, at FROM slot_held WHERE grp = ?", (group,))
            changed, end = put_first(dict(rows.fetchall()), holder, earliest, interval)
            db.executemany(_SQL_HOLD, [(group, h, at) for h, at in changed.items()])
            db.execute(_SQL_END_QUEUE_AT, (group, end))
            return earliest

    def held(self, group: str, holder: str) -> float | None:
        with self._store.transaction() as db:
            return _fresh(self._held(db, group, holder))

    def release(self, group: str, holder: str) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM slot_held WHERE grp = ? AND holder = ?", (group, holder))

    def next_free(self, group: str) -> float:
        with self._store.transaction() as db:
            return self._next_free(db, group)

    def clear(self, group: str) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM slot_queue WHERE grp = ?", (group,))
            db.execute("DELETE FROM slot_held WHERE grp = ?", (group,))

    @staticmethod
    def _held(db, group: str, holder: str) -> float | None:
        row = db.execute(
            "SELECT at FROM slot_held WHERE grp = ? AND holder = ?", (group, holder)
        ).fetchone()
        return row[0] if row else None

    @staticmethod
    def _next_free(db, group: str) -> float:
        row = db.execute("SELECT next_free FROM slot_queue WHERE grp = ?", (group,)).fetchone()
        return row[0] if row else 0.0
