"""Conflicts as the sync commands see them: pending ones recorded (strategy
MANUAL), pending ones that no longer hold closed, and what the deal shows
about them."""

from __future__ import annotations

from sqlalchemy import func, select

from models.conflicts import Conflict, pending_conflicts_of, record_pending_conflict
from pcsync import runtime
from workers.engine import CONTACTS_PATH
from workers.sync.context import Run

CONTACT_PATH_PREFIX = CONTACTS_PATH + "["


def record_conflict(session, run: Run, deal_id: str, opportunity_id: str, conflict) -> None:
    """A pending conflict stored once (by fingerprint), audited when new."""
    values = {"base": conflict.base, "hubspot": conflict.ours, "partner_central": conflict.theirs}
    is_new = record_pending_conflict(
        session,
        hubspot_deal_id=deal_id,
        opportunity_id=opportunity_id,
        field_path=conflict.path,
        fingerprint=conflict.fingerprint,
        strategy=str(conflict.strategy),
        values=values,
    )
    if is_new:
        run.audit(
            session,
            action="field.conflict",
            outcome="conflict_pending",
            object_type="deal",
            object_id=deal_id,
            opportunity_id=opportunity_id,
            diff={"path": conflict.path, **values},
            message="MANUAL strategy: Partner Central kept, operator decides",
        )


def _still_open(row: Conflict, pending: set[str], result, contacts_merged: bool) -> bool:
    """Whether this sync leaves the row's disagreement in place (or did not
    look at its field at all)."""
    if row.fingerprint in pending or row.field_path in result.deferred:
        return True
    if row.field_path.startswith(CONTACT_PATH_PREFIX):
        # Contact members are merged only when Customer.Contacts syncs, undeferred.
        return not contacts_merged
    return row.field_path not in result.decisions  # a field no longer synced


def close_settled_conflicts(session, run: Run, deal_id: str, result, contacts) -> None:
    """Pending conflicts this sync no longer sees are closed: ``converged``
    when the two sides agree again (someone aligned them by hand), or
    ``superseded`` when the same field now disagrees differently (the new
    disagreement is its own pending row). Each closure is audited.
    `contacts` is the sync's per-contact merge (None when contacts do not sync)."""
    contacts_merged = contacts is not None and CONTACTS_PATH not in result.deferred
    current = [*result.pending_conflicts, *(contacts.pending_conflicts if contacts else [])]
    pending = {c.fingerprint for c in current}
    paths = {c.path for c in current}
    for row in pending_conflicts_of(session, deal_id):
        if _still_open(row, pending, result, contacts_merged):
            continue
        resolution = "superseded" if row.field_path in paths else "converged"
        row.status, row.resolution = "resolved", resolution
        row.resolved_by, row.resolved_at = "pcsync", runtime.utc_now()
        run.audit(
            session,
            action="conflict.resolve",
            outcome=resolution,
            object_type="deal",
            object_id=deal_id,
            opportunity_id=row.opportunity_id,
            diff={"conflict_id": row.id, "path": row.field_path, "choice": resolution},
            message="both sides agree again" if resolution == "converged" else None,
        )


def conflict_properties(session, deal_id: str) -> dict[str, str]:
    """aws_conflict_status (none | pending | resolved) and
    aws_last_conflict_date (when the latest conflict was detected)."""
    counts = dict(
        session.execute(
            select(Conflict.status, func.count())
            .where(Conflict.hubspot_deal_id == deal_id)
            .group_by(Conflict.status)
        ).all()
    )
    latest = session.scalar(
        select(func.max(Conflict.detected_at)).where(Conflict.hubspot_deal_id == deal_id)
    )
    if counts.get("pending"):
        status = "pending"
    elif counts:
        status = "resolved"
    else:
        status = "none"
    properties = {"aws_conflict_status": status}
    if latest is not None:
        properties["aws_last_conflict_date"] = latest.date().isoformat()
    return properties
