"""AWS referrals: the engagement invitations AWS sends us become HubSpot deals
(`workers.sync.referral_import`), and an operator's decision accepts
(`workers.sync.referral_acceptance`) or rejects them in Partner Central.
The lifecycle and what the parts share are in `workers.sync.referral_state`;
whether an invitation may still be decided is one rule,
`workers.engine.invitations`.

Here: the commands the tasks run (the scheduled poll, an invitation event, a
decision), settling on what Partner Central reports, and what the API lists.

Crash safety of a rejection: RejectEngagementInvitation has no token; a
redelivery that meets a ConflictException reads the invitation and settles
on what AWS has (so does an acceptance that meets one).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models.invitations import Invitation
from pcsync import runtime
from workers.dispatch import decision_task
from workers.engine.invitations import OPEN_STATES, TERMINAL_STATES, Undecidable, is_past_deadline
from workers.engine.times import as_utc
from workers.errors import (
    ConflictError,
    DecisionRefused,
    InvalidDecision,
    PermanentError,
    RateLimited,
)
from workers.publishing import publish_after_commit
from workers.sync import referral_acceptance as acceptance
from workers.sync.context import Run
from workers.sync.lifecycle import Step, next_poll
from workers.sync.referral_import import import_invitation, list_pending_invitation_ids
from workers.sync.referral_state import (
    INVITATION,
    busy,
    expire,
    invitation_lock,
    move_shown,
)
from workers.sync.referral_views import REJECTION_REASONS, undecidable
from workers.sync.rules import DECISION_PROPERTY

log = logging.getLogger(__name__)

DECISIONS = ("accept", "reject")
# A decision made in HubSpot (a select property) carries no reason.
DEFAULT_REJECTION_REASON = "Other"
# Why an operator's decision is refused, as the API and the console say it.
REFUSALS = {
    Undecidable.NOT_IMPORTED: "the invitation's deal is still being created; try again shortly",
    Undecidable.CLOSED: "the invitation is {state}",
    Undecidable.PAST_DEADLINE: "the invitation's 15-day deadline has passed",
}
# Partner Central's InvitationStatus -> our state.
PARTNER_CENTRAL_STATES = {
    "PENDING": "pending",
    "ACCEPTED": "accepted",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
}
# The scheduled poll's singleton lock outlives a slow run but not the next
# schedule by much.
POLL_LOCK_TTL_SECONDS = 14 * 60
# A limiter wait this long means the daily budget is low, not a busy second.
BUDGET_WAIT_SKIP_SECONDS = 60.0
NO_DEAL_YET_RETRY_SECONDS = 30.0
GAVE_UP = "the acceptance task did not complete within a day"

# -- Partner Central says what happened ------------------------------------------------------


def settle_from_partner_central(invitation_id: str, run: Run) -> Step:
    """Bring the row in line with the invitation's status in Partner Central.

    Used when an invitation left the pending list, and when accepting or
    rejecting met a ConflictException (AWS no longer takes a response).
    """
    invitation = runtime.partner_central().call(
        "GetEngagementInvitation", priority=run.priority, Identifier=invitation_id
    )
    state = PARTNER_CENTRAL_STATES.get(invitation.get("Status") or "")
    if state is None or state == "pending":
        return Step("pending")
    if state == "expired":
        return Step(expire(invitation_id, run, "Partner Central reports the invitation EXPIRED"))
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
    if state == "accepted" and row is not None and row.state == "accepting":
        # Accepted by a task we have no id for (a lost response, or someone
        # accepting in Partner Central): follow that task to its opportunity.
        task = acceptance.find_task(invitation_id, run)
        if task is not None:
            acceptance.remember_task(invitation_id, task, run)
            return acceptance.finish(invitation_id, task, run)
    message = f"Partner Central reports the invitation {invitation['Status']}"
    settled = move_shown(invitation_id, state, run, action="invitation.settle", message=message)
    return Step(state if settled else "unchanged")


def refresh_open_invitations(listed: set[str], run: Run, now: datetime | None = None) -> dict:
    """Expire open invitations past their deadline; settle pending ones AWS no longer lists."""
    now = now or runtime.utc_now()
    with runtime.database().transaction() as session:
        rows = list(session.scalars(select(Invitation).where(Invitation.state.in_(OPEN_STATES))))
    counts = {"expired": 0, "settled": 0}
    for row in rows:
        if is_past_deadline(as_utc(row.expires_at), now):
            with invitation_lock(row.invitation_id) as held:
                if held and expire(row.invitation_id, run, "the 15-day deadline passed") != (
                    "unchanged"
                ):
                    counts["expired"] += 1
        elif row.state == "pending" and row.invitation_id not in listed:
            with invitation_lock(row.invitation_id) as held:
                if held and settle_from_partner_central(row.invitation_id, run).outcome not in (
                    "pending",
                    "unchanged",
                ):
                    counts["settled"] += 1
    return counts


# -- the poll and the events ----------------------------------------------------------------


@dataclass(frozen=True)
class PollResult:
    listed: int
    imported: int
    expired: int
    settled: int
    open_invitation_ids: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "listed": self.listed,
            "imported": self.imported,
            "expired": self.expired,
            "settled": self.settled,
        }


def poll_invitations(run: Run) -> PollResult:
    """One pass of the referral poll: import what is new, expire what is late."""
    listed = list_pending_invitation_ids(run)
    outcomes = [import_invitation(invitation_id, run) for invitation_id in listed]
    counts = refresh_open_invitations(set(listed), run)
    with runtime.database().transaction() as session:
        pending = tuple(
            session.scalars(
                select(Invitation.invitation_id).where(
                    Invitation.state == "pending", Invitation.hubspot_deal_id.is_not(None)
                )
            )
        )
    return PollResult(
        listed=len(listed),
        imported=outcomes.count("imported"),
        expired=counts["expired"],
        settled=counts["settled"],
        open_invitation_ids=pending,
    )


def scheduled_poll(run: Run) -> str:
    """The beat's poll, one at a time: "polled", "skipped" (the previous run
    is still going) or "deferred" (the daily budget is low). With
    PCSYNC_AUTO_ACCEPT_REFERRALS every pending invitation is accepted."""
    with runtime.locks().beat_singleton("poll_invitations", POLL_LOCK_TTL_SECONDS) as held:
        if not held:
            log.info("invitations.poll_skipped", extra={"reason": "previous run still going"})
            return "skipped"
        try:
            result = poll_invitations(run)
        except RateLimited as exc:
            if (exc.retry_after or 0) < BUDGET_WAIT_SKIP_SECONDS:
                raise  # a busy second: retried shortly
            # The daily budget is saved for event-driven work: skip this
            # round instead of piling retries onto the next schedules.
            log.info("invitations.poll_deferred", extra={"retry_after": exc.retry_after})
            return "deferred"
    auto = runtime.settings().auto_accept_referrals
    with runtime.database().transaction() as session:
        run.audit(
            session,
            action="invitations.poll",
            outcome="polled",
            diff={**result.as_dict(), "auto_accept": auto},
        )
        if auto:
            auto_accept(session, result.open_invitation_ids, run)
    return "polled"


def on_invitation_event(invitation_id: str, expired: bool, run: Run) -> str:
    """A Partner Central event about an invitation (its id only; the state is
    read again): settle an expired one, import a new one."""
    if expired:
        return settle_from_partner_central(invitation_id, run).outcome
    outcome = import_invitation(invitation_id, run)
    if outcome == "imported" and runtime.settings().auto_accept_referrals:
        with runtime.database().transaction() as session:
            auto_accept(session, [invitation_id], run)
    return outcome


def auto_accept(session, invitation_ids: Iterable[str], run: Run) -> int:
    """Accept the invitations as an operator would: each request audited,
    its task published after the caller's commit."""
    invitation_ids = list(invitation_ids)
    for invitation_id in invitation_ids:
        record_decision_request(session, session.get(Invitation, invitation_id), "accept", run)
    return publish_after_commit(
        session,
        (
            decision_task(i, "accept", requested_by="auto-accept", source="schedule")
            for i in invitation_ids
        ),
    )


