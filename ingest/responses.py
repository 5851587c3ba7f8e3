"""The answers both webhook endpoints give, each failure with its own log event."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import jsonify
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def error(status: int, event: str, message: str, **details):
    log.warning(event, extra={"status": status, "reason": message, **details})
    # `status` in the body too, as every other error of the service carries it.
    return jsonify(error=message, status=status, **details), status


def accept(event_prefix: str, record: Callable[[], dict], **log_details):
    """Run the record-and-queue step and answer 200 with its counts. A database
    or broker outage answers 503 so the sender retries; the step's own
    transaction has left nothing behind."""
    try:
        counts = record()
    except SQLAlchemyError as exc:
        log.error(f"{event_prefix}.unavailable.database", extra={"error": type(exc).__name__})
        return jsonify(error="database unavailable, retry later"), 503
    except (BrokerError, ConnectionError, OSError) as exc:
        log.error(f"{event_prefix}.unavailable.broker", extra={"error": type(exc).__name__})
        return jsonify(error="task broker unavailable, retry later"), 503
    log.info(f"{event_prefix}.accepted", extra={**log_details, **counts})
    return jsonify(counts), 200
