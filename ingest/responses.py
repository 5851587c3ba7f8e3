"""The answers both webhook endpoints give, each failure with its own log event."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import jsonify

from pcsync.outages import BROKER_OUTAGES, DATABASE_OUTAGES, DATABASE_REFUSALS

log = logging.getLogger(__name__)


def error(status: int, event: str, message: str, **details):
    log.warning(event, extra={"status": status, "reason": message, **details})
    # `status` in the body too, as every other error of the service carries it.
    return jsonify(error=message, status=status, **details), status


def batch_counts(received: int, new_rows: list[dict], queued: int) -> dict:
    """The counts both webhook endpoints answer with, from the rows recorded."""
    outcomes = [row["outcome"] for row in new_rows]
    return {
        "received": received,
        "recorded": len(new_rows),
        "duplicates": received - len(new_rows),
        "ignored": outcomes.count("ignored"),
        "rejected": outcomes.count("rejected"),
        "queued": queued,
    }


def unavailable(event_prefix: str, exc: BaseException):
    """The 503 of an outage (`pcsync.outages`): the sender should retry."""
    service = "database" if isinstance(exc, DATABASE_OUTAGES) else "task broker"
    log.error(
        f"{event_prefix}.unavailable.{service.split()[-1]}", extra={"error": type(exc).__name__}
    )
    return jsonify(error=f"{service} unavailable, retry later", status=503), 503


def refused_by_database(event_prefix: str, exc: BaseException):
    """A value the database refused although it passed validation: the
    request's fault, not an outage, so a 400 and no retry storm."""
    log.error(f"{event_prefix}.rejected.unstorable", extra={"error": str(exc)[:500]})
    return jsonify(error="the request holds a value that cannot be stored", status=400), 400


def accept(event_prefix: str, record: Callable[[], dict], **log_details):
    """Run the record-and-queue step and answer 200 with its counts. Only a
    database or broker outage answers 503 (the sender retries); the events
    were committed before any task was published, and the pending sweeper
    queues what a broker outage kept from being published."""
    try:
        counts = record()
    except DATABASE_REFUSALS as exc:
        return refused_by_database(event_prefix, exc)
    except DATABASE_OUTAGES + BROKER_OUTAGES as exc:
        return unavailable(event_prefix, exc)
    log.info(f"{event_prefix}.accepted", extra={**log_details, **counts})
    return jsonify(counts), 200
