"""Management API for AWS referrals and submissions (bearer token, under /api).

- GET  /api/invitations                  referrals with their deadlines
- POST /api/invitations/{id}/accept      queue the acceptance
- POST /api/invitations/{id}/reject      queue the rejection, with a documented reason
- POST /api/deals/{deal_id}/submit       queue the submission of a linked deal to AWS

Like the webhook, these only record the request (audited) and queue a task;
the task talks to Partner Central. 202 means "queued", 404 "no such
invitation or linked deal", 409 "not possible in the current state".
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from ingest.api_common import SECURITY, documented, operator_blueprint, operator_run
from models.invitations import ALLOWED_TRANSITIONS, Invitation
from pcsync import runtime
from workers.dispatch import queue_submission, request_decision
from workers.errors import DecisionRefused
from workers.sync import referral_views
from workers.sync.links import find_link
from workers.sync.submission_states import UNDER_WAY

blueprint = operator_blueprint(
    "api_referrals", __name__, "AWS referrals (engagement invitations) and submission to AWS"
)


class InvitationSchema(Schema):
    invitation_id = fields.String()
    state = fields.String(
        metadata={
            "description": "pending, accepting, accepted, rejecting, rejected, failed, expired"
        }
    )
    title = fields.String(allow_none=True)
    hubspot_deal_id = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    engagement_id = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "the 15-day deadline"})
    seconds_left = fields.Integer(allow_none=True)
    decidable = fields.Boolean(metadata={"description": "can still be accepted or rejected"})
    last_error = fields.String(allow_none=True)


class InvitationQuerySchema(Schema):
    state = fields.String(
        validate=validate.OneOf(sorted(ALLOWED_TRANSITIONS)),
        metadata={"description": "only invitations in this state"},
    )


class RejectSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(referral_views.REJECTION_REASONS),
        metadata={"description": "one of the reasons AWS documents"},
    )


class QueuedSchema(Schema):
    queued = fields.Boolean()
    invitation_id = fields.String()
    decision = fields.String()
    deal_id = fields.String()
    opportunity_id = fields.String()


@blueprint.route("/invitations")
@blueprint.arguments(InvitationQuerySchema, location="query", error_status_code=400)
@blueprint.response(200, InvitationSchema(many=True))
@blueprint.doc(security=SECURITY)
def list_invitations(query):
    """AWS referrals, soonest deadline first."""
    with runtime.database().transaction() as session:
        statement = select(Invitation).order_by(
            Invitation.expires_at.asc(), Invitation.invitation_id
        )
        if query.get("state"):
            statement = statement.where(Invitation.state == query["state"])
        return [referral_views.invitation_view(row) for row in session.scalars(statement)]


DECISION_ANSWERS = {
    404: "unknown invitation",
    409: "already decided, expired, or not yet imported",
}


def _decide(invitation_id: str, decision: str, reason: str | None = None) -> dict:
    try:
        request_decision(invitation_id, decision, operator_run(), reason=reason)
    except DecisionRefused as exc:
        abort(exc.status_code, message=str(exc))
    return {"queued": True, "invitation_id": invitation_id, "decision": decision}


@blueprint.route("/invitations/<invitation_id>/accept", methods=["POST"])
@blueprint.response(202, QueuedSchema)
@documented(blueprint, DECISION_ANSWERS)
def accept_invitation(invitation_id):
    """Accept an AWS referral: StartEngagementByAcceptingInvitationTask, then link."""
    return _decide(invitation_id, "accept")


@blueprint.route("/invitations/<invitation_id>/reject", methods=["POST"])
@blueprint.arguments(RejectSchema, error_status_code=400)
@blueprint.response(202, QueuedSchema)
@documented(blueprint, DECISION_ANSWERS)
def reject_invitation(body, invitation_id):
    """Reject an AWS referral with one of the documented reasons."""
    return _decide(invitation_id, "reject", reason=body["reason"])


@blueprint.route("/deals/<deal_id>/submit", methods=["POST"])
@blueprint.response(202, QueuedSchema)
@blueprint.alt_response(404, description="no opportunity is linked to this deal")
@blueprint.alt_response(409, description="a submission is already under way")
@blueprint.doc(security=SECURITY)
def submit_deal(deal_id):
    """Submit the deal's opportunity to AWS (associate solutions, start the engagement task)."""
    run = operator_run()
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or link.opportunity_id is None:
            abort(404, message=f"deal {deal_id} has no linked opportunity")
        if link.submission_status in UNDER_WAY:
            abort(409, message=f"a submission is already {link.submission_status}")
        queue_submission(session, deal_id, run)
        opportunity_id = link.opportunity_id
    return {"queued": True, "deal_id": deal_id, "opportunity_id": opportunity_id}