# -- the decision ---------------------------------------------------------------------------


def rejection_problem(reason: str | None) -> str | None:
    """Why `reason` is not acceptable, or None."""
    if reason not in REJECTION_REASONS:
        return f"reason must be one of: {', '.join(REJECTION_REASONS)}"
    return None


def decision_from_deal(properties: dict[str, str | None]) -> str | None:
    value = (properties.get(DECISION_PROPERTY) or "").strip().lower()
    return value if value in DECISIONS else None


def decidable_invitation(session, invitation_id: str) -> Invitation:
    """The invitation, when an operator may decide it now; DecisionRefused
    (nothing changed) otherwise."""
    row = session.get(Invitation, invitation_id)
    if row is None:
        raise DecisionRefused(404, f"no invitation {invitation_id}")
    refusal = undecidable(row)
    if refusal is not None:
        raise DecisionRefused(409, REFUSALS[refusal].format(state=row.state))
    return row


def record_decision_request(
    session, row: Invitation, decision: str, run: Run, reason: str | None = None
) -> None:
    INVITATION.audit(
        session,
        run,
        row,
        action="invitation.decision",
        outcome="requested",
        diff={"decision": decision, "reason": reason},
    )


def decide(
    invitation_id: str, decision: str, run: Run, reason: str | None = None, poll_round: int = 0
) -> Step:
    """Carry out (or keep following) an operator's decision. Idempotent.
    `poll_round` counts the polls of an acceptance under way so far."""
    if decision not in DECISIONS:
        raise InvalidDecision(f"unknown decision {decision!r}", service="pcsync")
    with invitation_lock(invitation_id) as held:
        if not held:
            raise busy(invitation_id, "is busy")
        step = _decide(invitation_id, decision, run, reason)
    return next_poll(step, poll_round, lambda: acceptance.fail(invitation_id, GAVE_UP, run))


