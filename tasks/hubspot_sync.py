"""The task behind every HubSpot object the ingest marks dirty, and its publisher.

The command is `workers.sync.hubspot_changes.sync_hubspot_object`; the task
runs it under the pending markers' retry policy (tasks/pending.py) and hands
it the publishers it may call.
"""

from __future__ import annotations

from celery import shared_task

from models.inbox import mark_pending
from tasks.pending import pending_run
from tasks.referrals import queue_deal_requests
from workers.publishing import publish_after_commit
from workers.sync import hubspot_changes
from workers.sync.context import Run


def queue_object_syncs(
    session, keys: list[tuple[str, str]], countdown: float, priority: str = "event"
) -> int:
    """Mark objects pending and queue one task for each that has none queued.

    Runs inside the caller's transaction and publishes after its commit; if
    the broker refuses, the committed markers stay pending and the sweeper
    queues them. `priority="background"` (backfill) lets the task's API
    calls yield the last of the daily budget to event-driven work.
    """
    to_queue = mark_pending(session, keys, due_in=countdown)
    kwargs = {"priority": priority} if priority != "event" else {}
    return publish_after_commit(
        session,
        (sync_hubspot_object.signature(key, kwargs, countdown=countdown) for key in to_queue),
    )


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
