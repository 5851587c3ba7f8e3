"""Conflicts the merge could not settle on its own (strategy MANUAL).

A pending conflict keeps Partner Central's value and leaves the base as it
was, so the disagreement shows again at every sync until an operator settles
it (resolution ``hubspot``, ``partner_central`` or ``value``) or both sides
agree again by themselves (``converged``); the fingerprint makes it one row
however often it shows.
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
    status: Mapped[str] = mapped_column(
        String(16), default="pending", index=True
    )  # pending | resolved
    resolution: Mapped[str | None] = mapped_column(String(32))
    resolved_by: Mapped[str | None] = mapped_column(String(128))  # operator, or pcsync
    resolved_value: Mapped[Any] = mapped_column(JsonColumn)
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


def pending_conflicts_of(session: Session, deal_id: str) -> list[Conflict]:
    return list(
        session.scalars(
            select(Conflict)
            .where(Conflict.hubspot_deal_id == deal_id, Conflict.status == "pending")
            .order_by(Conflict.id)
        )
    )


def conflict_view(conflict: Conflict) -> dict:
    return {
        "id": conflict.id,
        "deal_id": conflict.hubspot_deal_id,
        "opportunity_id": conflict.opportunity_id,
        "field": conflict.field_path,
        "strategy": conflict.strategy,
        "values": conflict.values or {},
        "status": conflict.status,
        "detected_at": conflict.detected_at,
        "resolved_at": conflict.resolved_at,
        "resolution": conflict.resolution,
        "resolved_by": conflict.resolved_by,
        "resolved_value": conflict.resolved_value,
    }


def conflict_query(args: dict):
    """Conflicts matching the list filters, oldest first (the queue's order)."""
    statement = select(Conflict).order_by(Conflict.id)
    filters = {
        Conflict.status: args.get("status"),
        Conflict.hubspot_deal_id: args.get("deal_id"),
        Conflict.opportunity_id: args.get("opportunity_id"),
        Conflict.field_path: args.get("field"),
    }
    return statement.where(*(column == value for column, value in filters.items() if value))
