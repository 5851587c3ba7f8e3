"""Timestamps as the simulator stores and sends them.

Internally every instant is an integer of epoch milliseconds, so a value read
with GetOpportunity and sent back in UpdateOpportunity compares exactly. On
the wire the model's `DateTime` shape is `timestampFormat: iso8601`, so
responses carry strings like `2025-01-02T03:04:05.123Z` (botocore parses them
to aware datetimes and serialises them back with microseconds: `.123000Z`).
"""

from __future__ import annotations

import calendar
import datetime as dt

from botocore.utils import parse_timestamp


def to_millis(value: str | int | float) -> int:
    """Epoch milliseconds from a wire timestamp (ISO 8601 string or epoch seconds).

    Sub-millisecond digits are dropped (floor), so a value the simulator sent
    comes back equal however the client re-serialises it.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000) if isinstance(value, int) else _float_seconds_to_millis(value)
    parsed = parse_timestamp(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    utc = parsed.astimezone(dt.UTC)
    return calendar.timegm(utc.utctimetuple()) * 1000 + utc.microsecond // 1000


def _float_seconds_to_millis(seconds: float) -> int:
    # Round to microseconds first: 1735787045.123 * 1000 is 1735787045122.9999.
    return round(seconds * 1_000_000) // 1000


def is_parseable(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    try:
        to_millis(value)
    except (ValueError, OverflowError):
        return False
    return True


def to_iso(millis: int) -> str:
    seconds, remainder = divmod(millis, 1000)
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{remainder:03d}Z"


def date_of(millis: int) -> dt.date:
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).date()
