"""Handle a HubSpot object the ingest marked dirty.

The message carries only the object's type and id: the task re-reads the
current state, so a burst of events costs one run, and a task redelivered
after a crash does the same thing again without harm.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import select

from models.audit import record_audit
from models.inbox import claim_pending
from models.links import OpportunityLink
from pcsync import runtime


@shared_task(name="pcsync.sync_hubspot_object", bind=True, acks_late=True)
def sync_hubspot_object(self, object_type: str, object_id: str) -> str:
    with runtime.database().transaction() as session:
        generation = claim_pending(session, object_type, object_id)
        link = None
        if object_type == "deal":
            link = session.scalar(
                select(OpportunityLink).where(OpportunityLink.hubspot_deal_id == object_id)
            )
        outcome = "linked" if link else "not_linked"
        record_audit(
            session,
            action=f"hubspot.{object_type}.changed",
            outcome=outcome,
            source="hubspot",
            actor=self.name,
            task_id=self.request.id,
            object_type=object_type,
            object_id=object_id,
            opportunity_id=link.opportunity_id if link else None,
            message=f"pending generation {generation}",
        )
    return outcome
