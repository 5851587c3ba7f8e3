"""AWS referrals: the engagement invitations AWS sends us become HubSpot deals,
and an operator's decision accepts or rejects them in Partner Central.

The lifecycle is the one `models.invitations.ALLOWED_TRANSITIONS` declares;
every transition goes through `Invitation.move_to` and one audit row under the
running task's id (object_type "invitation", object_id the invitation id):

    listed PENDING ──► pending ──► accepting ──► accepted   (opportunity linked)
                          │            └──────► failed     (task FAILED; may decide again)
                          ├──────► rejecting ──► rejected
                          └──────► expired / accepted / rejected (seen in Partner Central)

Crash safety:
- import: the row is committed (state pending, no deal) before the deal is
  created, and the deal carries the invitation id in a unique-value property,
  so HubSpot refuses a second one after a crash between the two and the first
  is read back by that property;
- accept: the ClientToken is derived from the invitation and the number of
  earlier failed attempts (counted in the audit trail), so a redelivered task
  gets the same Partner Central task back, and a deliberate retry after a
  failure gets a new one; the task id is stored before polling;
- reject: RejectEngagementInvitation has no token; a redelivery that meets a
  ConflictException reads the invitation and settles on what AWS has.

No worker ever sleeps: an IN_PROGRESS acceptance returns `Decided(poll_again=True)`
and the Celery task re-queues itself with a countdown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from models.audit import AuditEntry
from models.invitations import ALLOWED_TRANSITIONS, Invitation
from models.links import OpportunityLink
from pcsync import runtime
from workers.clients.hubspot import AlreadyExists
from workers.engine import client_token, extract_pc_fields, pc_to_hubspot
from workers.errors import ConflictError, NotFound, PermanentError, RetryableError
from workers.sync.context import Run
from workers.sync.deal_status import write_deal_status
from workers.sync.deals import find_link
from workers.sync.rules import DECISION_PROPERTY, REFERRAL_PROPERTY

log = logging.getLogger(__name__)

STATUS_PROPERTY = "aws_invitation_status"
EXPIRES_PROPERTY = "aws_invitation_expires_at"
DECISIONS = ("accept", "reject")
# RejectEngagementInvitation.RejectionReason: the model only bounds it (1-80
# printable characters); these are the values AWS documents ("Responding to
# an invitation", https://docs.aws.amazon.com/partner-central/latest/developer-guide/).
REJECTION_REASONS = (
    "Customer problem unclear",
    "Next steps unclear",
    "Unable to support",
    "Duplicate of partner referral",
    "Other",
)
# A decision made in HubSpot (a select property) carries no reason.
DEFAULT_REJECTION_REASON = "Other"
# States in which an operator may still decide.
OPEN_STATES = frozenset({"pending", "failed"})
TERMINAL_STATES = frozenset({"accepted", "rejected", "expired"})

# Partner Central's InvitationStatus -> our state.
PARTNER_CENTRAL_STATES = {
    "PENDING": "pending",
    "ACCEPTED": "accepted",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
}

INVITATION_LOCK_TTL_SECONDS = 300
LOCK_BUSY_RETRY_SECONDS = 3.0
IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"


class InvitationBusy(RetryableError):
    """Another worker is deciding or importing this invitation; try again shortly."""


@dataclass(frozen=True)
class Decided:
    outcome: str
    # True while Partner Central's acceptance task is IN_PROGRESS: the caller
    # re-queues itself with a countdown instead of waiting.
    poll_again: bool = False


# -- small helpers -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(value: Any) -> Any:
    """A boto3 response as JSON (timestamps become ISO strings)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _hubspot_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _as_utc(moment: datetime | str | None) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def invitation_lock(invitation_id: str):
    """One worker at a time per invitation (import, decision, expiry)."""
    name = f"invitation:{runtime.settings().pc_catalog}:{invitation_id}"
    return runtime.locks().try_lock(name, INVITATION_LOCK_TTL_SECONDS)


def audit_invitation(
    session, run: Run, action: str, outcome: str, row: Invitation, **details
) -> None:
    diff = {"deal_id": row.hubspot_deal_id, **(details.pop("diff", None) or {})}
    run.audit(
        session,
        action=action,
        outcome=outcome,
        object_type="invitation",
        object_id=row.invitation_id,
        opportunity_id=row.opportunity_id,
        diff=diff,
        **details,
    )


def transition(
    session, row: Invitation, state: str, run: Run, action: str, message: str | None = None
) -> None:
    """Move the invitation (refused unless allowed) and audit the move."""
    previous = row.move_to(state)
    audit_invitation(
        session, run, action, state, row, diff={"from": previous, "to": state}, message=message
    )


