"""Tasks for the AWS engagement lifecycle on deals (workers/sync/engagements).

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

from celery import shared_task

from models.inbox import mark_pending
from pcsync import runtime
from tasks.pending import pending_run
from workers.publishing import publish_after_commit
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
# Pending-marker keys (models.inbox): one debounced task per object.
OPPORTUNITY_KEY = "engagement_opp"
ENGAGEMENT_KEY = "engagement"
DRAIN_KEY = ("engagement_drain", "all")

# Partner Central events
# (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html)
# that can change what a deal shows, and where each names its opportunity or engagement.
OPPORTUNITY_EVENTS = frozenset({"Opportunity Updated"})
ENGAGEMENT_EVENTS = {
    "Engagement Created": ("engagement", "engagementId"),
    "Engagement Updated": ("engagement", "engagementId"),
    "Engagement Member Added": ("engagement", "id"),
    "Engagement Member Joined": ("engagement", "id"),
    "Engagement Invitation Accepted": ("engagementInvitation", "engagementId"),
    "Engagement Invitation Rejected": ("engagementInvitation", "engagementId"),
    "Engagement Invitation Expired": ("engagementInvitation", "engagementId"),
}


# -- queueing ---------------------------------------------------------------------------------


def _member(detail: dict, part: str, member: str) -> str | None:
    """detail[part][member] when it is a string; the sender controls the shape."""
    section = detail.get(part)
    value = section.get(member) if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def engagement_event_key(event: dict, catalog: str) -> tuple[str, str] | None:
    """The (kind, id) an event asks to refresh, or None. Pure."""
    kind = event.get("detail-type")
    detail = event.get("detail")
    if not isinstance(detail, dict) or detail.get("catalog") != catalog:
        return None
    if kind in OPPORTUNITY_EVENTS:
        opportunity_id = _member(detail, "opportunity", "identifier")
        return (OPPORTUNITY_KEY, opportunity_id) if opportunity_id else None
    if kind in ENGAGEMENT_EVENTS:
        engagement_id = _member(detail, *ENGAGEMENT_EVENTS[kind])
        return (ENGAGEMENT_KEY, engagement_id) if engagement_id else None
    return None


def queue_engagement_events(session, events: list[dict]) -> int:
    """Queue one debounced refresh per opportunity or engagement the newly
    recorded events name, in the caller's transaction (published after its
    commit). A burst of events about one engagement costs one refresh."""
    catalog = runtime.settings().pc_catalog
    keys = list(dict.fromkeys(k for k in (engagement_event_key(e, catalog) for e in events) if k))
    countdown = runtime.settings().debounce_seconds
    to_queue = mark_pending(session, keys, due_in=countdown)
    return publish_after_commit(
        session, (refresh_engagement.signature(key, countdown=countdown) for key in to_queue)
    )


def queue_drain(countdown: float = 0) -> bool:
    """Queue the drain task unless one is queued already."""
    with runtime.database().transaction() as session:
        if not mark_pending(session, [DRAIN_KEY], due_in=countdown):
            return False
        publish_after_commit(session, [drain_engagements.signature(countdown=countdown)])
    return True


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
