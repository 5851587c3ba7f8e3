"""Which exceptions mean "a service pcsync depends on is unreachable".

One list, shared by the ingest (answer 503 so the sender retries) and the
workers (retry with backoff), so the two never disagree. Anything else a
database raises (a value it refuses, a constraint) is not an outage: the
ingest answers it as bad input and a task does not retry it forever.
"""

from __future__ import annotations

import redis.exceptions
from kombu.exceptions import OperationalError as BrokerOperationalError
from sqlalchemy import exc as sa_exc

DATABASE_OUTAGES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,  # connection refused or lost, server shutting down, locked
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no pooled connection became free
)
# What the database says about a value it will not store.
DATABASE_REFUSALS: tuple[type[BaseException], ...] = (sa_exc.DataError, sa_exc.IntegrityError)
BROKER_OUTAGES: tuple[type[BaseException], ...] = (
    BrokerOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,  # sockets (ConnectionError, TimeoutError) and the embedded file broker
)
OUTAGES = DATABASE_OUTAGES + BROKER_OUTAGES
