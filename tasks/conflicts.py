"""An operator's conflict resolution from the web process (the management
API, the console): checked at once, then queued for a worker, which settles
it through the deal's writer. The CLI runs `resolve_conflict` inline."""

from __future__ import annotations

from celery import shared_task

from pcsync import runtime
from workers.sync.conflict_resolution import (
    ConflictAlreadyResolved,
    Resolution,
    check_resolution,
    resolve_conflict,
)
from workers.sync.context import Run
from workers.task_policy import retrying


def queue_resolution(conflict_id: int, resolution: Resolution, requested_by: str, producer=None):
    resolve_conflict_task.apply_async(
        (conflict_id, resolution.choice),
        {"value": resolution.value, "requested_by": requested_by},
        producer=producer,
    )


def request_resolution(conflict_id: int, resolution: Resolution, requested_by: str) -> str:
    """Check the resolution (ResolutionError: 404, 409 or 400, nothing queued)
    and queue it; returns the conflict's deal id. Web handlers call this."""
    with runtime.database().transaction() as session:
        conflict = check_resolution(session, conflict_id, resolution, runtime.utc_now().date())
        deal_id = conflict.hubspot_deal_id
    with runtime.celery_app().producer_or_acquire() as producer:
        queue_resolution(conflict_id, resolution, requested_by, producer=producer)
    return deal_id


@shared_task(name="pcsync.resolve_conflict", bind=True, max_retries=None)
def resolve_conflict_task(
    self, conflict_id: int, choice: str, value=None, requested_by: str = "operator"
) -> str:
    run = Run(actor=requested_by, task_id=self.request.id, source="operator")
    try:
        with retrying(self):
            return resolve_conflict(conflict_id, Resolution(choice, value), run).sync_outcome
    except ConflictAlreadyResolved:
        # A redelivery after the resolution committed, or a second request
        # that lost the race: the first one settled it.
        return "already_resolved"
