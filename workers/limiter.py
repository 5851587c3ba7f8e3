"""One rate limiter for every worker, on the ``limits`` library.

Storage is ``redis://…`` in production, shared by every worker process on every
host, and in embedded mode one SQLite file in the data dir
(``workers.sqlite_store``), shared by the ingest, every worker process and
every CLI command of the installation. ``memory://`` (one process) is left for
unit tests. The code path is the same; only the storage differs.

A *group* (``pc-write``, ``pc-read``, ``hubspot``) has several *windows*, e.g.
1 per second and 10,000 per rolling 24 h. ``acquire`` hands out one token only
if every window has room, never blocks, and tells the caller how long to wait
otherwise; a Celery task then retries with that countdown instead of sleeping
in a worker slot.

First come, first served. In a *queued* group (``pc-write``, ``hubspot``)
event work that cannot have a token now books the next free slot in a book
kept in the same store (``workers.slots``) under a *holder* (the deal being
synced, or one call) and comes back for exactly that slot: tokens go out in
the order they were asked for across all workers, and nobody who asked later
takes a token while slots are booked ahead. ``take`` is what the API clients
call: it waits in place for a slot at most ``MAX_INLINE_WAIT`` away and
otherwise raises ``RateLimited`` carrying the slot, which the task's retry
honours exactly. Slots are spaced ``period / limit`` of the shortest window
plus ``SLOT_SAFETY`` of that, because the API counts requests at arrival.

Exactness. Windows use the ``limits`` *moving window* strategy by default: it
logs each hit's timestamp and refuses while the hit ``limit`` places back is
younger than the period, so no period-long interval (aligned or not) ever holds
more than ``limit`` grants. The fixed window allows 2x at a boundary and the
sliding-window *counter* is an approximation; neither gives that guarantee.
The moving window costs one list entry per hit, so the 625,000-per-day HubSpot
window defaults to the sliding-window counter (approximate, O(1) memory);
HubSpot's daily limit is per calendar day anyway and a 429 is retried.

No leaked tokens. ``limits`` has no atomic multi-window hit and no refund, so
``acquire`` first *tests* every window (no consumption) and only then *hits*
them, shortest period first. A refusal found by the tests consumes nothing. A
window can still refuse at hit time only if other processes took its last
tokens between our test and our hit; then the tokens already taken in the
*shorter* windows of this group are lost (at most one per shorter window per
such race). Because the shortest window is hit first, a lost race on the busy
per-second window never costs a daily token; the leak is limited to short
windows, which refill within their period, and only happens when a longer
window is down to its last few tokens.

Priority. ``background`` work (backfill, reconciliation) must leave the group's
reserve (default 20 % of its longest window, the daily budget) untouched, so
event-driven work keeps the remainder; and it never books a slot: while event
work is queued, background work is refused and tries again later.

Clock. ``limits`` reads ``time.time()`` itself and offers no clock parameter;
the Redis strategies send the *client's* timestamp into their Lua scripts. So
exactness across hosts is only as good as their clock agreement (NTP keeps it
at milliseconds). Tests control time by patching ``time.time``.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import redis
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import STRATEGIES
from limits.strategies import RateLimiter as LimitsStrategy
from redis.exceptions import RedisError

from workers.errors import RateLimited, RetryableError
from workers.slots import MemorySlotBook, RedisSlotBook, SlotBook, SQLiteSlotBook

Priority = Literal["event", "background"]
PRIORITIES: tuple[str, ...] = ("event", "background")

DEFAULT_STRATEGY = "moving-window"
EMBEDDED_STORE_FILE = "limiter.sqlite3"
# A call whose slot comes within this many seconds waits for it in place;
# a longer wait goes back to the queue (a task countdown) and keeps the slot.
MAX_INLINE_WAIT = 2.0
# Slots are this fraction of their spacing further apart than the quota
# needs: the API measures its window at arrival, and requests granted exactly
# one period apart arrive up to a few tens of milliseconds more or less apart.
SLOT_SAFETY = 0.01
QUEUED = "others queued"
DEFAULT_BACKGROUND_RESERVE = 0.2
DEFAULT_KEY_PREFIX = "pcsync:limits"
# Floor for retry_after on a refusal: a zero would invite an immediate retry
# that is refused again (e.g. after a lost race between test and hit).
MIN_RETRY_AFTER = 0.05

# Published quotas: Partner Central (writes 1/s and 10,000/day, reads 10/s and
# 100,000/day) and a HubSpot Professional private app (190 per 10 s).
DEFAULT_LIMITS_CONFIG: dict[str, dict[str, Any]] = {
    "pc-write": {
        "limits": ["1 per 1 second", "10000 per 1 day"],
        "background_reserve": DEFAULT_BACKGROUND_RESERVE,
        "queue": True,
    },
    "pc-read": {
        "limits": ["10 per 1 second", "100000 per 1 day"],
        "background_reserve": DEFAULT_BACKGROUND_RESERVE,
    },
    "hubspot": {
        "limits": [
            "190 per 10 seconds",
            {"rate": "625000 per 1 day", "strategy": "sliding-window-counter"},
        ],
        "background_reserve": DEFAULT_BACKGROUND_RESERVE,
        "queue": True,
    },
}


@dataclass(frozen=True)
class Decision:
    """The limiter's answer. ``retry_after`` is 0.0 when allowed, else seconds to wait."""

    allowed: bool
    retry_after: float
    # Which window said no ("1 per 1 second", "reserve of 10000 per 1 day"); for logs.
    reason: str = ""
    # The slot (epoch seconds) booked for the caller when it must wait in the queue.
    slot: float | None = None