def _decide(invitation_id: str, decision: str, run: Run, reason: str | None) -> Step:
    action = f"invitation.{decision}"
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row is None:
            run.audit(
                session,
                action=action,
                outcome="unknown_invitation",
                object_type="invitation",
                object_id=invitation_id,
            )
            return Step("unknown_invitation")
        refusal = undecidable(row)
        if refusal is Undecidable.NOT_IMPORTED:
            # The poll completes the import first.
            raise busy(invitation_id, "has no deal yet", NO_DEAL_YET_RETRY_SECONDS)
        if row.state in TERMINAL_STATES:
            INVITATION.audit(session, run, row, action=action, outcome=f"already_{row.state}")
            return Step(f"already_{row.state}")
        if row.state == ("rejecting" if decision == "accept" else "accepting"):
            INVITATION.audit(
                session,
                run,
                row,
                action=action,
                outcome="decision_conflict",
                message=f"invitation is already {row.state}; the later decision is ignored",
            )
            return Step("decision_conflict")
    if refusal is Undecidable.PAST_DEADLINE:
        return Step(expire(invitation_id, run, "the 15-day deadline passed before deciding"))
    try:
        if decision == "accept":
            return acceptance.accept(invitation_id, run)
        return _reject(invitation_id, reason or DEFAULT_REJECTION_REASON, run)
    except ConflictError:
        # Already answered (our own earlier attempt, or AWS expired it).
        return settle_from_partner_central(invitation_id, run)


def _reject(invitation_id: str, reason: str, run: Run) -> Step:
    problem = rejection_problem(reason)
    if problem:
        raise InvalidDecision(problem, api_message=problem, service="pcsync")
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row.state in OPEN_STATES:
            row.payload = {**(row.payload or {}), "rejection_reason": reason}
            INVITATION.move(
                session, run, row, "rejecting", action="invitation.reject", message=reason
            )
    try:
        runtime.partner_central().call(
            "RejectEngagementInvitation",
            priority=run.priority,
            Identifier=invitation_id,
            RejectionReason=reason,
        )
    except PermanentError as exc:
        message = exc.api_message or str(exc)
        _settle_rejection(invitation_id, "failed", message, message, run)
        raise
    _settle_rejection(invitation_id, "rejected", reason, None, run)
    return Step("rejected")


def _settle_rejection(
    invitation_id: str, state: str, message: str, error: str | None, run: Run
) -> None:
    def keep_error(row: Invitation) -> None:
        row.last_error = error

    move_shown(
        invitation_id, state, run, action="invitation.reject", message=message, record=keep_error
    )