def show_on_deal(row: Invitation, properties: dict[str, str]) -> None:
    """Write the referral's state to its deal; a deal deleted meanwhile is not an error."""
    if not row.hubspot_deal_id:
        return
    try:
        runtime.hubspot().update_object("deals", row.hubspot_deal_id, properties)
    except NotFound:
        log.warning("invitation.deal_gone", extra={"invitation_id": row.invitation_id})


def status_value(state: str) -> str:
    """What the deal shows in aws_invitation_status (PENDING, ACCEPTED, ...)."""
    return state.upper()


def is_past_deadline(row: Invitation, now: datetime | None = None) -> bool:
    expires = _as_utc(row.expires_at)
    return expires is not None and expires <= (now or _now())


# -- import: listed invitations become deals -------------------------------------------------


def list_pending_invitation_ids(run: Run) -> list[str]:
    """Every pending AWS referral addressed to us, all pages."""
    summaries = runtime.partner_central().paginate(
        "ListEngagementInvitations",
        "EngagementInvitationSummaries",
        priority=run.priority,
        ParticipantType="RECEIVER",
        Status=["PENDING"],
        PayloadType=["OpportunityInvitation"],
        MaxResults=100,
    )
    return list(dict.fromkeys(s["Id"] for s in summaries))


def referral_deal_properties(invitation: dict) -> dict[str, str]:
    """The HubSpot deal that shows one referral.

    The invitation's project is read as an opportunity and pulled through the
    engine's own field mapping, so amount, close date, stage and description
    land in HubSpot exactly as a later sync would write them. The name is the
    project title and deliberately not tagged #AWS: the deal must not create
    an opportunity of its own.
    """
    payload = (invitation.get("Payload") or {}).get("OpportunityInvitation") or {}
    project = payload.get("Project") or {}
    as_opportunity = {
        "Project": {
            "CustomerBusinessProblem": project.get("BusinessProblem"),
            "ExpectedCustomerSpend": project.get("ExpectedCustomerSpend"),
        },
        # Partner Central opens an accepted referral at Prospect.
        "LifeCycle": {"Stage": "Prospect", "TargetCloseDate": project.get("TargetCompletionDate")},
    }
    config = runtime.engine_config()
    pulled = pc_to_hubspot(extract_pc_fields(as_opportunity, config), config).get("deal") or {}
    title = project.get("Title") or invitation.get("EngagementTitle") or "AWS referral"
    properties = {name: value for name, value in pulled.items() if value}
    properties.update(
        {
            "dealname": title,
            "pipeline": config.default_pipeline,
            REFERRAL_PROPERTY: invitation["Id"],
            STATUS_PROPERTY: status_value("pending"),
        }
    )
    expires = _as_utc(invitation.get("ExpirationDate"))
    if expires:
        properties[EXPIRES_PROPERTY] = _hubspot_datetime(expires)
    return properties


def create_referral_deal(invitation: dict) -> tuple[str, bool]:
    """The deal that shows the referral: (deal id, whether an earlier run had
    made it already). ``aws_invitation_id`` is a unique-value property, so
    HubSpot itself refuses a second deal for one invitation; the one a run
    that crashed before storing its id made is then read by that property
    (at once: the search index lags writes and cannot be trusted for this)."""
    hubspot = runtime.hubspot()
    try:
        created = hubspot.create_object("deals", referral_deal_properties(invitation))
    except AlreadyExists:
        existing = hubspot.get_object_by("deals", REFERRAL_PROPERTY, invitation["Id"])
        if existing is None:
            raise
        return str(existing["id"]), True
    return str(created["id"]), False


def _record_invitation(invitation: dict, run: Run) -> Invitation:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation["Id"])
        if row is None:
            row = Invitation(
                invitation_id=invitation["Id"],
                catalog=runtime.settings().pc_catalog,
                engagement_id=invitation.get("EngagementId"),
                state="pending",
                expires_at=_as_utc(invitation.get("ExpirationDate")),
                payload={"invitation": _jsonable(invitation)},
            )
            session.add(row)
            session.flush()
            audit_invitation(
                session,
                run,
                "invitation.received",
                "pending",
                row,
                diff={"expires_at": row.expires_at.isoformat() if row.expires_at else None},
                message=(invitation.get("EngagementTitle") or "")[:255] or None,
            )
        return row


