"""Time formats HubSpot uses: ISO-8601 with milliseconds and `Z`, epoch ms."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_from_epoch(seconds: float) -> str:
    """`1700000000.5` -> `2023-11-14T22:13:20.500Z` (HubSpot's datetime form)."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(seconds: float) -> int:
    return int(seconds * 1000)


def parse_datetime_ms(text: str) -> int:
    """Epoch milliseconds from `text` given as epoch ms or ISO-8601.

    Raises ValueError when it is neither; a date-only ISO value means
    midnight UTC, as HubSpot reads it.
    """
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    normalised = text.replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(normalised)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
