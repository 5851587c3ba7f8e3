"""Waiting in place, for callers that run long and must not hand back their work.

A Celery task refused by our limiter or throttled by an API normally ends and
is retried later with backoff (workers/backoff.py). Two kinds of caller wait
instead, in the same process:

- the engagement cycle (workers/sync/engagements): a refusal by a per-second
  window is over in a moment, and ending the task would re-read its batch;
  a longer one (the daily budget, the background reserve) still ends it;
- the backfill, which runs in the operator's terminal with no task to retry:
  it waits out every refusal, and spaces its HubSpot searches under the
  search API's per-second limit.

Both the clock and the sleep are injected, so the waiting is tested with a
fake clock and no real sleeping (tests/unit/workers/test_pacing.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from workers.clients.partner_central import PartnerCentral
from workers.errors import RateLimited, RetryableError, Throttled

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]
# How long to wait before calling again after a refusal, or None to give up.
WaitPolicy = Callable[[RetryableError], float | None]

DEFAULT_WAIT_SECONDS = 1.0
# A refusal by a per-second window is waited out in place; a longer one (the
# daily budget, the background reserve) ends the task, which retries later
# and finds its committed progress.
PER_SECOND_MAX_WAIT_SECONDS = 2.0
PER_SECOND_ATTEMPTS = 20


def hinted_wait(exc: RetryableError) -> float:
    """Any refusal, for as long as it says (one second when it names no wait)."""
    return exc.retry_after or DEFAULT_WAIT_SECONDS


def per_second_wait(exc: RetryableError) -> float | None:
    """Only refusals a per-second window explains. Our limiter's refusals
    name their wait; Partner Central's ThrottlingException (HTTP 429) names
    none, and it also comes when both sides count the same second slightly
    differently: one second clears a per-second window."""
    if isinstance(exc, RateLimited):
        return exc.retry_after if exc.retry_after <= PER_SECOND_MAX_WAIT_SECONDS else None
    if isinstance(exc, Throttled) and exc.service == "partnercentral":
        return DEFAULT_WAIT_SECONDS
    return None


def wait_out(
    call: Callable[[], T], policy: WaitPolicy, attempts: int, sleep: Sleep = time.sleep
) -> T:
    """`call()`, again after each refusal `policy` says to wait for, at most
    `attempts` times; the last attempt's refusal reaches the caller. Only for
    calls safe to repeat: reads, and writes our limiter refused before
    anything was sent."""
    for _ in range(attempts):
        try:
            return call()
        except RetryableError as exc:
            wait = policy(exc)
            if wait is None:
                raise
            log.info("pacing.waiting", extra={"seconds": wait, "error": str(exc)})
            sleep(wait)
    return call()


class Pacer:
    """At most one call per `interval` seconds from this process."""

    def __init__(self, interval: float, clock: Clock = time.monotonic, sleep: Sleep = time.sleep):
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def pause(self, seconds: float) -> None:
        """Wait `seconds` (a refusal's hint) before the next call."""
        self._sleep(seconds)


def paced_pages(results: Iterable[T], page_size: int, pacer: Pacer) -> Iterator[T]:
    """Pace a paginating generator: pulling the first item of each page sends
    that page's request, so wait for the pacer right before it."""
    iterator = iter(results)
    pulled = 0
    while True:
        if pulled % page_size == 0:
            pacer.wait()
        try:
            item = next(iterator)
        except StopIteration:
            return
        pulled += 1
        yield item


class PacedPartnerCentral:
    """The Partner Central client for long cycles: the same calls, at the
    run's priority, with per-second refusals waited out in place."""

    def __init__(self, client: PartnerCentral, priority: str, sleep: Sleep = time.sleep):
        self.client = client
        self.priority = priority
        self.sleep = sleep

    def call(self, operation: str, *, priority: str | None = None, **params) -> dict:
        # `priority` is accepted as the client's is, and overridden: the run decides.
        return wait_out(
            lambda: self.client.call(operation, priority=self.priority, **params),
            per_second_wait,
            PER_SECOND_ATTEMPTS,
            sleep=self.sleep,
        )

    def paginate(self, operation: str, result_key: str, **params):
        # The client's own paging loop, running through the paced `call`.
        return PartnerCentral.paginate(self, operation, result_key, **params)
