"""Non-blocking named locks: one writer per opportunity, one run per scheduled job.

``lock_factory(redis_url)`` returns a factory whose ``try_lock(name, ttl)`` is a
context manager yielding a ``LockHandle`` that is truthy when the lock was
taken. It never waits: a task that finds the lock held retries later
instead of occupying a worker slot.

    with locks.try_lock(opportunity_lock_name("AWS", "O123"), ttl_seconds=600) as held:
        if not held:
            raise self.retry(countdown=5)
        ...                      # long step? held.extend(600)

Production uses redis-py's ``Lock`` (``SET NX PX`` with a random token; Lua
release and extend that act only while the token still matches), so a holder
whose TTL ran out can never delete the next holder's lock. Embedded mode uses
an in-process registry with the same semantics (TTL, token, extend), shared by
every factory in the process because the embedded worker runs tasks in threads.

A lock is not fencing: if a holder stalls past its TTL, someone else may take
over. Choose a TTL above the worst-case run time (or ``extend`` from long
steps) and keep database constraints and ``LastModifiedDate`` as the last line
of defence.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError, LockNotOwnedError
from redis.exceptions import TimeoutError as RedisTimeoutError

from workers.errors import RetryableError

log = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "pcsync:lock:"
_REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def opportunity_lock_name(catalog: str, opportunity_id: str) -> str:
    """The one name under which an opportunity's writer runs."""
    return f"opportunity:{catalog}:{opportunity_id}"


class LockHandle:
    """What ``try_lock`` yields: truthy if held; ``extend`` for long holders."""

    acquired: bool = False
    name: str = ""

    def __bool__(self) -> bool:
        return self.acquired

    def extend(self, additional_seconds: float, *, replace_ttl: bool = False) -> bool:
        """Add time (or set the TTL to ``additional_seconds`` with ``replace_ttl``).

        Returns False if the lock is no longer ours (expired or taken over):
        the caller should stop writing.
        """
        return False

    def owned(self) -> bool:
        """True while this handle still holds the lock."""
        return False

    def release(self) -> bool:
        """Release if still the owner; False if it had already been lost."""
        return False


class _NotAcquired(LockHandle):
    def __init__(self, name: str) -> None:
        self.name = name
        self.acquired = False


class _RedisLockHandle(LockHandle):
    def __init__(self, name: str, lock: redis.lock.Lock) -> None:
        self.name = name
        self.acquired = True
        self._lock = lock

    def extend(self, additional_seconds: float, *, replace_ttl: bool = False) -> bool:
        _check_ttl(additional_seconds)
        try:
            return bool(self._lock.extend(additional_seconds, replace_ttl=replace_ttl))
        except LockNotOwnedError:
            return False
        except _REDIS_UNAVAILABLE as exc:
            raise RetryableError(f"cannot extend lock {self.name!r}: {exc}") from exc

    def owned(self) -> bool:
        return bool(self._lock.owned())

    def release(self) -> bool:
        try:
            self._lock.release()
            return True
        except LockNotOwnedError:
            return False
        except LockError:
            return False


