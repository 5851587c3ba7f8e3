"""The task behind every HubSpot object the ingest marks dirty.

The command is `workers.sync.hubspot_changes.sync_hubspot_object`; the task
runs it under the pending markers' retry policy (tasks/pending.py).
"""

from __future__ import annotations

from celery import shared_task

from tasks.pending import pending_run
from workers.sync import hubspot_changes
from workers.sync.context import Run


@shared_task(name="pcsync.sync_hubspot_object", bind=True, max_retries=None)
def sync_hubspot_object(self, object_type: str, object_id: str, priority: str = "event") -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="hubspot", priority=priority)
    give_up = (
        (lambda exc: hubspot_changes.surface_gave_up(object_id, exc, run))
        if object_type == "deal"
        else None
    )
    with pending_run(self, object_type, object_id, on_give_up=give_up):
        return hubspot_changes.sync_hubspot_object(object_type, object_id, run)
