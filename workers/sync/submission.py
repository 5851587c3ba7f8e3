"""Submit a linked opportunity to AWS (co-sell), on request.

Partner Central's flow
(https://docs.aws.amazon.com/partner-central/latest/developer-guide/):
associate at least one solution, then StartEngagementFromOpportunityTask, then poll
ListEngagementFromOpportunityTasks until the task is COMPLETE or FAILED.

The link's `submission_status` is an explicit lifecycle (TRANSITIONS), each
move audited under the task id (action "opportunity.submit"):

    None/failed/not_submittable/submitted ──► requested ──► starting ──► in_progress
        in_progress ──► submitted | failed;  starting ──► failed | not_submittable

Idempotent throughout, so a redelivered task changes nothing twice:
- solutions are associated only when GetOpportunity does not list them yet;
- the ClientToken is derived from the deal and the number of finished
  attempts (counted in the audit trail): a redelivery of the same attempt
  gets the same Partner Central task back instead of starting another;
- once the task id is stored, later runs only poll it.
The work runs under the opportunity's lock, so it never interleaves with the
sync writer. No worker sleeps: IN_PROGRESS returns a `Step` with `poll_in`.
HubSpot is written between transactions, never inside one
(`workers.sync.lifecycle.write_status_then_record`).
"""

from __future__ import annotations

import logging

from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import extract_pc_fields, sales_rep_message, submission_gaps
from workers.errors import PermanentError
from workers.sync.context import Run
from workers.sync.deals import audit as audit_deal
from workers.sync.deals import find_link, opportunity_lock
from workers.sync.lifecycle import (
    COMPLETE,
    FAILED,
    STILL_RUNNING,
    AuditSubject,
    Lifecycle,
    Step,
    next_poll,
    read_task,
    task_failure,
    write_status_then_record,
)
from workers.sync.submission_states import TRANSITIONS, UNDER_WAY

log = logging.getLogger(__name__)

SUBMIT_PROPERTY = "aws_submit_to_aws"
STATUS_PROPERTY = "aws_submission_status"
ACTION = "opportunity.submit"
TASKS = "ListEngagementFromOpportunityTasks"
GAVE_UP = "the submission task did not complete within a day"
# StartEngagementFromOpportunityTask is refused in any other review status.
SUBMITTABLE_REVIEW_STATUSES = frozenset({"Pending Submission", "Action Required"})

SUBMISSION = Lifecycle(
    "submission",
    "submission_status",
    TRANSITIONS,
    lambda link: AuditSubject("deal", link.hubspot_deal_id, link.opportunity_id),
)


def wants_submission(properties: dict[str, str | None]) -> bool:
    return (properties.get(SUBMIT_PROPERTY) or "").strip().lower() == "true"


def request_submission(session, link: OpportunityLink, run: Run) -> bool:
    """Record a request (from the deal or the API) in the caller's transaction;
    False when a submission is already under way."""
    if SUBMISSION.state(link) in UNDER_WAY:
        return False
    SUBMISSION.move(session, run, link, "requested", action=ACTION)
    return True


def submission_token(session, link: OpportunityLink) -> str:
    """Same token for a redelivery; a new one once an attempt has finished."""
    return SUBMISSION.attempt_token(
        session,
        link,
        action=ACTION,
        ended=("submitted", "failed"),
        deal_id=link.hubspot_deal_id,
        label="submit",
    )


def submit(deal_id: str, run: Run, poll_round: int = 0) -> Step:
    """Carry a requested submission forward one step (start, or poll);
    `poll_round` counts the polls of the task under way so far."""
    step = _advance(deal_id, run)
    return next_poll(step, poll_round, lambda: fail(deal_id, GAVE_UP, run))


def _advance(deal_id: str, run: Run) -> Step:
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or link.opportunity_id is None:
            audit_deal(session, run, ACTION, "not_linked", deal_id)
            return Step("not_linked")
        status = SUBMISSION.state(link)
        if status not in (*UNDER_WAY, None):
            SUBMISSION.audit(session, run, link, action=ACTION, outcome=f"already_{status}")
            return Step(f"already_{status}")
        opportunity_id = link.opportunity_id
        # A task already started is followed, not judged again.
        synced = (link.base_snapshot or {}) if status != "in_progress" else None
    # Refused up front, from what was last synced: no call is spent on a
    # submission AWS would refuse.
    if synced is not None and refuse_unless_ready(deal_id, synced, run):
        return Step("not_submittable")
    with opportunity_lock(opportunity_id):
        try:
            with runtime.database().transaction() as session:
                link = find_link(session, deal_id)
                task_id = (
                    link.submission_task_id if link.submission_status == "in_progress" else None
                )
            task = read_task(TASKS, task_id, run) if task_id else _start(deal_id, run)
            if task is None:
                return Step("not_submittable")
            return _finish(deal_id, task, run)
        except PermanentError as exc:
            fail(deal_id, exc.api_message or str(exc), run, field_errors=exc.field_errors)
            raise