@dataclass(frozen=True)
class Window:
    """One limit of a group, with the strategy that enforces it."""

    item: RateLimitItem
    strategy_name: str
    # Tokens background work must leave in this window (0 except the longest).
    reserve: int

    @property
    def period(self) -> float:
        return float(self.item.get_expiry())

    @property
    def label(self) -> str:
        return str(self.item)


@dataclass(frozen=True)
class GroupPolicy:
    name: str
    windows: tuple[Window, ...]  # shortest period first: the hit order
    # First come, first served: refused event work books a slot (see below).
    queued: bool = False

    @property
    def margin(self) -> float:
        """Seconds a slot keeps clear of the token before it (``SLOT_SAFETY``)."""
        shortest = self.windows[0]
        return SLOT_SAFETY * shortest.period / shortest.item.amount

    @property
    def interval(self) -> float:
        """Seconds between two slots: the shortest window's average spacing, plus the margin."""
        shortest = self.windows[0]
        return shortest.period / shortest.item.amount + self.margin


# Who waits for a slot in this context (a deal being synced); calls without
# one are their own anonymous holder for the length of one call.
_HOLDER: ContextVar[str | None] = ContextVar("pcsync_limiter_holder", default=None)


@contextmanager
def holding(holder: str) -> Iterator[None]:
    """Book and find slots under ``holder`` for the calls made inside."""
    token = _HOLDER.set(holder)
    try:
        yield
    finally:
        _HOLDER.reset(token)


def current_holder() -> str | None:
    return _HOLDER.get()