def import_invitation(invitation_id: str, run: Run) -> str:
    """Make sure a pending invitation has its row and its deal. Idempotent.

    Returns "imported", "known" (already has a deal), "busy" (another worker
    holds it: it will finish the job) or "not_pending" (nothing to show).
    """
    with invitation_lock(invitation_id) as held:
        if not held:
            return "busy"
        with runtime.database().transaction() as session:
            row = session.get(Invitation, invitation_id)
        if row is not None and row.hubspot_deal_id:
            return "known"
        if row is None:
            invitation = runtime.partner_central().call(
                "GetEngagementInvitation", priority=run.priority, Identifier=invitation_id
            )
            if (
                invitation.get("Status") != "PENDING"
                or invitation.get("PayloadType") != "OpportunityInvitation"
            ):
                return "not_pending"
            row = _record_invitation(invitation, run)
        invitation = (row.payload or {}).get("invitation") or {"Id": invitation_id}
        deal_id, found = create_referral_deal(invitation)
        with runtime.database().transaction() as session:
            stored = session.get(Invitation, invitation_id)
            stored.hubspot_deal_id = deal_id
            audit_invitation(
                session,
                run,
                "invitation.deal",
                "found" if found else "created",
                stored,
                message="deal made by an earlier run found by aws_invitation_id" if found else None,
            )
    return "imported"


# -- Partner Central says what happened ------------------------------------------------------


def expire(invitation_id: str, run: Run, reason: str) -> str:
    """Deadline passed (or AWS said EXPIRED): state expired, shown on the deal."""
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row is None or row.state == "expired":
            return "unchanged"
        if "expired" not in _allowed(row):
            return "unchanged"
        transition(session, row, "expired", run, "invitation.expire", message=reason)
        show_on_deal(row, {STATUS_PROPERTY: status_value("expired")})
    return "expired"


def _allowed(row: Invitation) -> frozenset[str]:
    return ALLOWED_TRANSITIONS[row.state]


def settle_from_partner_central(invitation_id: str, run: Run) -> Decided:
    """Bring the row in line with the invitation's status in Partner Central.

    Used when an invitation left the pending list, and when accepting or
    rejecting met a ConflictException (AWS no longer takes a response).
    """
    invitation = runtime.partner_central().call(
        "GetEngagementInvitation", priority=run.priority, Identifier=invitation_id
    )
    state = PARTNER_CENTRAL_STATES.get(invitation.get("Status") or "")
    if state is None or state == "pending":
        return Decided("pending")
    if state == "expired":
        return Decided(expire(invitation_id, run, "Partner Central reports the invitation EXPIRED"))
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
    if state == "accepted" and row is not None and row.state == "accepting":
        # Accepted by a task we have no id for (a lost response, or someone
        # accepting in Partner Central): follow that task to its opportunity.
        task = _find_accept_task(invitation_id, run)
        if task is not None:
            _remember_accept_task(invitation_id, task, run)
            return _finish_accept(invitation_id, task, run)
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row is None or state not in _allowed(row):
            return Decided("unchanged")
        transition(
            session,
            row,
            state,
            run,
            "invitation.settle",
            message=f"Partner Central reports the invitation {invitation['Status']}",
        )
        show_on_deal(row, {STATUS_PROPERTY: status_value(state)})
    return Decided(state)


def refresh_open_invitations(listed: set[str], run: Run, now: datetime | None = None) -> dict:
    """Expire open invitations past their deadline; settle pending ones AWS no longer lists."""
    now = now or _now()
    with runtime.database().transaction() as session:
        rows = list(session.scalars(select(Invitation).where(Invitation.state.in_(OPEN_STATES))))
    counts = {"expired": 0, "settled": 0}
    for row in rows:
        if is_past_deadline(row, now):
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


# -- the decision ---------------------------------------------------------------------------


def rejection_problem(reason: str | None) -> str | None:
    """Why `reason` is not acceptable, or None."""
    if reason not in REJECTION_REASONS:
        return f"reason must be one of: {', '.join(REJECTION_REASONS)}"
    return None


def decision_from_deal(properties: dict[str, str | None]) -> str | None:
    value = (properties.get(DECISION_PROPERTY) or "").strip().lower()
    return value if value in DECISIONS else None


