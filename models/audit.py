"""The append-only audit trail and its one writer.

Every external write and every decision (created, updated, unchanged,
deferred, conflict, failed, ignored) is one row. Rows are never updated or
deleted: the ORM refuses it here, and database triggers (see the migrations)
refuse it for any other client too; only the retention purge may remove the
oldest rows (models/audit_retention.py). Each row carries the SHA-256 of its
content and of its predecessor (models/audit_chain.py fills both when the
row is flushed), so an edit, deletion, insertion or reordering shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit_privacy import PSEUDONYM_KEY, pseudonymise
from models.base import Base, JsonColumn, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64))  # e.g. opportunity.update
    outcome: Mapped[str] = mapped_column(String(32))  # e.g. updated, unchanged, failed
    source: Mapped[str] = mapped_column(
        String(32)
    )  # hubspot | partner_central | operator | schedule
    actor: Mapped[str] = mapped_column(String(128))  # task name, operator token id, ...
    task_id: Mapped[str | None] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(32), index=True)
    diff: Mapped[dict | None] = mapped_column(JsonColumn)
    message: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


# Session.info key: the rows record_audit made, in order, until the commit.
PENDING_ENTRIES = "pcsync.audit_pending"


class AuditIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, target) -> None:
    raise AuditIsAppendOnly(f"audit entry {target.id} cannot be changed or deleted")


def record_audit(
    session: Session,
    *,
    action: str,
    outcome: str,
    source: str,
    actor: str,
    task_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    opportunity_id: str | None = None,
    diff: dict | None = None,
    message: str | None = None,
) -> AuditEntry:
    """Add one audit row to the caller's transaction (committed with its
    change, appended to the hash chain at commit; not visible to queries in
    the same transaction before that).

    Personal data in `diff` is pseudonymised first when the database was
    opened with a pseudonym key (PCSYNC_AUDIT_PSEUDONYMISE)."""
    key = session.info.get(PSEUDONYM_KEY)
    entry = AuditEntry(
        at=utcnow(),
        action=action,
        outcome=outcome,
        source=source,
        actor=actor,
        task_id=task_id,
        object_type=object_type,
        object_id=object_id,
        opportunity_id=opportunity_id,
        diff=pseudonymise(diff, key) if key else diff,
        message=message,
    )
    # Added to the session when it commits (models/audit_chain.py): the chain
    # head is then locked only for the final flush, not while the rest of the
    # transaction (an API call, say) runs.
    session.info.setdefault(PENDING_ENTRIES, []).append(entry)
    return entry
