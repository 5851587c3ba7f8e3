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
sync writer. No worker sleeps: IN_PROGRESS returns `poll_again`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from models.audit import AuditEntry
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import client_token, extract_pc_fields, sales_rep_message, submission_gaps
from workers.errors import PermanentError, RetryableError
from workers.sync.context import Run
from workers.sync.deal_status import write_deal_status
from workers.sync.deals import audit as audit_deal
from workers.sync.deals import find_link, opportunity_lock

log = logging.getLogger(__name__)

SUBMIT_PROPERTY = "aws_submit_to_aws"
STATUS_PROPERTY = "aws_submission_status"
ACTION = "opportunity.submit"
IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"
# StartEngagementFromOpportunityTask is refused in any other review status.
SUBMITTABLE_REVIEW_STATUSES = frozenset({"Pending Submission", "Action Required"})

# submission_status lifecycle; None is "never asked".
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"requested", "starting", "not_submittable"}),
    "requested": frozenset({"starting", "failed", "not_submittable"}),
    "starting": frozenset({"in_progress", "failed", "not_submittable"}),
    "in_progress": frozenset({"submitted", "failed"}),
    "submitted": frozenset({"requested", "starting"}),  # AWS asked for changes: resubmit
    "failed": frozenset({"requested", "starting"}),
    "not_submittable": frozenset({"requested", "starting"}),
}
# A deal's "Submit to AWS" = true (re)starts a submission only from these.
REQUESTABLE_BY_DEAL = frozenset({None, "", "failed"})
# Runs already under way: a new request would only duplicate them.
UNDER_WAY = frozenset({"requested", "starting", "in_progress"})


class InvalidSubmissionTransition(Exception):
    pass


@dataclass(frozen=True)
class Submitted:
    outcome: str
    poll_again: bool = False


def wants_submission(properties: dict[str, str | None]) -> bool:
    return (properties.get(SUBMIT_PROPERTY) or "").strip().lower() == "true"


def move(session, link: OpportunityLink, state: str, run: Run, message: str | None = None, **diff):
    """Change the link's submission status along TRANSITIONS and audit it."""
    current = link.submission_status or None
    if state not in TRANSITIONS[current]:
        raise InvalidSubmissionTransition(f"deal {link.hubspot_deal_id}: {current} -> {state}")
    link.submission_status = state
    audit_deal(
        session,
        run,
        ACTION,
        state,
        link.hubspot_deal_id,
        opportunity_id=link.opportunity_id,
        diff={"from": current, "to": state, **diff},
        message=message,
    )


def request_submission(session, link: OpportunityLink, run: Run) -> bool:
    """Record a request (from the deal or the API) in the caller's transaction;
    False when a submission is already under way."""
    if (link.submission_status or None) in UNDER_WAY:
        return False
    move(session, link, "requested", run)
    return True


def submission_token(session, link: OpportunityLink) -> str:
    """Same token for a redelivery; a new one once an attempt has finished."""
    finished = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.object_type == "deal",
            AuditEntry.object_id == link.hubspot_deal_id,
            AuditEntry.action == ACTION,
            AuditEntry.outcome.in_(("submitted", "failed")),
        )
    )
    return client_token(
        runtime.settings().hubspot_portal_id or "0", link.hubspot_deal_id, f"submit-{finished + 1}"
    )


def submit(deal_id: str, run: Run) -> Submitted:
    """Carry a requested submission forward one step (start, or poll)."""
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or link.opportunity_id is None:
            audit_deal(session, run, ACTION, "not_linked", deal_id)
            return Submitted("not_linked")
        if (link.submission_status or None) not in (*UNDER_WAY, None):
            audit_deal(
                session,
                run,
                ACTION,
                f"already_{link.submission_status}",
                deal_id,
                opportunity_id=link.opportunity_id,
            )
            return Submitted(f"already_{link.submission_status}")
        opportunity_id = link.opportunity_id
        # Refused up front, from what was last synced: no call is spent on a
        # submission AWS would refuse.
        if refuse_unless_ready(session, link, link.base_snapshot or {}, run):
            return Submitted("not_submittable")
    with opportunity_lock(opportunity_id):
        try:
            with runtime.database().transaction() as session:
                link = find_link(session, deal_id)
                task_id = (
                    link.submission_task_id if link.submission_status == "in_progress" else None
                )
            task = _poll(task_id, run) if task_id else _start(deal_id, run)
            if task is None:
                return Submitted("not_submittable")
            return _finish(deal_id, task, run)
        except PermanentError as exc:
            fail(deal_id, exc.api_message or str(exc), run, field_errors=exc.field_errors)
            raise


