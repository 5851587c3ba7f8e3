"""Retention: the webhook inbox only needs to outlive HubSpot's 24-hour
redelivery window (plus margin) to de-duplicate; the audit trail is kept
PCSYNC_AUDIT_RETENTION_DAYS (seven years by default), then its oldest rows
are purged behind an anchor that keeps the hash chain verifiable."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import delete

from models.audit import record_audit
from models.audit_retention import purge_audit_trail
from models.inbox import InboxEvent
from pcsync import runtime

INBOX_RETENTION = timedelta(days=14)


@shared_task(name="pcsync.prune_inbox", bind=True)
def prune_inbox(self) -> int:
    cutoff = runtime.utc_now() - INBOX_RETENTION
    with runtime.locks().beat_singleton("prune-inbox", 3600) as held:
        if not held:
            return 0
        with runtime.database().transaction() as session:
            removed = session.execute(
                delete(InboxEvent).where(InboxEvent.received_at < cutoff)
            ).rowcount
            record_audit(
                session,
                action="retention.inbox",
                outcome="pruned",
                source="schedule",
                actor=self.name,
                task_id=self.request.id,
                message=f"{removed} inbox events received before {cutoff.isoformat()}",
            )
    return removed


@shared_task(name="pcsync.purge_audit", bind=True)
def purge_audit(self) -> int:
    cutoff = runtime.utc_now() - timedelta(days=runtime.settings().audit_retention_days)
    with runtime.locks().beat_singleton("purge-audit", 3600) as held:
        if not held:
            return 0
        with runtime.database().transaction() as session:
            purge = purge_audit_trail(
                session, cutoff, source="schedule", actor=self.name, task_id=self.request.id
            )
    return purge.removed
