"""What the console's forms do. Each action is one small adapter onto the
code the management API and the CLI already use, so a decision made on a page
is the same decision, audited the same way, as one made through the API.

Each returns a short sentence for the operator, or raises ActionRefused with
the reason (nothing changed).
"""

from __future__ import annotations

from models.conflicts import Conflict
from pcsync import runtime
from workers.dispatch import queue_object_syncs, request_decision, request_resolution
from workers.errors import DecisionRefused
from workers.failures import AlreadyReplayed, FailureNotFound, replay_failures
from workers.sync.context import Run
from workers.sync.links import find_link
from workers.sync.referral_views import REJECTION_REASONS
from workers.sync.resolutions import Resolution, ResolutionError


class ActionRefused(Exception):
    """The action cannot be done now; the message says why."""


def operator_run(operator: str) -> Run:
    return Run(actor=operator, task_id=None, source="operator")


def resolve_conflict(conflict_id: int, choice: str, value: str | None, operator: str) -> str:
    """Settle a pending conflict with HubSpot's side, Partner Central's side
    or a typed value, through the same request the API's resolve endpoint
    makes: checked now (refusals name the reason), applied by a worker through
    the deal's one writer."""
    try:
        request_resolution(conflict_id, Resolution(choice, value or None), operator)
    except ResolutionError as exc:
        raise ActionRefused(exc.message) from exc
    with runtime.database().transaction() as session:
        field_path = session.get(Conflict, conflict_id).field_path
    return f"{field_path}: {choice.replace('_', ' ')} wins; a sync is queued"


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
