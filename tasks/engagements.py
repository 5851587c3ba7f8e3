"""Tasks for the AWS engagement lifecycle on deals (workers/sync/engagements).

- `pcsync.sync_engagements` (beat, every PCSYNC_ENGAGEMENT_SYNC_MINUTES):
  one cycle, detect then drain. Beat's `expires` and the cycle's singleton
  lock keep runs from overlapping; a second trigger while one runs is
  audited as skipped.
- `pcsync.refresh_engagement(kind, id)`: a Partner Central event about an
  opportunity or an engagement marks the affected links dirty and drains.
- `pcsync.drain_engagements`: continues a drain that ran out of its time
  budget or found another drain running; queued at most once at a time.
- The ingest queues the refreshes by name (`workers.dispatch`), routed by
  ingest/pc_events.py.

All of it runs at background priority: the engagement properties are
information for sales reps, and the last of the daily Partner Central
budget is better spent on the deal sync.
"""

from __future__ import annotations

from celery import shared_task

from tasks.pending import pending_run
from workers.dispatch import DRAIN_KEY, queue_drain
from workers.dispatch import ENGAGEMENT_OPPORTUNITY_KEY as OPPORTUNITY_KEY
from workers.sync.context import Run
from workers.sync.engagements import (
    DrainReport,
    drain,
    drain_follow_up,
    refresh_after_event,
    run_engagement_sync,
)
from workers.task_policy import retrying

PRIORITY = "background"


# -- tasks ------------------------------------------------------------------------------------


@shared_task(name="pcsync.sync_engagements", bind=True, max_retries=None)
def sync_engagements(self, full: bool = False) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority=PRIORITY)
    with retrying(self):
        report = run_engagement_sync(run, full=full)
    if report is None:
        return "skipped"
    continue_draining(report.drain)
    return f"marked {report.marked}, {'full' if report.full else 'incremental'}"


@shared_task(name="pcsync.refresh_engagement", bind=True, max_retries=None)
def refresh_engagement(self, kind: str, object_id: str) -> str:
    """React to a Partner Central event (ids only; everything re-read)."""
    run = Run(actor=self.name, task_id=self.request.id, source="partner_central", priority=PRIORITY)
    subject = "opportunity_id" if kind == OPPORTUNITY_KEY else "engagement_id"
    with pending_run(self, kind, object_id):
        refreshed = refresh_after_event(run, **{subject: object_id})
    continue_draining(refreshed.drain)
    return f"marked {refreshed.marked}"


@shared_task(name="pcsync.drain_engagements", bind=True, max_retries=None)
def drain_engagements(self) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority=PRIORITY)
    with pending_run(self, *DRAIN_KEY):
        report = drain(run)
    continue_draining(report)
    return "busy" if report is None else f"refreshed {report.refreshed}"


def continue_draining(report: DrainReport | None) -> None:
    """A drain that found another one running, or stopped at its time budget
    with links left, continues in `pcsync.drain_engagements`."""
    countdown = drain_follow_up(report)
    if countdown is not None:
        queue_drain(countdown=countdown)
