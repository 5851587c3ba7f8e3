"""A memo in Redis of the webhook events the database recorded lately, so a
redelivered batch is answered without a database round trip.

HubSpot delivers at least once and numbers its attempts (`attemptNumber`,
0 on the first): a batch whose answer it did not see comes again with the
number raised. Answering that from the database costs what a new batch
costs (the statement still looks up every key), so each batch's keys are also
kept here once its statement has committed, and a retried batch whose every
key is here is answered "all duplicates" at once. A batch of first attempts
is not looked up: it is new but for rare double deliveries, which the
database still recognises.

The database stays the record. The memo only ever says "all of these were
recorded", never "new": a key is added after its batch committed, a miss or
any Redis error sends the batch to the database as before, and a key is
forgotten long before retention deletes its inbox row (a key that was not
written, Redis being down, only sends its retry to the database). Keys are
kept in one Redis set per BUCKET_SECONDS; a lookup reads the current and the
previous set, so a key is remembered for one to two buckets (SMISMEMBER:
Redis 6.2 or newer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.retry import Retry

log = logging.getLogger(__name__)

# How long a recorded batch is answered from memory. A redelivery after this
# goes to the database, which answers it the same way; the window only bounds
# Redis memory (about 70 bytes per event).
BUCKET_SECONDS = 900
# Short: a slow Redis must not hold up a webhook the database can answer.
SOCKET_TIMEOUT_SECONDS = 0.5


class RecentEvents:
    """The recently recorded events of one `source` (the inbox's source)."""

    def __init__(
        self, client: redis.Redis, source: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self._prefix = f"pcsync:inbox:recent:{source}:"
        self._clock = clock

    @classmethod
    def from_url(cls, url: str, source: str) -> RecentEvents:
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            # Not retried: the database answers when Redis does not.
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, source)

    def _bucket(self, offset: int = 0) -> str:
        return f"{self._prefix}{int(self._clock() // BUCKET_SECONDS) + offset}"

    def all_recorded(self, keys: Sequence[str]) -> bool:
        """True when every key is known to be recorded; False when one may
        not be, or Redis cannot tell."""
        if not keys:
            return False
        members = [bytes.fromhex(key) for key in keys]
        replies = self._in_one_round_trip(
            lambda pipeline: (
                pipeline.smismember(self._bucket(), members),
                pipeline.smismember(self._bucket(-1), members),
            )
        )
        if replies is None:
            return False
        current, previous = replies
        return all(now or before for now, before in zip(current, previous, strict=True))

    def remember(self, keys: Sequence[str]) -> None:
        """Keys whose events the database has committed."""
        if not keys:
            return
        bucket = self._bucket()
        self._in_one_round_trip(
            lambda pipeline: (
                pipeline.sadd(bucket, *(bytes.fromhex(key) for key in keys)),
                # Kept while a lookup may still read it as the previous bucket.
                pipeline.expire(bucket, 2 * BUCKET_SECONDS),
            )
        )

    def _in_one_round_trip(self, commands: Callable[[Pipeline], object]) -> list | None:
        """The replies to the commands `commands` puts on a pipeline, or None
        when Redis fails (logged: the caller goes on without the memo)."""
        try:
            pipeline = self._client.pipeline(transaction=False)
            commands(pipeline)
            return pipeline.execute()
        except redis.RedisError as exc:
            log.warning("webhook.recent_events.unavailable", extra={"error": type(exc).__name__})
            return None
