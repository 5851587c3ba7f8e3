"""Management API for opportunity assignment (bearer token, under /api).

- POST /api/opportunities/{opportunityId}/assign   queue an assignment, to a
  HubSpot owner's Partner Central user or to an explicit assignee
- GET  /api/opportunities/{opportunityId}/assign   the assignee pcsync last set

Like every ingest route this only validates, records (audited) and queues:
the task (`pcsync.assign_opportunity`) talks to HubSpot and Partner Central.
202 means queued, 400 names each bad field, 404 "no opportunity pcsync knows".
"""

from __future__ import annotations

import re

from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ingest.api_common import (
    UNKNOWN_OPPORTUNITY,
    QueuedOnOpportunitySchema,
    audit_request,
    documented,
    operator_blueprint,
    operator_run,
    opportunity_read,
)
from models.schemas import PC_OPPORTUNITY_ID
from pcsync import runtime
from pcsync.config import ASSIGNEE_BUSINESS_TITLES
from workers.dispatch import assignment_task
from workers.publishing import publish_after_commit
from workers.sync.assignment_views import ACTION, assignment_view
from workers.sync.links import find_link_by_opportunity

blueprint = operator_blueprint(
    "api_assignment",
    __name__,
    "Opportunity assignment: follows the HubSpot deal owner; operators can override",
)
NAME = validate.Length(min=1, max=80)  # AssigneeContact's FirstName/LastName bound


class AssigneeSchema(Schema):
    email = fields.String(
        required=True, metadata={"description": "the user's Partner Central login e-mail"}
    )
    first_name = fields.String(required=True, validate=NAME)
    last_name = fields.String(required=True, validate=NAME)
    business_title = fields.String(
        load_default=None,
        validate=validate.OneOf(ASSIGNEE_BUSINESS_TITLES),
        metadata={"description": "default: PCSYNC_ASSIGNEE_BUSINESS_TITLE"},
    )

    @validates("email")
    def email_is_a_login(self, value: str, **_kwargs) -> None:
        # Late: the pattern is the service model's (botocore), which only
        # this check needs.
        from workers.sync.assignees import email_is_valid

        if not email_is_valid(value.strip().lower()):
            raise ValidationError("not an e-mail Partner Central accepts (at most 80 characters)")


class AssignRequestSchema(Schema):
    hubspot_owner_id = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,20}$", error="a HubSpot owner id is digits"),
        metadata={"description": "assign to this HubSpot owner's Partner Central user"},
    )
    assignee = fields.Nested(AssigneeSchema, metadata={"description": "or to this user"})

    @validates_schema
    def exactly_one_target(self, data, **_kwargs) -> None:
        if ("hubspot_owner_id" in data) == ("assignee" in data):
            raise ValidationError("give either hubspot_owner_id or assignee", "_schema")


class AssigneeViewSchema(Schema):
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    business_title = fields.String()


class AssignmentSchema(Schema):
    opportunity_id = fields.String()
    hubspot_deal_id = fields.String()
    assignee = fields.Nested(
        AssigneeViewSchema,
        allow_none=True,
        metadata={"description": "what pcsync last sent; null if it never assigned"},
    )
    hubspot_owner_id = fields.String(
        allow_none=True, metadata={"description": "the deal owner the assignment follows"}
    )
    assigned_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True, metadata={"description": "the last refusal"})
    refused_owner_id = fields.String(allow_none=True)
    refused_email = fields.String(allow_none=True)


class QueuedAssignmentSchema(QueuedOnOpportunitySchema):
    """The assignment is queued; its outcome is audited (`opportunity.assign`)."""


def linked_opportunity(session, opportunity_id: str):
    """The link of a well-formed, known opportunity id, else 400 or 404."""
    if not re.fullmatch(PC_OPPORTUNITY_ID, opportunity_id):
        abort(
            400,
            message="the opportunity id is malformed",
            messages={"path": {"opportunityId": ["looks like O1234567"]}},
        )
    link = find_link_by_opportunity(session, opportunity_id)
    if link is None:
        abort(404, message=f"no opportunity {opportunity_id} is linked to a deal")
    return link


@opportunity_read(blueprint, "/opportunities/<opportunityId>/assign", AssignmentSchema)
def get_assignment(opportunityId: str):  # the documented path parameter's name
    """The assignee pcsync last set, the owner it follows, and the last refusal."""
    with runtime.database().transaction() as session:
        return assignment_view(linked_opportunity(session, opportunityId))


@blueprint.route("/opportunities/<opportunityId>/assign", methods=["POST"])
@blueprint.arguments(AssignRequestSchema, error_status_code=400)
@blueprint.response(202, QueuedAssignmentSchema)
@documented(
    blueprint,
    {400: "bad body or opportunity id; `errors` names each field", 404: UNKNOWN_OPPORTUNITY},
)
def assign_opportunity(body: dict, opportunityId: str):
    """Assign the opportunity to a HubSpot owner's Partner Central user or to an
    explicit assignee. Queued; the outcome is audited (`opportunity.assign`)."""
    opportunity_id = opportunityId
    run = operator_run()
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunity_id)
        audit_request(session, run, ACTION, link, diff=body)
        # Published after the commit: the task never runs without its audit row.
        task = assignment_task(
            opportunity_id,
            owner_id=body.get("hubspot_owner_id"),
            assignee=body.get("assignee"),
            requested_by=run.actor,
        )
        publish_after_commit(session, [task])
        deal_id = link.hubspot_deal_id
    return {"queued": True, "opportunity_id": opportunity_id, "hubspot_deal_id": deal_id}
