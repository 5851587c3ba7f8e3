"""The retry decision, split into parts (after botocore ``retries/standard.py``).

- ``is_retryable(exc)``: is this failure worth another attempt at all?
- ``delay(attempt, ...)``: how long to wait (exponential, full jitter, floor at
  the server's ``retry_after`` hint, ceiling at ``cap``).
- ``RetryPolicy``: how many attempts, combining the two for a task.
- ``RetryBudget``: a process-wide allowance of retries so a dependency that is
  down does not turn every call into N calls (botocore's retry quota).

Invariant: **every delay is at most ``cap`` (default 300 s), and ``cap`` must
stay well under the Celery broker ``visibility_timeout``** (3 h in the
recommended baseline; Redis default 1 h). A retry is a new message with a
countdown that sits unacknowledged in worker memory; a countdown longer than the
visibility timeout gets the message redelivered and the task run twice or more
(Celery's visibility timeout caveat for Redis). Longer waits (e.g. a daily
quota that resets in hours) are expressed as repeated capped retries, never as one long countdown.
``assert_below_visibility_timeout`` lets the Celery configuration check this at
start-up.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pcsync.outages import OUTAGES
from workers.errors import NEVER_RETRY, RETRY_ON, RateLimited

DEFAULT_BASE_SECONDS = 1.0
DEFAULT_CAP_SECONDS = 300.0
# Waits (see is_wait) back off to at most this: a database or broker that
# comes back is noticed within it, however long it was away.
WAIT_CAP_SECONDS = 30.0
# The cap must leave this much room below the visibility timeout, for the task's
# own run time after the countdown elapses and for clock differences.
VISIBILITY_MARGIN_FACTOR = 2.0

# Exceptions that are transport failures even when a client forgot to translate
# them: Python's ConnectionError and TimeoutError (socket.timeout is an alias).
_TRANSPORT_FAILURES: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


def is_wait(exc: BaseException) -> bool:
    """Waiting out these is not a failure of the task: the database or broker
    is down (pcsync.outages), or an error says `is_wait` (our limiter said
    "not now", another worker holds the opportunity, whose lock a dead worker
    keeps until its TTL). They get the large attempt budget, so no task fails
    while the cause passes by itself."""
    return getattr(exc, "is_wait", False) or isinstance(exc, OUTAGES)


def is_retryable(exc: BaseException) -> bool:
    """True when retrying ``exc`` later can plausibly succeed.

    Permanent errors win over everything: a ``NotFound`` that is also an
    ``OSError`` subclass somewhere would still not be retried.
    """
    if isinstance(exc, NEVER_RETRY):
        return False
    if isinstance(exc, RETRY_ON):
        return True
    return isinstance(exc, _TRANSPORT_FAILURES + OUTAGES)


def retry_after_hint(exc: BaseException) -> float | None:
    """The wait the server (or our limiter) asked for, if the error carries one."""
    hint = getattr(exc, "retry_after", None)
    if hint is None:
        return None
    return max(0.0, float(hint))


def delay(
    attempt: int,
    *,
    base: float = DEFAULT_BASE_SECONDS,
    cap: float = DEFAULT_CAP_SECONDS,
    rng: Callable[[], float] = random.random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    Full jitter: a uniform draw in ``[0, min(cap, base * 2**attempt))``; it spreads
    a herd of tasks that failed together better than equal or decorrelated
    jitter. A ``retry_after`` hint larger than the draw is honoured, since asking
    earlier is a wasted (and, for our limiter, refused) call. The result never
    exceeds ``cap`` (see the module docstring for why).
    """
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    ceiling = _exponential_ceiling(attempt, base=base, cap=cap)
    jittered = rng() * ceiling
    if retry_after is not None and retry_after > jittered:
        return min(cap, retry_after)
    return jittered


def _exponential_ceiling(attempt: int, *, base: float, cap: float) -> float:
    # Compare exponents instead of computing 2**attempt for large attempts,
    # which would overflow a float long before the cap matters.
    if attempt >= 64:
        return cap
    return min(cap, base * (2**attempt))


def assert_below_visibility_timeout(cap: float, visibility_timeout: float) -> None:
    """Fail start-up if retries could outlive the broker's visibility timeout."""
    if cap * VISIBILITY_MARGIN_FACTOR > visibility_timeout:
        raise ValueError(
            f"retry cap {cap:g}s is too close to the Celery visibility_timeout "
            f"{visibility_timeout:g}s; keep cap <= visibility_timeout / "
            f"{VISIBILITY_MARGIN_FACTOR:g} or retried messages get redelivered"
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and backoff for one kind of task.

    ``max_attempts`` bounds retries of real failures. Refusals by our own
    limiter (``RateLimited``) are expected under load and are counted against
    the separate, larger ``max_rate_limited_attempts`` so that a busy quota does
    not turn into permanent failures. Celery counts both in
    ``task.request.retries``; pass that as ``attempt``.
    """

    max_attempts: int = 8
    max_rate_limited_attempts: int = 1000
    base: float = DEFAULT_BASE_SECONDS
    cap: float = DEFAULT_CAP_SECONDS

    def should_retry(self, exc: BaseException, attempt: int) -> bool:
        if not is_retryable(exc):
            return False
        limit = self.max_rate_limited_attempts if is_wait(exc) else self.max_attempts
        return attempt < limit

    def countdown(
        self, exc: BaseException, attempt: int, *, rng: Callable[[], float] = random.random
    ) -> float:
        # Limiter refusals always start from attempt 0: their wait is dictated by
        # the window (retry_after), not by how often the task has been refused.
        backoff_attempt = 0 if isinstance(exc, RateLimited) else attempt
        return delay(
            backoff_attempt,
            base=self.base,
            cap=min(self.cap, WAIT_CAP_SECONDS) if is_wait(exc) else self.cap,
            rng=rng,
            retry_after=retry_after_hint(exc),
        )


@dataclass
class RetryBudget:
    """A shared allowance of retries, refilled by successes (botocore's retry quota).

    Each retry withdraws ``retry_cost`` (``timeout_cost`` for timeouts and
    connection failures, which are the expensive ones); each success returns
    ``success_refund`` up to ``capacity``. When the allowance is empty,
    ``try_withdraw`` refuses and the caller gives up on in-call retries and lets
    the task-level retry (with its longer backoff) take over. Thread-safe;
    process-local on purpose: it protects one process from hammering, the
    global limiter protects the quotas.
    """

    capacity: int = 500
    retry_cost: int = 5
    timeout_cost: int = 10
    success_refund: int = 1
    _available: int = field(init=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._available = self.capacity

    @property
    def available(self) -> int:
        return self._available

    def try_withdraw(self, exc: BaseException) -> bool:
        cost = self.timeout_cost if _is_timeout_like(exc) else self.retry_cost
        with self._lock:
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def record_success(self) -> None:
        with self._lock:
            self._available = min(self.capacity, self._available + self.success_refund)


def _is_timeout_like(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSPORT_FAILURES):
        return True
    cause = exc.__cause__
    return cause is not None and isinstance(cause, _TRANSPORT_FAILURES)


__all__ = [
    "DEFAULT_BASE_SECONDS",
    "DEFAULT_CAP_SECONDS",
    "RetryBudget",
    "RetryPolicy",
    "assert_below_visibility_timeout",
    "delay",
    "is_retryable",
    "retry_after_hint",
]
