"""Retention: the webhook inbox only needs to outlive HubSpot's 24-hour
redelivery window (plus margin) to de-duplicate; the audit trail is kept
PCSYNC_AUDIT_RETENTION_DAYS (seven years by default), then its oldest rows
are purged behind an anchor that keeps the hash chain verifiable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from models.audit_retention import purge_audit_trail
from models.inbox import InboxEvent
from pcsync import runtime
from workers.sync.context import Run

INBOX_RETENTION = timedelta(days=14)


def prune_inbox(run: Run) -> int:
    """Delete inbox events older than INBOX_RETENTION; returns how many."""
    cutoff = runtime.utc_now() - INBOX_RETENTION
    with runtime.database().transaction() as session:
        removed = session.execute(
            delete(InboxEvent).where(InboxEvent.received_at < cutoff)
        ).rowcount
        run.audit(
            session,
            action="retention.inbox",
            outcome="pruned",
            message=f"{removed} inbox events received before {cutoff.isoformat()}",
        )
    return removed


def purge_audit(run: Run) -> int:
    """Purge the audit rows past their retention; returns how many."""
    cutoff = runtime.utc_now() - timedelta(days=runtime.settings().audit_retention_days)
    with runtime.database().transaction() as session:
        purge = purge_audit_trail(
            session, cutoff, source=run.source, actor=run.actor, task_id=run.task_id
        )
    return purge.removed
