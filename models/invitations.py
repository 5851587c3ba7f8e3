"""AWS referrals: engagement invitations and the HubSpot deal that shows each.

The lifecycle is explicit: a state may only move along ALLOWED_TRANSITIONS,
and every move is audited with it (workers.sync.referral_state.INVITATION).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"accepting", "rejecting", "expired", "rejected", "accepted"}),
    "accepting": frozenset({"accepted", "failed", "expired"}),
    "rejecting": frozenset({"rejected", "failed"}),
    "failed": frozenset({"accepting", "rejecting", "expired"}),
    "accepted": frozenset(),
    "rejected": frozenset(),
    "expired": frozenset(),
}


class Invitation(Base):
    __tablename__ = "invitations"

    invitation_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    catalog: Mapped[str] = mapped_column(String(16))
    engagement_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    hubspot_deal_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    task_id: Mapped[str | None] = mapped_column(String(255))  # the Start…Task id
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
