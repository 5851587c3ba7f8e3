"""Keep the worker alive when the Redis broker goes away (a kombu defect).

When the connection to Redis is lost while the worker holds unacknowledged
messages, Celery collects the broken connection (which detaches kombu's
transport: `transport.client = None`) and then closes it. Closing the
default channel restores the unacknowledged messages, which needs a Redis
client, which kombu builds from `transport.client`: AttributeError
("'NoneType' object has no attribute 'hostname'"), which Celery's
`ignore_errors` does not ignore, and the worker exits instead of
reconnecting (seen with kombu 5.3 to 5.7; kombu issues #582 and #970 show
the same path). `pcsync run` then stops everything.

The fix: with the transport detached, building a client raises Redis's own
ConnectionError, one of the errors that close path ignores. Nothing is lost
by not restoring there: Redis is unreachable at that moment anyway, the
messages stay in kombu's unacked index for its visibility-timeout restore,
and pcsync's pending sweeper re-queues the work they stood for long before
that (tasks/pending.py).
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

_PATCHED = "_pcsync_detached_transport_fix"


def install() -> None:
    """Patch kombu's Redis channel once per process (idempotent)."""
    channel = kombu_redis.Channel
    original = channel._connparams
    if getattr(original, _PATCHED, False):
        return

    def _connparams(self, *args, **kwargs):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed; reconnecting")
        return original(self, *args, **kwargs)

    setattr(_connparams, _PATCHED, True)
    channel._connparams = _connparams
