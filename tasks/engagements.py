"""Tasks for the AWS engagement lifecycle on deals (workers/sync/engagements.py).

- `pcsync.sync_engagements` (beat, every PCSYNC_ENGAGEMENT_SYNC_MINUTES):
  one cycle, detect then drain. Beat's `expires` and the cycle's singleton
  lock keep runs from overlapping; a second trigger while one runs is
  audited as skipped.
- `pcsync.refresh_engagement(kind, id)`: a Partner Central event about an
  opportunity or an engagement marks the affected links dirty and drains.
- `pcsync.drain_engagements`: continues a drain that ran out of its time
  budget or found another drain running; queued at most once at a time.
- `queue_engagement_events`: the ingest's hook (ingest/pc_events.py).

All of it runs at background priority: the engagement properties are
information for sales reps, and the last of the daily Partner Central
budget is better spent on the deal sync.
"""

from __future__ import annotations

import logging

from celery import shared_task

from pcsync import runtime
from tasks.pending import pending_run
from workers.dispatch import DRAIN_KEY, queue_drain
from workers.dispatch import ENGAGEMENT_OPPORTUNITY_KEY as OPPORTUNITY_KEY
from workers.sync.context import Run
from workers.sync.engagements import (
    drain,
    mark_opportunities_dirty,
    opportunities_of_engagement,
    run_engagement_sync,
)
from workers.task_policy import retrying

log = logging.getLogger(__name__)

PRIORITY = "background"
# When another drain holds the lock, look again after this long.
DRAIN_BUSY_COUNTDOWN_SECONDS = 30

# -- tasks ------------------------------------------------------------------------------------


@shared_task(name="pcsync.sync_engagements", bind=True, max_retries=None)
def sync_engagements(self, full: bool = False) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority=PRIORITY)
    with retrying(self):
        report = run_engagement_sync(run, full=full)
    if report is None:
        log.info("engagements.cycle_skipped", extra={"reason": "previous cycle still running"})
        return "skipped"
    continue_draining(report.drain)
    return f"marked {report.marked}, {'full' if report.full else 'incremental'}"


@shared_task(name="pcsync.refresh_engagement", bind=True, max_retries=None)
def refresh_engagement(self, kind: str, object_id: str) -> str:
    """React to a Partner Central event (ids only; everything re-read)."""
    run = Run(actor=self.name, task_id=self.request.id, source="partner_central", priority=PRIORITY)
    with pending_run(self, kind, object_id):
        if kind == OPPORTUNITY_KEY:
            opportunity_ids = [object_id]
        else:
            opportunity_ids = opportunities_of_engagement(run, object_id)
        with runtime.database().transaction() as session:
            marked = mark_opportunities_dirty(session, opportunity_ids)
        report = drain(run)
    continue_draining(report)
    return f"marked {marked}"


@shared_task(name="pcsync.drain_engagements", bind=True, max_retries=None)
def drain_engagements(self) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority=PRIORITY)
    with pending_run(self, *DRAIN_KEY):
        report = drain(run)
    continue_draining(report)
    return "busy" if report is None else f"refreshed {report.refreshed}"


def continue_draining(report) -> None:
    """A drain that found another one running, or stopped at its time budget
    with links left, continues in `pcsync.drain_engagements`."""
    if report is None:
        queue_drain(countdown=DRAIN_BUSY_COUNTDOWN_SECONDS)
    elif report.remaining:
        queue_drain()
