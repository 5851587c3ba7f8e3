"""The webhook inbox and the pending-object markers the ingest writes.

Each delivered event is stored once under a composite de-duplication key, so
a redelivery (HubSpot retries for 24 h) is recognised after any restart.
A pending row per touched object carries the debounce state: while
`scheduled` is true a task is already queued, and further events only bump
`generation` instead of queueing more work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class InboxEvent(Base):
    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("source", "dedup_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))  # hubspot | partner_central
    dedup_key: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    occurred_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    property_name: Mapped[str | None] = mapped_column(String(255))
    change_source: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # queued | ignored
    ignore_reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JsonColumn)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PendingObject(Base):
    __tablename__ = "pending_objects"

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scheduled: Mapped[bool] = mapped_column(Boolean, default=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    first_dirty_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_occurred_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
