"""An operator's conflict resolution from the web process (the management
API, the console): checked at once, then queued for a worker, which settles
it through the deal's writer. The CLI runs `resolve_conflict` inline."""

from __future__ import annotations

from celery import shared_task

from workers.sync.conflict_resolution import (
    ConflictAlreadyResolved,
    Resolution,
    resolve_conflict,
)
from workers.sync.context import Run
from workers.task_policy import retrying


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
