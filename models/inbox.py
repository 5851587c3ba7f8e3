"""The webhook inbox and the pending-object markers the ingest writes.

Each delivered event is stored once under a composite de-duplication key, so
a redelivery (HubSpot retries for 24 h) is recognised after any restart.
A pending row per touched object carries the debounce state: while
`scheduled` is true a task is already queued, and further events only bump
`generation` instead of queueing more work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, UniqueConstraint, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _insert_for(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def record_events(session: Session, rows: list[dict]) -> set[str]:
    """Insert inbox rows whose (source, dedup_key) is new; return the new keys.

    Insert-or-nothing at the database makes de-duplication hold across
    concurrent requests and restarts, not just within one process. One
    statement per batch keeps a 100-event delivery to one round trip.
    """
    if not rows:
        return set()
    now = utcnow()
    statement = (
        _insert_for(session)(InboxEvent)
        .values([{**row, "received_at": now} for row in rows])
        .on_conflict_do_nothing(index_elements=["source", "dedup_key"])
        .returning(InboxEvent.dedup_key)
    )
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT.
    return set(session.execute(statement).scalars())


def record_new_events(session: Session, interpreted: dict) -> tuple[set[str], list]:
    """Insert the inbox rows of `interpreted` ({dedup key: (row, meaning)},
    where `meaning.touched` lists (object type, id) pairs); return the keys
    that were new and the objects only those events touched, in order, once
    each. A duplicate delivery touches nothing."""
    new_keys = record_events(session, [row for row, _ in interpreted.values()])
    touched = dict.fromkeys(
        key
        for dedup, (_, meaning) in interpreted.items()
        if dedup in new_keys
        for key in meaning.touched
    )
    return new_keys, list(touched)


def mark_pending(session: Session, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Mark objects dirty; return those the caller must queue a task for.

    Only the event that creates the row, or flips `scheduled` from false,
    queues work; every later event before the task runs is coalesced into
    that one task by bumping `generation`.
    """
    if not keys:
        return []
    now = utcnow()
    pk = tuple_(PendingObject.object_type, PendingObject.object_id)
    created = session.execute(
        _insert_for(session)(PendingObject)
        .values(
            [
                {
                    "object_type": object_type,
                    "object_id": object_id,
                    "scheduled": True,
                    "generation": 1,
                    "first_dirty_at": now,
                    "last_event_at": now,
                    "enqueued_at": now,
                }
                for object_type, object_id in keys
            ]
        )
        .on_conflict_do_nothing(index_elements=["object_type", "object_id"])
        .returning(PendingObject.object_type, PendingObject.object_id)
    ).all()
    existing = [key for key in keys if key not in {tuple(row) for row in created}]
    flipped = []
    if existing:
        flipped = session.execute(
            update(PendingObject)
            .where(pk.in_(existing) & PendingObject.scheduled.is_(False))
            .values(scheduled=True, first_dirty_at=now, enqueued_at=now)
            .returning(PendingObject.object_type, PendingObject.object_id)
            .execution_options(synchronize_session=False)
        ).all()
        session.execute(
            update(PendingObject)
            .where(pk.in_(existing))
            .values(generation=PendingObject.generation + 1, last_event_at=now)
            .execution_options(synchronize_session=False)
        )
    to_queue = {tuple(row) for row in created} | {tuple(row) for row in flipped}
    return [key for key in keys if key in to_queue]


def claim_pending(session: Session, object_type: str, object_id: str) -> int | None:
    """Called by the task when it starts: clear `scheduled` so that events
    arriving from now on queue a follow-up run. Returns the generation seen,
    or None when nothing was pending (a redelivered or replayed task)."""
    row = session.get(PendingObject, (object_type, object_id), with_for_update=True)
    if row is None:
        return None
    row.scheduled = False
    return row.generation
