"""The asynchronous engagement tasks: submitting an opportunity to AWS and
accepting an AWS referral.

A task starts IN_PROGRESS and completes when the simulator's task delay has
passed on the simulator clock (immediately by default). Its effects happen
at completion, and EngagementId and friends appear only then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from .. import store
from ..errors import BUSINESS_VALIDATION_FAILED, ValidationError, business_error
from .common import (
    find_invitation,
    find_opportunity,
    page_response,
    partner_member,
    publish_opportunity_event,
    resolve_identifier,
    sort_items,
)
from .engagements import associate_resource, engagement_of_opportunity, new_engagement
from .invitations import PENDING, accept, new_invitation, require_pending_receiver
from .opportunities import mark_submitted, new_opportunity_record
from .snapshots import PARTNER_VIEW_TEMPLATE, take_snapshot
from .submission import (
    all_submission_errors,
    customer_project_context,
    opportunity_invitation_payload,
)

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"

# AWS referrals a partner accepts arrive already reviewed by AWS.
ACCEPTED_REFERRAL_REVIEW_STATUS = "Approved"
ACCEPTED_REFERRAL_STAGE = "Prospect"


def _new_task(sim: Simulator, state: CatalogState, kind: str, **fields) -> dict:
    task_id = sim.ids.task()
    now = sim.clock.now_ms()
    return {
        "TaskId": task_id,
        "TaskArn": store.arn(sim.account_id, state.name, kind, task_id),
        "StartTime": now,
        "TaskStatus": IN_PROGRESS,
        "complete_at": now + int(sim.task_delay_seconds * 1000),
        **fields,
    }


@dataclass(frozen=True)
class TaskKind:
    """One kind of task: its ARN resource type and where the catalog keeps it."""

    arn_type: str
    table: str  # CatalogState attribute: task id -> task
    token_table: str  # CatalogState attribute: client token -> task id
    list_operation: str
    list_filters: dict[str, str]  # list request member -> task member


FROM_OPPORTUNITY = TaskKind(
    "engagement-from-opportunity-task",
    "from_opportunity_tasks",
    "from_opportunity_task_tokens",
    "ListEngagementFromOpportunityTasks",
    {"OpportunityIdentifier": "OpportunityId", "EngagementIdentifier": "EngagementId"},
)
BY_INVITATION = TaskKind(
    "engagement-by-accepting-invitation-task",
    "by_invitation_tasks",
    "by_invitation_task_tokens",
    "ListEngagementByAcceptingInvitationTasks",
    {
        "OpportunityIdentifier": "OpportunityId",
        "EngagementInvitationIdentifier": "EngagementInvitationId",
    },
)


def _start_task(
    sim: Simulator,
    state: CatalogState,
    params: dict,
    kind: TaskKind,
    checked_fields: Callable[[CatalogState, dict], dict],
) -> dict:
    """Start a task once per client token: a repeated token returns the first task
    unchecked; else ``checked_fields`` validates the request (raising its error)
    and gives the task's own fields. Whatever is due completes before returning."""
    tasks, tokens = getattr(state, kind.table), getattr(state, kind.token_table)
    existing_id = tokens.lookup(params["ClientToken"], params)
    if existing_id is not None:
        return tasks[existing_id]
    task = _new_task(sim, state, kind.arn_type, **checked_fields(state, params))
    tasks[task["TaskId"]] = task
    tokens.remember(params["ClientToken"], params, task["TaskId"])
    complete_due_tasks(sim, state)
    return task


def _fail(task: dict, reason_code: str, message: str) -> None:
    task.update(TaskStatus=FAILED, ReasonCode=reason_code, Message=message)


# --- StartEngagementFromOpportunityTask ------------------------------------------------


def _submission_fields(state: CatalogState, params: dict) -> dict:
    """StartEngagementFromOpportunityTask: the opportunity must be complete for AWS."""
    opportunity = find_opportunity(state, params["Identifier"])
    errors = all_submission_errors(opportunity, params["AwsSubmission"]["InvolvementType"])
    if errors:
        raise ValidationError(errors, BUSINESS_VALIDATION_FAILED)
    return {"OpportunityId": opportunity["Id"], "submission": params["AwsSubmission"]}


def _complete_from_opportunity(sim: Simulator, state: CatalogState, task: dict) -> None:
    opportunity = state.opportunities.get(task["OpportunityId"])
    involvement = task["submission"]["InvolvementType"]
    errors = all_submission_errors(opportunity, involvement) if opportunity else []
    if opportunity is None or errors:
        _fail(
            task,
            "OpportunityValidationFailed",
            "; ".join(f"{e.field_name}: {e.message}" for e in errors),
        )
        return
    engagement = engagement_of_opportunity(state, opportunity["Id"]) or new_engagement(
        sim,
        state,
        title=(opportunity.get("Project", {}).get("Title") or opportunity["Id"])[:40],
        description=None,
        contexts=[customer_project_context(opportunity)],
        created_by=sim.account_id,
        first_member=partner_member(sim),
    )
    take_snapshot(sim, state, engagement, opportunity, PARTNER_VIEW_TEMPLATE)
    invitation = new_invitation(
        sim,
        state,
        engagement=engagement,
        payload=opportunity_invitation_payload(opportunity),
        from_aws=False,
    )
    submission = task["submission"]
    mark_submitted(
        sim, state, opportunity, submission["InvolvementType"], submission.get("Visibility", "Full")
    )
    task.update(
        TaskStatus=COMPLETE,
        EngagementId=engagement["Id"],
        EngagementInvitationId=invitation["Id"],
        ResourceSnapshotJobId=sim.ids.snapshot_job(),
    )