def decide(invitation_id: str, decision: str, run: Run, reason: str | None = None) -> Decided:
    """Carry out (or keep following) an operator's decision. Idempotent."""
    if decision not in DECISIONS:
        raise PermanentError(f"unknown decision {decision!r}", service="pcsync")
    with invitation_lock(invitation_id) as held:
        if not held:
            raise InvitationBusy(
                f"invitation {invitation_id} is busy",
                retry_after=LOCK_BUSY_RETRY_SECONDS,
                service="pcsync",
            )
        with runtime.database().transaction() as session:
            row = session.get(Invitation, invitation_id)
            if row is None:
                run.audit(
                    session,
                    action=f"invitation.{decision}",
                    outcome="unknown_invitation",
                    object_type="invitation",
                    object_id=invitation_id,
                )
                return Decided("unknown_invitation")
            if row.hubspot_deal_id is None:
                # The import has not finished; the poll completes it first.
                raise InvitationBusy(
                    f"invitation {invitation_id} has no deal yet",
                    retry_after=30.0,
                    service="pcsync",
                )
            if row.state in TERMINAL_STATES:
                audit_invitation(
                    session, run, f"invitation.{decision}", f"already_{row.state}", row
                )
                return Decided(f"already_{row.state}")
            contrary = "rejecting" if decision == "accept" else "accepting"
            if row.state == contrary:
                audit_invitation(
                    session,
                    run,
                    f"invitation.{decision}",
                    "decision_conflict",
                    row,
                    message=f"invitation is already {row.state}; the later decision is ignored",
                )
                return Decided("decision_conflict")
        if row.state in OPEN_STATES and is_past_deadline(row):
            return Decided(expire(invitation_id, run, "the 15-day deadline passed before deciding"))
        if decision == "accept":
            return _accept(invitation_id, run)
        return _reject(invitation_id, reason or DEFAULT_REJECTION_REASON, run)


def _failed_attempts(session, invitation_id: str, action: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.object_type == "invitation",
            AuditEntry.object_id == invitation_id,
            AuditEntry.action == action,
            AuditEntry.outcome == "failed",
        )
    )


def accept_token(session, row: Invitation) -> str:
    """Same token for a redelivery, a new one after each recorded failure."""
    attempt = 1 + _failed_attempts(session, row.invitation_id, "invitation.accept")
    return client_token(
        runtime.settings().hubspot_portal_id or "0",
        row.hubspot_deal_id or "0",
        f"accept-{row.invitation_id}-{attempt}",
    )


def _accept(invitation_id: str, run: Run) -> Decided:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row.state in OPEN_STATES:
            row.task_id = None  # a failed earlier attempt's task is not ours to poll
            transition(session, row, "accepting", run, "invitation.accept")
            show_on_deal(row, {STATUS_PROPERTY: status_value("accepting")})
        token = accept_token(session, row)
        task_id = row.task_id
    pc = runtime.partner_central()
    if task_id is None:
        try:
            task = pc.call(
                "StartEngagementByAcceptingInvitationTask",
                priority=run.priority,
                ClientToken=token,
                Identifier=invitation_id,
            )
        except ConflictError:
            return settle_from_partner_central(invitation_id, run)
        except PermanentError as exc:
            fail_acceptance(invitation_id, exc.api_message or str(exc), run)
            raise
        _remember_accept_task(invitation_id, task, run)
    else:
        task = _accept_task(task_id, run)
        if task is None:
            raise RetryableError(
                f"acceptance task {task_id} not listed yet",
                retry_after=5.0,
                service="partnercentral",
                operation="ListEngagementByAcceptingInvitationTasks",
            )
    return _finish_accept(invitation_id, task, run)


def _remember_accept_task(invitation_id: str, task: dict, run: Run) -> None:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        row.task_id = task["TaskId"]
        audit_invitation(
            session,
            run,
            "invitation.accept",
            "task_started",
            row,
            diff={"task_id": task["TaskId"], "task_status": task.get("TaskStatus")},
        )


def _accept_task(task_id: str, run: Run) -> dict | None:
    response = runtime.partner_central().call(
        "ListEngagementByAcceptingInvitationTasks",
        priority=run.priority,
        TaskIdentifier=[task_id],
    )
    return next(iter(response.get("TaskSummaries") or []), None)


def _find_accept_task(invitation_id: str, run: Run) -> dict | None:
    tasks = runtime.partner_central().paginate(
        "ListEngagementByAcceptingInvitationTasks",
        "TaskSummaries",
        priority=run.priority,
        EngagementInvitationIdentifier=[invitation_id],
        Sort={"SortBy": "StartTime", "SortOrder": "DESCENDING"},
    )
    return next(iter(tasks), None)


