"""The audit trail's retention purge (PCSYNC_AUDIT_RETENTION_DAYS).

Only the oldest rows go, and only as an unbroken run from the start of the
trail: a row written after the cutoff is never removed, and neither is
anything after it. Before deleting, the chain head records the last purged
row as the new anchor (its id and hash) and moves ``purged_through``, the
bound up to which the database triggers let a DELETE through; the first
kept row still follows the anchor, so verification stays green. The purge
is itself one audit row, appended to the chain after the deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models.audit import AuditEntry, record_audit
from models.audit_chain import HEAD_ID, AuditChain


@dataclass(frozen=True)
class Purge:
    removed: int
    through_id: int | None  # the last removed row
    anchor_hash: str | None

    def as_diff(self, cutoff: datetime) -> dict:
        return {
            "removed": self.removed,
            "through_id": self.through_id,
            "anchor_hash": self.anchor_hash,
            "cutoff": cutoff.isoformat(),
        }


def _last_purgeable_id(session: Session, cutoff: datetime) -> int | None:
    first_kept = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
    older = select(func.max(AuditEntry.id))
    if first_kept is not None:
        older = older.where(AuditEntry.id < first_kept)
    return session.scalar(older)


def purge_audit_before(session: Session, cutoff: datetime) -> Purge:
    """Delete the rows written before `cutoff` (caller's transaction; the
    caller audits the purge in the same transaction)."""
    # Lock the head first (an UPDATE: a row lock on PostgreSQL, the write
    # lock on SQLite): no append or other purge runs in between.
    session.execute(
        update(AuditChain).where(AuditChain.id == HEAD_ID).values(appended=AuditChain.appended)
    )
    chain = session.get(AuditChain, HEAD_ID, populate_existing=True)
    through = _last_purgeable_id(session, cutoff)
    if through is None or through <= chain.purged_through:
        return Purge(0, None, None)
    last = session.get(AuditEntry, through)
    if through > chain.anchor_id:
        chain.anchor_id, chain.anchor_hash = through, last.row_hash
    chain.purged_through = through
    session.flush()
    removed = session.execute(
        delete(AuditEntry)
        .where(AuditEntry.id <= through)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Purge(removed, through, chain.anchor_hash)


def purge_audit_trail(session: Session, cutoff: datetime, *, source: str, actor: str, task_id=None):
    """The purge and its own audit row, in the caller's transaction."""
    purge = purge_audit_before(session, cutoff)
    record_audit(
        session,
        action="audit.purge",
        outcome="purged",
        source=source,
        actor=actor,
        task_id=task_id,
        diff=purge.as_diff(cutoff),
        message=f"{purge.removed} audit rows written before {cutoff.isoformat()}",
    )
    return purge
