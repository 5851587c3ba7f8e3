"""What the console's forms do. Each action is one small adapter onto the
code the management API and the CLI already use, so a decision made on a page
is the same decision, audited the same way, as one made through the API.

Each returns a short sentence for the operator, or raises ActionRefused with
the reason (nothing changed).
"""

from __future__ import annotations

from contextlib import contextmanager

from models.base import utcnow
from models.conflicts import Conflict
from pcsync import runtime
from tasks.hubspot_sync import queue_object_syncs
from tasks.referrals import DecisionRefused, request_decision
from workers.failures import AlreadyReplayed, FailureNotFound, replay_failures
from workers.sync.context import Run
from workers.sync.deals import OpportunityBusy, find_link, opportunity_lock
from workers.sync.referrals import REJECTION_REASONS

CHOICES = ("hubspot", "partner_central", "value")


class ActionRefused(Exception):
    """The action cannot be done now; the message says why."""


def operator_run(operator: str) -> Run:
    return Run(actor=operator, task_id=None, source="operator")


# MERGE POINT (issue #11): the conflicts issue adds the one resolve function
# that `POST /api/conflicts/{id}/resolve` and the CLI share. Point this
# adapter at it (same arguments) and delete the interim body below.
def resolve_conflict(conflict_id: int, choice: str, value: str | None, operator: str) -> str:
    """Settle a pending conflict with HubSpot's side, Partner Central's side
    or a typed value.

    Interim body, with today's code: the three-way merge writes whichever side
    changed since the base, so the base is set to the losing side's value and
    a sync is queued; the worker then writes the winning value to the other
    system. A typed value needs a write to both systems, which only the
    shared resolve function does, so it is refused until then.
    """
    if choice not in CHOICES:
        raise ActionRefused(f"choose one of {', '.join(CHOICES)}")
    if choice == "value":
        raise ActionRefused("a typed value is not available yet; choose one side")
    with runtime.database().transaction() as session:
        conflict = session.get(Conflict, conflict_id)
        if conflict is None or conflict.status != "pending":
            raise ActionRefused(f"conflict {conflict_id} is not pending")
        deal_id, opportunity_id = conflict.hubspot_deal_id, conflict.opportunity_id
    loser = "partner_central" if choice == "hubspot" else "hubspot"
    with _opportunity_lock(opportunity_id), runtime.database().transaction() as session:
        conflict = session.get(Conflict, conflict_id, with_for_update=True)
        if conflict.status != "pending":
            raise ActionRefused(f"conflict {conflict_id} is not pending")
        link = find_link(session, deal_id)
        link.base_snapshot = {
            **(link.base_snapshot or {}),
            conflict.field_path: conflict.values[loser],
        }
        conflict.status, conflict.resolution, conflict.resolved_at = "resolved", choice, utcnow()
        operator_run(operator).audit(
            session,
            action="conflict.resolve",
            outcome="resolved",
            object_type="deal",
            object_id=deal_id,
            opportunity_id=opportunity_id,
            diff={"path": conflict.field_path, "choice": choice, **conflict.values},
            message=f"operator chose {choice} for {conflict.field_path}",
        )
        queue_object_syncs(session, [("deal", deal_id)], countdown=0)
    return f"{conflict.field_path}: {choice.replace('_', ' ')} wins; a sync is queued"


@contextmanager
def _opportunity_lock(opportunity_id: str | None):
    """The one-writer lock the sync takes, so a running sync cannot store its
    base over the resolution; busy means "try again in a moment"."""
    try:
        with opportunity_lock(opportunity_id):
            yield
    except OpportunityBusy as exc:
        raise ActionRefused(f"{exc}; try again in a moment") from exc


def replay(failure_ids: list[int] | None, operator: str) -> str:
    """Replay failed tasks (None: every one still failed) through workers.failures."""
    try:
        done = replay_failures(failure_ids, actor=operator)
    except (FailureNotFound, AlreadyReplayed) as exc:
        raise ActionRefused(str(exc)) from exc
    if not done:
        return "no failed tasks to replay"
    return f"replayed {', '.join(str(r.failure_id) for r in done)}"


def decide_referral(invitation_id: str, decision: str, reason: str | None, operator: str) -> str:
    """Accept or reject an AWS referral through the API's decision code."""
    if decision == "reject" and reason not in REJECTION_REASONS:
        raise ActionRefused(f"choose a rejection reason: {', '.join(REJECTION_REASONS)}")
    try:
        request_decision(invitation_id, decision, operator_run(operator), reason=reason)
    except DecisionRefused as exc:
        raise ActionRefused(str(exc)) from exc
    return f"{decision} of {invitation_id} queued"


def sync_now(deal_id: str, operator: str) -> str:
    """Queue the deal's sync at once: the same task a HubSpot change queues."""
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None:
            raise ActionRefused(f"deal {deal_id} is not linked")
        queued = queue_object_syncs(session, [("deal", deal_id)], countdown=0)
        operator_run(operator).audit(
            session,
            action="deal.sync_requested",
            outcome="queued" if queued else "already_queued",
            object_type="deal",
            object_id=deal_id,
            opportunity_id=link.opportunity_id,
        )
    return (
        f"sync of deal {deal_id} queued" if queued else f"deal {deal_id} already has a sync queued"
    )