def _finish_accept(invitation_id: str, task: dict, run: Run) -> Decided:
    status = task.get("TaskStatus")
    if status == COMPLETE and task.get("OpportunityId"):
        link_accepted_opportunity(invitation_id, task["OpportunityId"], run)
        return Decided("accepted")
    if status == FAILED:
        message = f"{task.get('ReasonCode') or 'Failed'}: {task.get('Message') or ''}".strip()
        fail_acceptance(invitation_id, message, run)
        return Decided("failed")
    return Decided("in_progress", poll_again=True)


def fail_acceptance(invitation_id: str, message: str, run: Run) -> None:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if "failed" not in _allowed(row):
            return
        row.last_error = message
        transition(session, row, "failed", run, "invitation.accept", message=message)
        show_on_deal(
            row, {STATUS_PROPERTY: status_value("failed"), "aws_sync_error": message[:65000]}
        )


def link_accepted_opportunity(invitation_id: str, opportunity_id: str, run: Run) -> None:
    """Tie the opportunity acceptance created to the referral's deal.

    The base snapshot is the opportunity as read now, and the deal receives
    the mapped values that sync back to HubSpot, so both sides start out
    agreeing and the next sync has nothing to write.
    """
    pc, hubspot, config = runtime.partner_central(), runtime.hubspot(), runtime.engine_config()
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    base = extract_pc_fields(opportunity, config)
    pulled = pc_to_hubspot(base, config).get("deal") or {}
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        link = find_link(session, row.hubspot_deal_id)
        if link is None:
            link = OpportunityLink(
                hubspot_deal_id=row.hubspot_deal_id,
                catalog=row.catalog,
                client_token=accept_token(session, row),
                create_attempt=1,
            )
            session.add(link)
        link.opportunity_id = opportunity_id
        link.engagement_id = row.engagement_id
        link.last_modified_date = opportunity["LastModifiedDate"].isoformat()
        link.review_status = review_status
        link.base_snapshot = base
        link.sync_status = "linked"
        link.last_error = None
        session.flush()
        row.opportunity_id = opportunity_id
        row.last_error = None
        write_deal_status(
            hubspot,
            link,
            {
                "aws_opportunity_id": opportunity_id,
                "aws_review_status": review_status or "",
                "aws_sync_status": "linked",
                "aws_sync_error": "",
                STATUS_PROPERTY: status_value("accepted"),
            },
            extra=pulled,
        )
        transition(
            session,
            row,
            "accepted",
            run,
            "invitation.accept",
            message=f"opportunity {opportunity_id} linked to deal {row.hubspot_deal_id}",
        )


def _reject(invitation_id: str, reason: str, run: Run) -> Decided:
    problem = rejection_problem(reason)
    if problem:
        raise PermanentError(problem, api_message=problem, service="pcsync")
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row.state in OPEN_STATES:
            row.payload = {**(row.payload or {}), "rejection_reason": reason}
            transition(session, row, "rejecting", run, "invitation.reject", message=reason)
    try:
        runtime.partner_central().call(
            "RejectEngagementInvitation",
            priority=run.priority,
            Identifier=invitation_id,
            RejectionReason=reason,
        )
    except ConflictError:
        # Already answered (our own earlier attempt, or AWS expired it).
        return settle_from_partner_central(invitation_id, run)
    except PermanentError as exc:
        message = exc.api_message or str(exc)
        with runtime.database().transaction() as session:
            row = session.get(Invitation, invitation_id)
            row.last_error = message
            transition(session, row, "failed", run, "invitation.reject", message=message)
            show_on_deal(row, {STATUS_PROPERTY: status_value("failed")})
        raise
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        row.last_error = None
        transition(session, row, "rejected", run, "invitation.reject", message=reason)
        show_on_deal(row, {STATUS_PROPERTY: status_value("rejected")})
    return Decided("rejected")


# -- what the API lists -----------------------------------------------------------------------


def invitation_view(row: Invitation, now: datetime | None = None) -> dict:
    invitation = (row.payload or {}).get("invitation") or {}
    project = ((invitation.get("Payload") or {}).get("OpportunityInvitation") or {}).get(
        "Project"
    ) or {}
    expires = _as_utc(row.expires_at)
    now = now or _now()
    return {
        "invitation_id": row.invitation_id,
        "state": row.state,
        "title": project.get("Title") or invitation.get("EngagementTitle"),
        "hubspot_deal_id": row.hubspot_deal_id,
        "opportunity_id": row.opportunity_id,
        "engagement_id": row.engagement_id,
        "expires_at": expires,
        "seconds_left": max(0, int((expires - now).total_seconds())) if expires else None,
        "decidable": row.state in OPEN_STATES and not is_past_deadline(row, now),
        "last_error": row.last_error,
    }