def _start(deal_id: str, run: Run) -> dict | None:
    """Associate missing solutions, then start the engagement task; the
    started task (or None when the review status does not allow it)."""
    settings, pc = runtime.settings(), runtime.partner_central()
    solutions = settings.submission_solution_ids()
    if not solutions:
        message = "PCSYNC_SOLUTION_IDS is not configured: AWS needs a solution to submit"
        raise PermanentError(message, api_message=message, service="pcsync")
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link.submission_status != "starting":
            move(session, link, "starting", run)
        opportunity_id = link.opportunity_id
        token = submission_token(session, link)
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    if review_status not in SUBMITTABLE_REVIEW_STATUSES:
        with runtime.database().transaction() as session:
            link = find_link(session, deal_id)
            link.review_status = review_status
            move(
                session,
                link,
                "not_submittable",
                run,
                message=f"review status {review_status!r} cannot be submitted",
                review_status=review_status,
            )
        return None
    fields = extract_pc_fields(opportunity, runtime.engine_config())
    with runtime.database().transaction() as session:
        if refuse_unless_ready(session, find_link(session, deal_id), fields, run):
            return None
    associated = set((opportunity.get("RelatedEntityIdentifiers") or {}).get("Solutions") or [])
    for solution_id in solutions:
        if solution_id in associated:
            continue
        pc.call(
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
    task = pc.call(
        "StartEngagementFromOpportunityTask",
        priority=run.priority,
        ClientToken=token,
        Identifier=opportunity_id,
        AwsSubmission={"InvolvementType": settings.involvement_type, "Visibility": "Full"},
    )
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        link.submission_task_id = task["TaskId"]
        move(session, link, "in_progress", run, task_id=task["TaskId"], client_token=token)
        write_deal_status(runtime.hubspot(), link, {STATUS_PROPERTY: "in_progress"})
    return task


def refuse_unless_ready(session, link: OpportunityLink, fields: dict, run: Run) -> bool:
    """Stage and co-sell details AWS needs before a submission (fields by
    Partner Central path); when something is missing, the deal says what in
    the words of a sales rep, and True."""
    gaps = submission_gaps(fields, runtime.settings().involvement_type)
    if not gaps:
        return False
    stage = fields.get("LifeCycle.Stage")
    message = sales_rep_message(gaps, runtime.engine_config(), stage=stage)
    link.last_error = message
    move(session, link, "not_submittable", run, message=message, stage=stage)
    write_deal_status(
        runtime.hubspot(), link, {STATUS_PROPERTY: "not_submittable", "aws_sync_error": message}
    )
    return True


def _poll(task_id: str, run: Run) -> dict:
    response = runtime.partner_central().call(
        "ListEngagementFromOpportunityTasks", priority=run.priority, TaskIdentifier=[task_id]
    )
    task = next(iter(response.get("TaskSummaries") or []), None)
    if task is None:
        raise RetryableError(
            f"submission task {task_id} not listed yet",
            retry_after=5.0,
            service="partnercentral",
            operation="ListEngagementFromOpportunityTasks",
        )
    return task


def _finish(deal_id: str, task: dict, run: Run) -> Submitted:
    status = task.get("TaskStatus")
    if status == FAILED:
        message = f"{task.get('ReasonCode') or 'Failed'}: {task.get('Message') or ''}".strip()
        fail(deal_id, message, run, reason_code=task.get("ReasonCode"))
        return Submitted("failed")
    if status != COMPLETE:
        return Submitted("in_progress", poll_again=True)
    opportunity_id = task.get("OpportunityId")
    with runtime.database().transaction() as session:
        opportunity_id = opportunity_id or find_link(session, deal_id).opportunity_id
    opportunity = runtime.partner_central().call(
        "GetOpportunity", priority=run.priority, Identifier=opportunity_id
    )
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        link.engagement_id = task.get("EngagementId") or link.engagement_id
        link.review_status = review_status
        link.last_error = None
        move(
            session,
            link,
            "submitted",
            run,
            task_id=task.get("TaskId"),
            engagement_id=task.get("EngagementId"),
            engagement_invitation_id=task.get("EngagementInvitationId"),
            review_status=review_status,
        )
        write_deal_status(
            runtime.hubspot(),
            link,
            {
                STATUS_PROPERTY: "submitted",
                "aws_review_status": review_status or "",
                "aws_involvement_type": runtime.settings().involvement_type,
            },
        )
    return Submitted("submitted")


def fail(
    deal_id: str,
    message: str,
    run: Run,
    *,
    reason_code: str | None = None,
    field_errors: list | None = None,
) -> None:
    """A submission that will not succeed as it is: on the link, the deal and in the audit."""
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or "failed" not in TRANSITIONS[link.submission_status or None]:
            return
        link.last_error = message
        details = {"reason_code": reason_code} if reason_code else {}
        if field_errors:
            details["field_errors"] = field_errors
        move(session, link, "failed", run, message=message, **details)
        try:
            write_deal_status(
                runtime.hubspot(),
                link,
                {STATUS_PROPERTY: "failed", "aws_sync_error": message[:65000]},
            )
        except Exception:  # the failure itself is recorded; showing it is best effort
            log.exception("submission.failure_not_surfaced", extra={"deal_id": deal_id})