class RateLimiter:
    """Multi-window, priority-aware limiter over a ``limits`` storage, with a
    first-come-first-served book of slots for its queued groups."""

    def __init__(
        self,
        storage: Storage,
        groups: Mapping[str, GroupPolicy],
        slots: SlotBook | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._storage = storage
        self._groups = dict(groups)
        self._slots = slots or MemorySlotBook()
        self.sleep = sleep
        # One strategy object per strategy name, all sharing the storage.
        self._strategies: dict[str, LimitsStrategy] = {
            name: STRATEGIES[name](storage)
            for name in {w.strategy_name for g in self._groups.values() for w in g.windows}
        }

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self._groups)

    def acquire(
        self, group: str, *, priority: Priority = "event", holder: str | None = None
    ) -> Decision:
        """Take one token from every window of ``group``, or none at all.

        Never blocks. In a queued group, event work that cannot have a token
        now (or finds others queued) books the next free slot under
        ``holder`` and is told to come back at it (``Decision.slot``); coming
        back with the same holder at that time takes the token. Background
        work never books: it yields to the queue. Raises ``RetryableError``
        if the storage is unreachable: without the limiter no call may go
        out, and the task should retry.
        """
        policy = self._policy(group)
        _check_priority(priority)
        with _storage_errors(group):
            if policy.queued and holder is not None:
                return self._acquire_queued(policy, priority, holder)
            return self._acquire(policy, priority)

    def slot_wait(self, group: str, holder: str, *, priority: Priority = "event") -> Decision:
        """Before the reads of work that will need a token of ``group``: may it
        go on now (``allowed``), or how long until its slot? Takes no token.
        Event work always leaves with a booked slot, the current one when a
        token is free: two askers in the same instant both see the token
        free, and without the booking both would read, race for it, and the
        loser read again after its retry. Background work books nothing."""
        policy = self._policy(group)
        _check_priority(priority)
        with _storage_errors(group):
            now = time.time()
            slot = self._slots.held(group, holder)
            if slot is None:
                refusal = self._queue_refusal(policy, now) or self._test(policy, priority)
                if priority == "background":
                    return refusal or Decision(allowed=True, retry_after=0.0)
                slot = self._book(policy, holder, now, refusal)
            return _at_slot(slot, now, "slot booked")

    def take(
        self,
        group: str,
        *,
        priority: Priority = "event",
        operation: str = "",
        resend: bool = False,
    ) -> None:
        """``acquire`` for a client about to call: waits in place for a slot
        that comes within ``MAX_INLINE_WAIT``, else raises ``RateLimited``
        (with the slot, which the current holder keeps for its retry).

        ``resend``: the API refused the call at arrival although this limiter
        granted it; the holder had its turn, so it books the next slot first
        in line (``SlotBook.book_first``) instead of last."""
        if resend:
            self._book_first(group, priority)
        holder = current_holder()
        caller = holder or f"call:{uuid.uuid4().hex}"
        while True:
            decision = self.acquire(group, priority=priority, holder=caller)
            if decision.allowed:
                return
            if decision.slot is None or decision.retry_after > MAX_INLINE_WAIT:
                break
            self.sleep(decision.retry_after)
        if holder is None and decision.slot is not None:
            self.release(caller)  # nobody will come back for an anonymous slot
        raise RateLimited(
            f"{group} budget exhausted ({decision.reason})",
            group=group,
            retry_after=decision.retry_after,
            priority=priority,
            operation=operation or None,
            slot=decision.slot if holder else None,
        )

    def _book_first(self, group: str, priority: Priority) -> None:
        policy = self._policy(group)
        holder = current_holder()
        if not policy.queued or holder is None or priority == "background":
            return  # the plain take below: no queue to keep a place in
        with _storage_errors(group):
            now = time.time()
            earliest = self._earliest(policy, now, self._test(policy, priority))
            self._slots.book_first(policy.name, holder, earliest, policy.interval)

    def held_slot(self, group: str, holder: str) -> float | None:
        """The slot ``holder`` has booked in ``group``, if any."""
        with _storage_errors(group):
            return self._slots.held(group, holder)

    def release(self, holder: str) -> None:
        """Give up ``holder``'s slots in every queued group (used or not wanted)."""
        for policy in self._groups.values():
            if policy.queued:
                with _storage_errors(policy.name):
                    self._slots.release(policy.name, holder)

    def budget(self, group: str) -> list[dict[str, Any]]:
        """Per-window state for operators, shortest window first.

        Each entry: ``window`` (e.g. ``"10000 per 1 day"``), ``period_seconds``,
        ``limit``, ``remaining``, ``reserve`` (tokens kept for event work),
        ``reset_at`` (epoch seconds when at least one more token frees up;
        now when nothing is counted).
        """
        policy = self._policy(group)
        try:
            return [self._window_budget(policy, window) for window in policy.windows]
        except StorageError as exc:
            raise RetryableError(
                f"rate limiter storage unavailable for {group!r}: {exc}", service="limiter"
            ) from exc

    def budgets(self) -> dict[str, list[dict[str, Any]]]:
        """``budget`` for every configured group."""
        return {name: self.budget(name) for name in self._groups}

    def hits_within(self, group: str, seconds: float) -> int | None:
        """Tokens ``group`` handed out in the last ``seconds``, for operators'
        charts; ``seconds`` at most the longest window. Only a moving window
        logs each hit's time, so None when the longest window is not one."""
        policy = self._policy(group)
        window = policy.windows[-1]
        if window.strategy_name != "moving-window":
            return None
        key = window.item.key_for(policy.name)
        try:
            _, count = self._storage.get_moving_window(key, window.item.amount, int(seconds))
        except StorageError as exc:
            raise RetryableError(
                f"rate limiter storage unavailable for {group!r}: {exc}", service="limiter"
            ) from exc
        return count

    def reset(self, group: str) -> None:
        """Forget all counted hits of ``group`` (operators, tests)."""
        policy = self._policy(group)
        for window in policy.windows:
            self._strategy(window).clear(window.item, policy.name)
        self._slots.clear(policy.name)

    # -- internals -----------------------------------------------------------

    def _acquire_queued(self, policy: GroupPolicy, priority: str, holder: str) -> Decision:
        now = time.time()
        slot = self._slots.held(policy.name, holder)
        if slot is None:
            decision = self._queue_refusal(policy, now) or self._acquire(policy, priority)
            if decision.allowed or priority == "background":
                return decision
            slot = self._book(policy, holder, now, decision)
        if slot > now:
            return _at_slot(slot, now, "waiting for a booked slot")
        decision = self._acquire(policy, priority)
        if decision.allowed:
            self._slots.release(policy.name, holder)
            return decision
        # A late holder of the slot before still fills the window: wait for it,
        # keeping this slot (and so the place in the queue).
        return replace(decision, slot=slot, retry_after=decision.retry_after + policy.margin)

    def _queue_refusal(self, policy: GroupPolicy, now: float) -> Decision | None:
        """Refusal while slots are booked ahead: nobody jumps the queue."""
        if not policy.queued:
            return None
        next_free = self._slots.next_free(policy.name)
        if next_free <= now:
            return None
        return Decision(allowed=False, retry_after=next_free - now, reason=QUEUED)

    def _book(
        self, policy: GroupPolicy, holder: str, now: float, refusal: Decision | None
    ) -> float:
        # Not before the slots booked ahead (the book sees to that).
        earliest = self._earliest(policy, now, refusal)
        return self._slots.book(policy.name, holder, earliest, policy.interval)

    @staticmethod
    def _earliest(policy: GroupPolicy, now: float, refusal: Decision | None) -> float:
        """Not before the window that refused has room again."""
        waits_for_window = refusal is not None and refusal.reason != QUEUED
        return now + refusal.retry_after + policy.margin if waits_for_window else now

    def _test(self, policy: GroupPolicy, priority: str) -> Decision | None:
        """The refusal every window's test gives (consuming nothing), or None."""
        background = priority == "background"
        for window in policy.windows:
            needed = _tokens_needed(window, background)
            if not self._strategy(window).test(window.item, policy.name, cost=needed):
                return self._refusal(policy, window, needed)
        return None

    def _acquire(self, policy: GroupPolicy, priority: str) -> Decision:
        # Phase 1: test every window; a refusal here has consumed nothing.
        refusal = self._test(policy, priority)
        if refusal is not None:
            return refusal
        # Phase 2: consume, shortest window first (see the module docstring on leaks).
        for window in policy.windows:
            if not self._strategy(window).hit(window.item, policy.name):
                return self._refusal(policy, window, 1)
        return Decision(allowed=True, retry_after=0.0)

    def _refusal(self, policy: GroupPolicy, window: Window, needed: int) -> Decision:
        stats = self._strategy(window).get_window_stats(window.item, policy.name)
        wait = _seconds_until_room(window, needed, stats.reset_time, stats.remaining)
        reason = window.label if needed <= 1 else f"reserve of {window.label}"
        return Decision(allowed=False, retry_after=max(MIN_RETRY_AFTER, wait), reason=reason)

    def _window_budget(self, policy: GroupPolicy, window: Window) -> dict[str, Any]:
        stats = self._strategy(window).get_window_stats(window.item, policy.name)
        return {
            "window": window.label,
            "period_seconds": window.period,
            "limit": window.item.amount,
            "remaining": max(0, int(stats.remaining)),
            "reserve": window.reserve,
            "reset_at": float(stats.reset_time),
        }

    def _strategy(self, window: Window) -> LimitsStrategy:
        return self._strategies[window.strategy_name]

    def _policy(self, group: str) -> GroupPolicy:
        try:
            return self._groups[group]
        except KeyError:
            known = ", ".join(sorted(self._groups))
            raise ValueError(f"unknown rate-limit group {group!r}; configured: {known}") from None


