"""Conflicts the merge could not settle on its own (strategy MANUAL).

A pending conflict keeps Partner Central's value and leaves the base as it
was, so the disagreement shows again at every sync until an operator settles
it; the fingerprint makes it one row however often it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class Conflict(Base):
    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("hubspot_deal_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hubspot_deal_id: Mapped[str] = mapped_column(String(64), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(32))
    field_path: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(32))
    values: Mapped[dict] = mapped_column(JsonColumn)  # base, hubspot, partner_central
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | resolved
    resolution: Mapped[str | None] = mapped_column(String(32))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def record_pending_conflict(
    session: Session,
    *,
    hubspot_deal_id: str,
    opportunity_id: str | None,
    field_path: str,
    fingerprint: str,
    strategy: str,
    values: dict[str, Any],
) -> bool:
    """Store a pending conflict once; True if it is new."""
    existing = session.scalar(
        select(Conflict).where(
            Conflict.hubspot_deal_id == hubspot_deal_id, Conflict.fingerprint == fingerprint
        )
    )
    if existing is not None:
        return False
    session.add(
        Conflict(
            hubspot_deal_id=hubspot_deal_id,
            opportunity_id=opportunity_id,
            field_path=field_path,
            fingerprint=fingerprint,
            strategy=strategy,
            values=values,
        )
    )
    return True
