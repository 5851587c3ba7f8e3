"""Every publisher of a pcsync task, in one module, sending by task name.

The web ingest, the console, the CLI and the tasks themselves queue work
through these functions. They build messages by name through the Celery app
(`runtime.celery_app().signature(name)`; Celery sends an unregistered name
with `send_task`), so importing this module loads no task module and none of
the Partner Central client: the ingest stays a small process. The worker
registers the task modules itself (`celeryconfig.imports`).

Publishers that take a `session` publish after its commit
(`workers/publishing.py`): a task never runs against rows that were rolled
back, and a broker outage leaves committed pending markers for the sweeper.
Those that take a `producer` publish at once on the caller's connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from celery import Signature

from models.base import utcnow
from models.inbox import mark_pending
from pcsync import runtime
from workers.publishing import publish_after_commit, publish_now

if TYPE_CHECKING:
    from workers.sync.context import Run
    from workers.sync.resolutions import Resolution

SYNC_HUBSPOT_OBJECT = "pcsync.sync_hubspot_object"
REFRESH_ENGAGEMENT = "pcsync.refresh_engagement"
DRAIN_ENGAGEMENTS = "pcsync.drain_engagements"
IMPORT_INVITATION = "pcsync.import_invitation"
DECIDE_INVITATION = "pcsync.decide_invitation"
SUBMIT_OPPORTUNITY = "pcsync.submit_opportunity"
ASSIGN_OPPORTUNITY = "pcsync.assign_opportunity"
RESOLVE_CONFLICT = "pcsync.resolve_conflict"
CHANGE_RELATED_ENTITY = "pcsync.change_related_entity"
CREATE_SNAPSHOT = "pcsync.create_snapshot"
MIRROR_PARTNER_RESOURCES = "pcsync.mirror_partner_resources"

# Pending-marker keys (models.inbox) of the engagement refreshes: one
# debounced task per opportunity or engagement, one drain at a time.
ENGAGEMENT_OPPORTUNITY_KEY = "engagement_opp"
ENGAGEMENT_KEY = "engagement"
DRAIN_KEY = ("engagement_drain", "all")


def task(name: str, args: tuple = (), kwargs: dict | None = None, **options) -> Signature:
    """The message for task `name` (not imported here), with its options."""
    return runtime.celery_app().signature(name, args=args, kwargs=kwargs or {}, **options)


# -- pending objects (debounced, one task per object) ---------------------------------------


def queue_object_syncs(
    session, keys: list[tuple[str, str]], countdown: float, priority: str = "event"
) -> int:
    """Mark objects pending and queue one sync for each that has none queued.

    `priority="background"` (backfill, reconciliation) lets the task's API
    calls yield the last of the daily budget to event-driven work.
    """
    to_queue = mark_pending(session, keys, due_in=countdown)
    return publish_object_syncs(session, to_queue, countdown, priority)


def publish_object_syncs(
    session, to_queue: list[tuple[str, str]], countdown: float, priority: str = "event"
) -> int:
    """Queue the syncs of objects already marked pending (`mark_pending`
    said these need a task), after `session` commits."""
    return publish_after_commit(session, _object_syncs(to_queue, countdown, priority))


def send_object_syncs(to_queue: list[tuple[str, str]], countdown: float) -> int:
    """`publish_object_syncs` for objects whose marks are already committed."""
    return publish_now(_object_syncs(to_queue, countdown))


def _object_syncs(
    to_queue: list[tuple[str, str]], countdown: float, priority: str = "event"
) -> Iterable[Signature]:
    kwargs = {"priority": priority} if priority != "event" else {}
    return (task(SYNC_HUBSPOT_OBJECT, key, kwargs, countdown=countdown) for key in to_queue)


def queue_engagement_refreshes(session, keys: Iterable[tuple[str, str]]) -> int:
    """One debounced refresh per (kind, id) of ENGAGEMENT_OPPORTUNITY_KEY or
    ENGAGEMENT_KEY: a burst of events about one engagement costs one refresh."""
    countdown = runtime.settings().debounce_seconds
    to_queue = mark_pending(session, list(dict.fromkeys(keys)), due_in=countdown)
    return publish_after_commit(
        session, (task(REFRESH_ENGAGEMENT, key, countdown=countdown) for key in to_queue)
    )


def queue_drain(countdown: float = 0) -> bool:
    """Queue the engagement drain unless one is queued already."""
    with runtime.database().transaction() as session:
        if not mark_pending(session, [DRAIN_KEY], due_in=countdown):
            return False
        publish_after_commit(session, [task(DRAIN_ENGAGEMENTS, countdown=countdown)])
    return True


# -- referrals and submissions --------------------------------------------------------------


def queue_invitation_imports(session, work: Iterable[tuple[str, bool]]) -> int:
    """Import (or expire, when the flag says so) each (invitation id, expired)."""
    return publish_after_commit(
        session,
        (task(IMPORT_INVITATION, (i,), {"expired": expired}) for i, expired in dict.fromkeys(work)),
    )


def decision_task(
    invitation_id: str, decision: str, *, reason: str | None = None, requested_by: str, source: str
) -> Signature:
    """The task that carries out a recorded decision (publish it after the commit)."""
    return task(
        DECIDE_INVITATION,
        (invitation_id, decision),
        {"reason": reason, "requested_by": requested_by, "source": source},
    )


def request_decision(invitation_id: str, decision: str, run: Run, reason: str | None = None):
    """An operator's accept or reject (API and console): checked, audited and
    queued in one transaction, or DecisionRefused (workers.errors) with
    nothing changed."""
    from workers.sync import referrals  # the sync layer: loaded on use, not by the ingest

    with runtime.database().transaction() as session:
        row = referrals.decidable_invitation(session, invitation_id)
        referrals.record_decision_request(session, row, decision, run, reason=reason)
        # Published after the commit: the task never runs without its audit row.
        publish_after_commit(
            session,
            [
                decision_task(
                    invitation_id,
                    decision,
                    reason=reason,
                    requested_by=run.actor,
                    source=run.source,
                )
            ],
        )


def queue_submission(session, deal_id: str, run: Run) -> bool:
    """Record a submission request for a linked deal and queue its task, in the
    caller's transaction (published after its commit).
    False when the deal has no opportunity or a submission is under way."""
    from workers.sync import submission
    from workers.sync.deals import find_link

    link = find_link(session, deal_id)
    if link is None or link.opportunity_id is None:
        return False
    if not submission.request_submission(session, link, run):
        return False
    signature = task(
        SUBMIT_OPPORTUNITY, (deal_id,), {"requested_by": run.actor, "source": run.source}
    )
    publish_after_commit(session, [signature])
    return True


# -- operator requests ----------------------------------------------------------------------


def assignment_task(
    opportunity_id: str, *, owner_id: str | None, assignee: dict | None, requested_by: str
) -> Signature:
    """The task that carries out a requested assignment (publish it after the commit)."""
    return task(
        ASSIGN_OPPORTUNITY,
        (opportunity_id,),
        {"owner_id": owner_id, "assignee": assignee, "requested_by": requested_by},
    )


def queue_resolution(conflict_id: int, resolution: Resolution, requested_by: str, producer=None):
    task(
        RESOLVE_CONFLICT,
        (conflict_id, resolution.choice),
        {"value": resolution.value, "requested_by": requested_by},
    ).apply_async(producer=producer)


def request_resolution(conflict_id: int, resolution: Resolution, requested_by: str) -> str:
    """Check the resolution (ResolutionError: 404, 409 or 400, nothing queued)
    and queue it; returns the conflict's deal id. Web handlers call this."""
    from workers.sync.conflict_resolution import check_resolution

    with runtime.database().transaction() as session:
        conflict = check_resolution(session, conflict_id, resolution, utcnow().date())
        deal_id = conflict.hubspot_deal_id
    with runtime.celery_app().producer_or_acquire() as producer:
        queue_resolution(conflict_id, resolution, requested_by, producer=producer)
    return deal_id


def queue_related_entity_change(
    opportunity_id: str, kind: str, identifier: str, *, add: bool, requested_by: str, producer
) -> None:
    task(
        CHANGE_RELATED_ENTITY,
        (opportunity_id, kind, identifier, add),
        {"requested_by": requested_by},
    ).apply_async(producer=producer)


def queue_snapshot(snapshot_id: int, *, requested_by: str, producer) -> None:
    task(CREATE_SNAPSHOT, (snapshot_id,), {"requested_by": requested_by}).apply_async(
        producer=producer
    )


def queue_mirror(deal_ids, *, requested_by: str, producer) -> None:
    for deal_id in sorted(set(deal_ids)):
        task(MIRROR_PARTNER_RESOURCES, (deal_id,), {"requested_by": requested_by}).apply_async(
            producer=producer
        )