@contextmanager
def _storage_errors(group: str) -> Iterator[None]:
    try:
        yield
    except (StorageError, RedisError) as exc:
        raise RetryableError(
            f"rate limiter storage unavailable for {group!r}: {exc}", service="limiter"
        ) from exc


def _at_slot(slot: float, now: float, reason: str) -> Decision:
    if slot <= now:
        return Decision(allowed=True, retry_after=0.0, slot=slot)
    return Decision(allowed=False, retry_after=slot - now, reason=reason, slot=slot)


def _tokens_needed(window: Window, background: bool) -> int:
    # Background work may take a token only if the reserve is still there after it.
    return 1 + (window.reserve if background else 0)


def _seconds_until_room(window: Window, needed: int, reset_time: float, remaining: int) -> float:
    """Best estimate of when ``needed`` tokens will be free in ``window``.

    ``reset_time`` from ``limits`` is when the next token frees up. When more
    than one is missing (background work waiting for the reserve), assume hits
    leave the window at the average rate ``limit / period``.
    """
    until_next = max(0.0, reset_time - time.time())
    missing = needed - max(0, int(remaining))
    if missing <= 1:
        return until_next
    return max(until_next, missing * window.period / window.item.amount)


def _check_priority(priority: str) -> None:
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}, got {priority!r}")


