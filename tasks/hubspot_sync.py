"""The task behind every HubSpot object the ingest marks dirty.

The command is `workers.sync.hubspot_changes.sync_hubspot_object`; the task
runs it under the pending markers' retry policy (tasks/pending.py) and hands
it the publishers it may call.
"""

from __future__ import annotations

from celery import shared_task

from tasks.pending import pending_run
from tasks.referrals import queue_deal_requests
from workers.dispatch import queue_object_syncs
from workers.sync import hubspot_changes
from workers.sync.context import Run

PUBLISHERS = hubspot_changes.Publishers(
    object_syncs=queue_object_syncs, deal_requests=queue_deal_requests
)


@shared_task(name="pcsync.sync_hubspot_object", bind=True, max_retries=None)
def sync_hubspot_object(self, object_type: str, object_id: str, priority: str = "event") -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="hubspot", priority=priority)
    give_up = (
        (lambda exc: hubspot_changes.surface_gave_up(object_id, exc, run))
        if object_type == "deal"
        else None
    )
    with pending_run(self, object_type, object_id, on_give_up=give_up):
        return hubspot_changes.sync_hubspot_object(object_type, object_id, run, PUBLISHERS)
