"""How tasks retry: one policy for every task, declared in one place.

Retryable errors (throttling, 5xx, timeouts, our limiter saying no, a busy
opportunity lock, an optimistic-lock conflict) are retried with exponential
backoff and jitter, honouring any retry-after hint; permanent errors
(validation, 4xx) are not retried at all and end the task in FAILURE, where
`on_failure` stores them for replay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task

import celeryconfig
from workers.backoff import RetryPolicy

POLICY = RetryPolicy(cap=min(300.0, celeryconfig.MAX_COUNTDOWN_SECONDS))


@contextmanager
def retrying(task: Task) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        attempt = task.request.retries or 0
        if POLICY.should_retry(exc, attempt):
            raise task.retry(
                exc=exc, countdown=POLICY.countdown(exc, attempt), max_retries=None
            ) from exc
        raise