# -- configuration -------------------------------------------------------------


def parse_limits_config(config: Mapping[str, Any]) -> dict[str, GroupPolicy]:
    """Validate a limits configuration and turn it into group policies.

    Shape, per group::

        "pc-write": {
            "limits": ["1 per 1 second", {"rate": "10000 per 1 day",
                                          "strategy": "moving-window"}],
            "background_reserve": 0.2,   # fraction of the longest window
        }

    Rates use the ``limits`` notation (``"190 per 10 seconds"``, ``"10/second"``).
    Raises ``ValueError`` naming the group and the bad value.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"limits config must be a mapping of group -> spec, got {config!r}")
    return {name: _parse_group(name, spec) for name, spec in config.items()}


def _parse_group(name: str, spec: Any) -> GroupPolicy:
    if not isinstance(spec, Mapping):
        raise ValueError(f"rate-limit group {name!r}: spec must be a mapping, got {spec!r}")
    unknown = set(spec) - {"limits", "background_reserve", "queue"}
    if unknown:
        raise ValueError(f"rate-limit group {name!r}: unknown keys {sorted(unknown)}")
    entries = spec.get("limits")
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        raise ValueError(f"rate-limit group {name!r}: 'limits' must be a non-empty list")
    reserve_fraction = _parse_reserve(name, spec.get("background_reserve", 0.0))
    parsed = sorted(
        (_parse_window_entry(name, entry) for entry in entries),
        key=lambda pair: pair[0].get_expiry(),
    )
    longest_period = parsed[-1][0].get_expiry()
    windows = tuple(
        Window(
            item=item,
            strategy_name=strategy,
            reserve=_reserve_tokens(item, reserve_fraction, item.get_expiry() == longest_period),
        )
        for item, strategy in parsed
    )
    queued = spec.get("queue", False)
    if not isinstance(queued, bool):
        raise ValueError(
            f"rate-limit group {name!r}: 'queue' must be true or false, got {queued!r}"
        )
    return GroupPolicy(name=name, windows=windows, queued=queued)


def _parse_window_entry(group: str, entry: Any) -> tuple[RateLimitItem, str]:
    if isinstance(entry, str):
        rate, strategy = entry, DEFAULT_STRATEGY
    elif isinstance(entry, Mapping) and set(entry) <= {"rate", "strategy"} and "rate" in entry:
        rate, strategy = entry["rate"], entry.get("strategy", DEFAULT_STRATEGY)
    else:
        raise ValueError(
            f"rate-limit group {group!r}: each limit is a string or "
            f"{{'rate': ..., 'strategy': ...}}, got {entry!r}"
        )
    if strategy not in STRATEGIES:
        raise ValueError(
            f"rate-limit group {group!r}: unknown strategy {strategy!r}; "
            f"choose from {sorted(STRATEGIES)}"
        )
    try:
        item = parse(rate)
    except ValueError as exc:
        raise ValueError(f"rate-limit group {group!r}: bad rate {rate!r}: {exc}") from exc
    return item, strategy


def _parse_reserve(group: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(
            f"rate-limit group {group!r}: background_reserve must be a fraction "
            f"in [0, 1), got {value!r}"
        )
    return float(value)


def _reserve_tokens(item: RateLimitItem, fraction: float, is_longest: bool) -> int:
    # The reserve protects the daily budget; shorter windows refill within
    # seconds, so reserving part of them would only slow background work down.
    if not is_longest:
        return 0
    return math.ceil(item.amount * fraction)


def merged_limits_config(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults with ``overrides`` applied; a group given in overrides replaces the default."""
    merged: dict[str, Any] = dict(DEFAULT_LIMITS_CONFIG)
    merged.update(overrides or {})
    return merged


