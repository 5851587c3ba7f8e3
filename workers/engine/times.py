"""Moments as the two APIs and pcsync's stored state write them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_ms(moment: datetime) -> str:
    """UTC, ISO 8601, milliseconds, `Z` (HubSpot's datetime properties and
    pcsync's stored watermarks)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def as_utc(moment: datetime | str | None) -> datetime | None:
    """An aware datetime from Partner Central's ISO text or a stored value."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = parse_iso(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
