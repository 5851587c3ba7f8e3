"""How tasks retry: one policy for every task, declared in one place.

Retryable errors (throttling, 5xx, timeouts, our limiter saying no, a busy
opportunity lock, an optimistic-lock conflict) are retried with exponential
backoff and jitter, honouring any retry-after hint; permanent errors
(validation, 4xx) are not retried at all and end the task in FAILURE, where
`on_failure` stores them for replay.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery import Task

import celeryconfig
from workers.backoff import RetryPolicy, is_wait
from workers.errors import RateLimited

POLICY = RetryPolicy(cap=min(300.0, celeryconfig.MAX_COUNTDOWN_SECONDS))
FAILURES_HEADER = "pcsync_failures"
RATE_LIMITED_SPREAD_CAP = 30.0


def countdown_for(exc: Exception, attempt: int, rng=random.random) -> float:
    """The policy's delay; refusals by our own limiter are spread wider each time.

    Fifty tasks refused in the same second would otherwise all return in the
    next second and collide again, each paying for its reads before being
    refused once more. Widening the spread with every refusal lets them
    settle into the free slots.
    """
    if isinstance(exc, RateLimited) and exc.slot is not None:
        # A booked slot: come back for it, not at a random later moment.
        return min(POLICY.cap, exc.retry_after)
    delay = POLICY.countdown(exc, attempt, rng=rng)
    if isinstance(exc, RateLimited):
        delay += rng() * min(RATE_LIMITED_SPREAD_CAP, 2.0 ** min(attempt, 5))
    return delay


def failures_so_far(task: Task) -> int:
    """Retries caused by real failures, carried in a message header: Celery's
    own count includes waits (a throttled or refused call), which must not
    use up the attempts a failure gets."""
    headers = task.request.headers or {}
    return int(getattr(task.request, FAILURES_HEADER, None) or headers.get(FAILURES_HEADER, 0))


def attempt_of(task: Task, exc: BaseException) -> int:
    """The attempt number the policy judges `exc` by."""
    return (task.request.retries or 0) if is_wait(exc) else failures_so_far(task)


def will_retry(task: Task, exc: BaseException) -> bool:
    """Whether `retrying` turns `exc` into another attempt of `task`."""
    return POLICY.should_retry(exc, attempt_of(task, exc))


@contextmanager
def retrying(task: Task, on_retry: Callable[[float], None] | None = None) -> Iterator[None]:
    """Retry the body's retryable failures with backoff; `on_retry(countdown)`
    learns when the next attempt is due."""
    try:
        yield
    except Exception as exc:
        if not will_retry(task, exc):
            raise
        countdown = countdown_for(exc, attempt_of(task, exc))
        if on_retry is not None:
            on_retry(countdown)
        failures = failures_so_far(task) + (0 if is_wait(exc) else 1)
        headers = {**(task.request.headers or {}), FAILURES_HEADER: failures}
        raise task.retry(exc=exc, countdown=countdown, max_retries=None, headers=headers) from exc
