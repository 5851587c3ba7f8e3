"""Accepting an AWS referral: start Partner Central's acceptance task, poll
it, and link the opportunity it creates to the referral's deal (the same
start / poll / finish shape as `workers.sync.submission`).

Crash safety: the ClientToken is derived from the invitation and the number
of earlier failed attempts (counted in the audit trail), so a redelivered
task gets the same Partner Central task back, and a deliberate retry after
a failure gets a new one; the task id is stored before polling.

No worker ever sleeps: an IN_PROGRESS acceptance returns a `Step` with
`poll_in`, and the Celery task re-queues itself with that countdown. A
ConflictException (AWS no longer takes a response) is left to the caller,
which settles on what Partner Central has.
"""

from __future__ import annotations

from models.invitations import Invitation
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import extract_pc_fields, pc_to_hubspot
from workers.errors import PermanentError
from workers.sync.context import Run
from workers.sync.lifecycle import (
    COMPLETE,
    FAILED,
    STILL_RUNNING,
    Step,
    read_task,
    task_failure,
    write_status_then_record,
)
from workers.sync.links import find_link
from workers.sync.referral_state import INVITATION, STATUS_PROPERTY, move_shown, status_value

ACTION = "invitation.accept"
TASKS = "ListEngagementByAcceptingInvitationTasks"


def accept_token(session, row: Invitation) -> str:
    """Same token for a redelivery, a new one after each recorded failure."""
    return INVITATION.attempt_token(
        session,
        row,
        action=ACTION,
        ended=("failed",),
        deal_id=row.hubspot_deal_id or "0",
        label=f"accept-{row.invitation_id}",
    )


def _forget_task(row: Invitation) -> None:
    row.task_id = None  # a failed earlier attempt's task is not ours to poll


def accept(invitation_id: str, run: Run) -> Step:
    """Start the acceptance (an open invitation), or follow the one under way."""
    move_shown(invitation_id, "accepting", run, action=ACTION, record=_forget_task)
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        token, task_id = accept_token(session, row), row.task_id
    if task_id is not None:
        return finish(invitation_id, read_task(TASKS, task_id, run), run)
    try:
        task = runtime.partner_central().call(
            "StartEngagementByAcceptingInvitationTask",
            priority=run.priority,
            ClientToken=token,
            Identifier=invitation_id,
        )
    except PermanentError as exc:
        fail(invitation_id, exc.api_message or str(exc), run)
        raise
    remember_task(invitation_id, task, run)
    return finish(invitation_id, task, run)


def remember_task(invitation_id: str, task: dict, run: Run) -> None:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        row.task_id = task["TaskId"]
        INVITATION.audit(
            session,
            run,
            row,
            action=ACTION,
            outcome="task_started",
            diff={"task_id": task["TaskId"], "task_status": task.get("TaskStatus")},
        )


def find_task(invitation_id: str, run: Run) -> dict | None:
    """The latest acceptance task of the invitation, whoever started it."""
    tasks = runtime.partner_central().paginate(
        TASKS,
        "TaskSummaries",
        priority=run.priority,
        EngagementInvitationIdentifier=[invitation_id],
        Sort={"SortBy": "StartTime", "SortOrder": "DESCENDING"},
    )
    return next(iter(tasks), None)


def finish(invitation_id: str, task: dict, run: Run) -> Step:
    status = task.get("TaskStatus")
    if status == COMPLETE and task.get("OpportunityId"):
        link_accepted_opportunity(invitation_id, task["OpportunityId"], run)
        return Step("accepted")
    if status == FAILED:
        fail(invitation_id, task_failure(task), run)
        return Step("failed")
    return STILL_RUNNING


def fail(invitation_id: str, message: str, run: Run) -> None:
    """An acceptance that will not succeed: failed, on the row and the deal
    (the operator may decide again)."""

    def keep_error(row: Invitation) -> None:
        row.last_error = message

    move_shown(
        invitation_id,
        "failed",
        run,
        action=ACTION,
        message=message,
        shown={"aws_sync_error": message[:65000]},
        record=keep_error,
    )


def link_accepted_opportunity(invitation_id: str, opportunity_id: str, run: Run) -> None:
    """Tie the opportunity acceptance created to the referral's deal.

    The base snapshot is the opportunity as read now, and the deal receives
    the mapped values that sync back to HubSpot, so both sides start out
    agreeing and the next sync has nothing to write. The link is stored
    first, the deal written next, and the invitation accepted last: a run
    that stops in between is carried to the end by the next poll.
    """
    pc, config = runtime.partner_central(), runtime.engine_config()
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    base = extract_pc_fields(opportunity, config)
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        link = find_link(session, row.hubspot_deal_id) or _new_link(session, row)
        link.opportunity_id = opportunity_id
        link.engagement_id = row.engagement_id
        link.last_modified_date = opportunity["LastModifiedDate"].isoformat()
        link.review_status = review_status
        link.base_snapshot = base
        link.sync_status = "linked"
        link.last_error = None
        row.opportunity_id = opportunity_id
        row.last_error = None
        deal_id = row.hubspot_deal_id

    def accepted(session, _link: OpportunityLink, _sent: dict) -> None:
        INVITATION.move(
            session,
            run,
            session.get(Invitation, invitation_id),
            "accepted",
            action=ACTION,
            message=f"opportunity {opportunity_id} linked to deal {deal_id}",
        )

    write_status_then_record(
        deal_id,
        {
            "aws_opportunity_id": opportunity_id,
            "aws_review_status": review_status or "",
            "aws_sync_status": "linked",
            "aws_sync_error": "",
            STATUS_PROPERTY: status_value("accepted"),
        },
        accepted,
        extra=pc_to_hubspot(base, config).get("deal") or {},
    )


def _new_link(session, row: Invitation) -> OpportunityLink:
    link = OpportunityLink(
        hubspot_deal_id=row.hubspot_deal_id,
        catalog=row.catalog,
        client_token=accept_token(session, row),
        create_attempt=1,
    )
    session.add(link)
    return link