# --- StartEngagementByAcceptingInvitationTask ------------------------------------------


def _acceptance_fields(state: CatalogState, params: dict) -> dict:
    """StartEngagementByAcceptingInvitationTask: a pending opportunity invitation."""
    invitation = find_invitation(state, params["Identifier"])
    require_pending_receiver(invitation)
    if invitation["PayloadType"] != "OpportunityInvitation":
        raise business_error(
            "Identifier",
            "Only opportunity invitations create an opportunity.",
            "INVALID_RESOURCE_STATE",
        )
    return {"EngagementInvitationId": invitation["Id"]}


def _complete_by_invitation(sim: Simulator, state: CatalogState, task: dict) -> None:
    invitation = state.invitations[task["EngagementInvitationId"]]
    if invitation["Status"] != PENDING:
        _fail(task, "InvitationValidationFailed", f"Invitation is {invitation['Status']}.")
        return
    accept(sim, state, invitation)
    opportunity = new_opportunity_record(
        sim,
        state.name,
        _opportunity_from_invitation(invitation["Payload"]["OpportunityInvitation"]),
        "AWS Referral",
    )
    opportunity["LifeCycle"]["ReviewStatus"] = ACCEPTED_REFERRAL_REVIEW_STATUS
    state.opportunities[opportunity["Id"]] = opportunity
    summary = state.aws_summaries.setdefault(opportunity["Id"], {})
    summary.setdefault("Origin", "AWS Referral")
    summary.setdefault("InvolvementType", "Co-Sell")
    summary.setdefault("Visibility", "Full")
    associate_resource(sim, state, invitation["EngagementId"], opportunity["Id"], sim.account_id)
    publish_opportunity_event(sim, opportunity, "Opportunity Created")
    task.update(TaskStatus=COMPLETE, OpportunityId=opportunity["Id"])


def _opportunity_from_invitation(payload: dict) -> dict:
    customer, project = payload.get("Customer", {}), payload.get("Project", {})
    account = {
        key: customer[key] for key in ("CompanyName", "Industry", "WebsiteUrl") if key in customer
    }
    if "CountryCode" in customer:
        account["Address"] = {"CountryCode": customer["CountryCode"]}
    opportunity = {
        "Customer": {"Account": account},
        "Project": {
            key: value
            for key, value in (
                ("Title", project.get("Title")),
                ("CustomerBusinessProblem", project.get("BusinessProblem")),
                ("ExpectedCustomerSpend", project.get("ExpectedCustomerSpend")),
            )
            if value is not None
        },
        "LifeCycle": {
            "Stage": ACCEPTED_REFERRAL_STAGE,
            "TargetCloseDate": project.get("TargetCompletionDate"),
        },
    }
    if payload.get("OpportunityType"):
        opportunity["OpportunityType"] = payload["OpportunityType"]
    return opportunity


# --- Shared -------------------------------------------------------------------------------


def _list_tasks(sim: Simulator, state: CatalogState, params: dict, kind: TaskKind) -> dict:
    tasks = getattr(state, kind.table).values()
    list_filters = kind.list_filters
    wanted_ids = {resolve_identifier(i) for i in params.get("TaskIdentifier", [])}
    filters = {
        key: {resolve_identifier(i) for i in params[key]} for key in list_filters if params.get(key)
    }

    def wanted(task: dict) -> bool:
        return (
            (not wanted_ids or task["TaskId"] in wanted_ids)
            and (not params.get("TaskStatus") or task["TaskStatus"] in params["TaskStatus"])
            and all(task.get(list_filters[key]) in values for key, values in filters.items())
        )

    matches = [t for t in tasks if wanted(t)]
    ordered = sort_items(
        matches,
        params.get("Sort"),
        {"StartTime": lambda t: t["StartTime"]},
        "StartTime",
        "DESCENDING",
    )
    return page_response(ordered, params, kind.list_operation, "TaskSummaries")


def complete_due_tasks(sim: Simulator, state: CatalogState) -> None:
    now = sim.clock.now_ms()
    for tasks, complete in (
        (state.from_opportunity_tasks, _complete_from_opportunity),
        (state.by_invitation_tasks, _complete_by_invitation),
    ):
        for task in tasks.values():
            if task["TaskStatus"] == IN_PROGRESS and now >= task["complete_at"]:
                complete(sim, state, task)


HANDLERS = {
    "StartEngagementFromOpportunityTask": partial(
        _start_task, kind=FROM_OPPORTUNITY, checked_fields=_submission_fields
    ),
    "ListEngagementFromOpportunityTasks": partial(_list_tasks, kind=FROM_OPPORTUNITY),
    "StartEngagementByAcceptingInvitationTask": partial(
        _start_task, kind=BY_INVITATION, checked_fields=_acceptance_fields
    ),
    "ListEngagementByAcceptingInvitationTasks": partial(_list_tasks, kind=BY_INVITATION),
}