class _LocalRegistry:
    """In-process lock table: name -> (token, deadline on ``clock``)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._mutex = threading.Lock()
        self._holders: dict[str, tuple[str, float]] = {}

    def acquire(self, name: str, token: str, ttl_seconds: float) -> bool:
        with self._mutex:
            if self._held_by(name) is not None:
                return False
            self._holders[name] = (token, self._clock() + ttl_seconds)
            return True

    def release(self, name: str, token: str) -> bool:
        with self._mutex:
            if self._held_by(name) != token:
                return False
            del self._holders[name]
            return True

    def extend(self, name: str, token: str, seconds: float, replace_ttl: bool) -> bool:
        with self._mutex:
            if self._held_by(name) != token:
                return False
            _, deadline = self._holders[name]
            start = self._clock() if replace_ttl else deadline
            self._holders[name] = (token, start + seconds)
            return True

    def owner(self, name: str) -> str | None:
        with self._mutex:
            return self._held_by(name)

    def _held_by(self, name: str) -> str | None:
        # Caller holds the mutex. Expired entries count as free, like a Redis key past its PX.
        entry = self._holders.get(name)
        if entry is None:
            return None
        token, deadline = entry
        if deadline <= self._clock():
            del self._holders[name]
            return None
        return token


class _LocalLockHandle(LockHandle):
    def __init__(self, name: str, registry: _LocalRegistry, token: str) -> None:
        self.name = name
        self.acquired = True
        self._registry = registry
        self._token = token

    def extend(self, additional_seconds: float, *, replace_ttl: bool = False) -> bool:
        _check_ttl(additional_seconds)
        return self._registry.extend(self.name, self._token, additional_seconds, replace_ttl)

    def owned(self) -> bool:
        return self._registry.owner(self.name) == self._token

    def release(self) -> bool:
        return self._registry.release(self.name, self._token)


# Every in-process factory shares this table, so two parts of the embedded
# worker that each build a factory still exclude each other.
_PROCESS_REGISTRY = _LocalRegistry()


class _Heartbeat:
    """Renews a held lock to its full TTL every third of it until stopped."""

    def __init__(self, handle: LockHandle, ttl_seconds: float) -> None:
        self._handle = handle
        self._ttl = ttl_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lock:{handle.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._ttl / 3):
            try:
                if not self._handle.extend(self._ttl, replace_ttl=True):
                    log.warning("lock %r lost before its holder finished", self._handle.name)
                    return
            except RetryableError:  # store briefly unreachable: try at the next beat
                continue

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


class LockFactory:
    """Hands out named, non-blocking, TTL-bounded locks."""

    def __init__(self, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self._key_prefix = key_prefix

    @contextmanager
    def try_lock(
        self, name: str, ttl_seconds: float, *, heartbeat: bool = False
    ) -> Iterator[LockHandle]:
        """Take ``name`` for at most ``ttl_seconds`` without waiting; release on exit.

        Yields a handle that is falsy if someone else holds the lock. Raises
        ``RetryableError`` if the lock store is unreachable. With ``heartbeat``
        a short TTL is renewed while the holder runs: a holder that dies (a
        killed worker) blocks others for one TTL, not for the longest run.
        """
        _check_ttl(ttl_seconds)
        key = self._key_prefix + name
        handle = self._try_acquire(key, ttl_seconds)
        beating = _Heartbeat(handle, ttl_seconds) if heartbeat and handle.acquired else None
        try:
            yield handle
        finally:
            if beating is not None:
                beating.stop()
            if handle.acquired and not handle.release():
                # The TTL ran out while we held it: someone may have run
                # concurrently. Worth a warning: the TTL is too short for this job.
                log.warning("lock %r expired before release (ttl %.1fs)", key, ttl_seconds)

    def beat_singleton(self, name: str, ttl_seconds: float) -> AbstractContextManager[LockHandle]:
        """``try_lock`` for scheduled jobs: a falsy handle means a previous run is
        still going, so this run should skip (the beat entry also carries ``expires``)."""
        return self.try_lock(f"beat:{name}", ttl_seconds)

    def _try_acquire(self, key: str, ttl_seconds: float) -> LockHandle:
        raise NotImplementedError


class RedisLockFactory(LockFactory):
    def __init__(self, client: redis.Redis, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        super().__init__(key_prefix)
        self._client = client

    def _try_acquire(self, key: str, ttl_seconds: float) -> LockHandle:
        # thread_local=False: the token lives on the Lock object, so a heartbeat
        # thread may extend the lock the task thread took.
        lock = self._client.lock(key, timeout=ttl_seconds, blocking=False, thread_local=False)
        try:
            acquired = lock.acquire(blocking=False)
        except _REDIS_UNAVAILABLE as exc:
            raise RetryableError(f"lock store unavailable for {key!r}: {exc}") from exc
        return _RedisLockHandle(key, lock) if acquired else _NotAcquired(key)


class LocalLockFactory(LockFactory):
    def __init__(
        self, registry: _LocalRegistry | None = None, key_prefix: str = DEFAULT_KEY_PREFIX
    ) -> None:
        super().__init__(key_prefix)
        self._registry = registry or _PROCESS_REGISTRY

    def _try_acquire(self, key: str, ttl_seconds: float) -> LockHandle:
        token = uuid.uuid4().hex
        if self._registry.acquire(key, token, ttl_seconds):
            return _LocalLockHandle(key, self._registry, token)
        return _NotAcquired(key)


def local_registry(clock: Callable[[], float] = time.monotonic) -> _LocalRegistry:
    """A private in-process lock table (tests, or isolation between apps)."""
    return _LocalRegistry(clock)


def lock_factory(
    redis_url: str | None,
    *,
    client: redis.Redis | None = None,
    key_prefix: str = DEFAULT_KEY_PREFIX,
) -> LockFactory:
    """Redis-backed locks when ``redis_url`` (or a ``client``) is given, else in-process."""
    if client is not None:
        return RedisLockFactory(client, key_prefix)
    if redis_url:
        return RedisLockFactory(redis.Redis.from_url(redis_url), key_prefix)
    return LocalLockFactory(key_prefix=key_prefix)


def _check_ttl(ttl_seconds: float) -> None:
    if not ttl_seconds > 0:
        raise ValueError(f"lock TTL must be positive seconds, got {ttl_seconds!r}")


__all__ = [
    "LocalLockFactory",
    "LockFactory",
    "LockHandle",
    "RedisLockFactory",
    "local_registry",
    "lock_factory",
    "opportunity_lock_name",
]