def storage_uri(redis_url: str | None, data_dir: Path | None = None) -> str:
    """The ``limits`` storage URI: Redis when configured, else the data dir's
    shared SQLite file, else (no data dir: unit tests) in-process memory."""
    if redis_url:
        if redis_url.startswith("unix://"):
            # limits spells redis-py's unix:// scheme as redis+unix://
            return "redis+unix://" + redis_url[len("unix://") :]
        return redis_url
    if data_dir is not None:
        # Imported here, which also registers the scheme with `limits`: a
        # limiter on Redis (every production process) never loads sqlite3.
        from workers.sqlite_store import SCHEME

        return f"{SCHEME}://{Path(data_dir).resolve() / EMBEDDED_STORE_FILE}"
    return "memory://"


def _slot_book(
    storage: Storage, redis_url: str | None, data_dir: Path | None, key_prefix: str, pool: Any
) -> SlotBook:
    """The slot book in the same store as the windows (as `storage_uri` chose it)."""
    if redis_url:
        client = (
            redis.Redis(connection_pool=pool)
            if pool is not None
            else redis.Redis.from_url(redis_url)
        )
        return RedisSlotBook(client, key_prefix)
    if data_dir is not None:
        return SQLiteSlotBook(storage.file)
    return MemorySlotBook()


def build_limiter(
    redis_url: str | None,
    limits_config: dict | None = None,
    *,
    key_prefix: str = DEFAULT_KEY_PREFIX,
    connection_pool: Any = None,
    data_dir: Path | None = None,
) -> RateLimiter:
    """The limiter for this process.

    ``redis_url`` set: Redis storage, global across all processes using the same
    URL and ``key_prefix``. Else ``data_dir`` (embedded mode): one SQLite file
    in it, shared by every process of the installation (ingest, workers, CLI).
    Neither: in-process memory. ``connection_pool`` (Redis only) lets tests run
    the same code on fakeredis.
    """
    groups = parse_limits_config(merged_limits_config(limits_config))
    options: dict[str, Any] = {"key_prefix": key_prefix, "wrap_exceptions": True}
    if redis_url and connection_pool is not None:
        options["connection_pool"] = connection_pool
    if data_dir is not None and not redis_url:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        options = {"wrap_exceptions": True}
    storage = storage_from_string(storage_uri(redis_url, data_dir), **options)
    book = _slot_book(storage, redis_url, data_dir, key_prefix, connection_pool)
    return RateLimiter(storage, groups, book)


__all__ = [
    "DEFAULT_LIMITS_CONFIG",
    "MAX_INLINE_WAIT",
    "Decision",
    "GroupPolicy",
    "RateLimiter",
    "Window",
    "build_limiter",
    "current_holder",
    "holding",
    "merged_limits_config",
    "parse_limits_config",
]
