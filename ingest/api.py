"""The management REST API (bearer-token auth) and its OpenAPI document.

Later capabilities add their endpoints to `blueprint`; every route under
/api requires one of the PCSYNC_API_TOKENS.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import request
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import func, select

from models import FailedTask, InboxEvent, OpportunityLink, PendingObject
from pcsync import runtime

blueprint = Blueprint(
    "api", __name__, url_prefix="/api", description="pcsync management API (bearer token)"
)


def token_is_valid(presented: str, tokens: tuple[str, ...]) -> bool:
    # Compare against every token, constant-time, without early exit.
    matches = [hmac.compare_digest(presented.encode(), token.encode()) for token in tokens]
    return any(matches)


def operator_actor_for(token: str) -> str:
    """The operator's identity in the audit trail: a token id derived from the
    token (a short hash), never the token itself."""
    return "operator:" + hashlib.sha256(token.encode()).hexdigest()[:12]


@blueprint.before_request
def require_bearer_token():
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    tokens = runtime.settings().api_tokens
    if scheme.lower() != "bearer" or not presented or not token_is_valid(presented, tokens):
        abort(401, message="a valid bearer token is required")


class StatusSchema(Schema):
    links = fields.Integer(metadata={"description": "deals linked to opportunities"})
    pending_objects = fields.Integer(metadata={"description": "objects waiting for a sync task"})
    inbox_events = fields.Integer(metadata={"description": "webhook events recorded"})
    failed_tasks = fields.Integer(metadata={"description": "failed tasks not yet replayed"})


@blueprint.route("/status")
@blueprint.response(200, StatusSchema)
@blueprint.doc(security=[{"bearerAuth": []}])
def status():
    """Counts that show whether sync is keeping up."""
    with runtime.database().transaction() as session:

        def count(model, *where):
            return session.scalar(select(func.count()).select_from(model).where(*where))

        return {
            "links": count(OpportunityLink),
            "pending_objects": count(PendingObject, PendingObject.scheduled.is_(True)),
            "inbox_events": count(InboxEvent),
            "failed_tasks": count(FailedTask, FailedTask.status == "failed"),
        }


API_DESCRIPTION = (
    "Manage pcsync: sync status, failures, referrals, assignment and the resources of each"
    " opportunity. The AWS Partner Central Selling API has no document upload: no operation"
    " accepts a file or an attachment. Partners keep case studies, whitepapers and other"
    " documents in pcsync's resource library (/api/resources) and share them as links: the"
    " links are shown on the HubSpot deal, and a partner who wants AWS to see one can put its"
    " link in the opportunity's Project.AdditionalComments (resource snapshots do not carry"
    " that field)."
)


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="pcsync management API",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
    )
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(blueprint)
    from ingest.api_operations import blueprint as operations  # late: it imports this module

    api.register_blueprint(operations)
    from ingest.api_referrals import blueprint as referrals  # late: it imports this module

    api.register_blueprint(referrals)
    from ingest.api_assignment import blueprint as assignment  # late: it imports this module

    api.register_blueprint(assignment)
    from ingest.api_library import blueprint as library  # late: it imports this module
    from ingest.api_resources import blueprint as resources
    from ingest.api_snapshots import blueprint as snapshots

    for resource_blueprint in (resources, snapshots, library):
        api.register_blueprint(resource_blueprint)
    from ingest.api_conflicts import blueprint as conflicts  # late: it imports this module

    api.register_blueprint(conflicts)
    from ingest.api_audit import blueprint as audit  # late: it imports this module

    api.register_blueprint(audit)
    return api