def _start(deal_id: str, run: Run) -> dict | None:
    """Associate missing solutions, then start the engagement task; the
    started task (or None when the opportunity cannot be submitted)."""
    settings, pc = runtime.settings(), runtime.partner_central()
    solutions = settings.submission_solution_ids()
    if not solutions:
        message = "PCSYNC_SOLUTION_IDS is not configured: AWS needs a solution to submit"
        raise PermanentError(message, api_message=message, service="pcsync")
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link.submission_status != "starting":
            SUBMISSION.move(session, run, link, "starting", action=ACTION)
        opportunity_id = link.opportunity_id
        token = submission_token(session, link)
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    if review_status not in SUBMITTABLE_REVIEW_STATUSES:
        _record_review_refusal(deal_id, review_status, run)
        return None
    if refuse_unless_ready(deal_id, extract_pc_fields(opportunity, runtime.engine_config()), run):
        return None
    associated = set((opportunity.get("RelatedEntityIdentifiers") or {}).get("Solutions") or [])
    for solution_id in solutions:
        if solution_id not in associated:
            _associate(deal_id, opportunity_id, solution_id, run)
    task = pc.call(
        "StartEngagementFromOpportunityTask",
        priority=run.priority,
        ClientToken=token,
        Identifier=opportunity_id,
        AwsSubmission={"InvolvementType": settings.involvement_type, "Visibility": "Full"},
    )

    def started(session, link: OpportunityLink, _sent: dict) -> None:
        link.submission_task_id = task["TaskId"]
        SUBMISSION.move(
            session,
            run,
            link,
            "in_progress",
            action=ACTION,
            task_id=task["TaskId"],
            client_token=token,
        )

    write_status_then_record(deal_id, {STATUS_PROPERTY: "in_progress"}, started)
    return task


def _record_review_refusal(deal_id: str, review_status: str | None, run: Run) -> None:
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        link.review_status = review_status
        SUBMISSION.move(
            session,
            run,
            link,
            "not_submittable",
            action=ACTION,
            message=f"review status {review_status!r} cannot be submitted",
            review_status=review_status,
        )


def _associate(deal_id: str, opportunity_id: str, solution_id: str, run: Run) -> None:
    runtime.partner_central().call(
        "AssociateOpportunity",
        priority=run.priority,
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier=solution_id,
    )
    with runtime.database().transaction() as session:
        audit_deal(
            session,
            run,
            "opportunity.associate",
            "associated",
            deal_id,
            opportunity_id=opportunity_id,
            diff={"Solutions": solution_id},
        )


def refuse_unless_ready(deal_id: str, fields: dict, run: Run) -> bool:
    """Stage and co-sell details AWS needs before a submission (fields by
    Partner Central path); when something is missing, the deal says what in
    the words of a sales rep, and True."""
    gaps = submission_gaps(fields, runtime.settings().involvement_type)
    if not gaps:
        return False
    stage = fields.get("LifeCycle.Stage")
    message = sales_rep_message(gaps, runtime.engine_config(), stage=stage)

    def refused(session, link: OpportunityLink, _sent: dict) -> None:
        link.last_error = message
        SUBMISSION.move(
            session, run, link, "not_submittable", action=ACTION, message=message, stage=stage
        )

    write_status_then_record(
        deal_id, {STATUS_PROPERTY: "not_submittable", "aws_sync_error": message}, refused
    )
    return True


def _finish(deal_id: str, task: dict, run: Run) -> Step:
    status = task.get("TaskStatus")
    if status == FAILED:
        fail(deal_id, task_failure(task), run, reason_code=task.get("ReasonCode"))
        return Step("failed")
    if status != COMPLETE:
        return STILL_RUNNING
    opportunity_id = task.get("OpportunityId")
    with runtime.database().transaction() as session:
        opportunity_id = opportunity_id or find_link(session, deal_id).opportunity_id
    opportunity = runtime.partner_central().call(
        "GetOpportunity", priority=run.priority, Identifier=opportunity_id
    )
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")

    def submitted(session, link: OpportunityLink, _sent: dict) -> None:
        link.engagement_id = task.get("EngagementId") or link.engagement_id
        link.review_status = review_status
        link.last_error = None
        SUBMISSION.move(
            session,
            run,
            link,
            "submitted",
            action=ACTION,
            task_id=task.get("TaskId"),
            engagement_id=task.get("EngagementId"),
            engagement_invitation_id=task.get("EngagementInvitationId"),
            review_status=review_status,
        )

    write_status_then_record(
        deal_id,
        {
            STATUS_PROPERTY: "submitted",
            "aws_review_status": review_status or "",
            "aws_involvement_type": runtime.settings().involvement_type,
        },
        submitted,
    )
    return Step("submitted")


def fail(
    deal_id: str,
    message: str,
    run: Run,
    *,
    reason_code: str | None = None,
    field_errors: list | None = None,
) -> None:
    """A submission that will not succeed as it is: on the link, the deal and
    in the audit. Shown on the deal first, as best effort: the failure is
    recorded even when HubSpot cannot show it."""
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or not SUBMISSION.allows(link, "failed"):
            return
    details = {"reason_code": reason_code} if reason_code else {}
    if field_errors:
        details["field_errors"] = field_errors

    def failed(session, link: OpportunityLink, _sent: dict) -> None:
        link.last_error = message
        SUBMISSION.move(session, run, link, "failed", action=ACTION, message=message, **details)

    write_status_then_record(
        deal_id,
        {STATUS_PROPERTY: "failed", "aws_sync_error": message[:65000]},
        failed,
        best_effort=True,
    )
