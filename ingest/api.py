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

from ingest.json_body import MalformedJSON, parse_json
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


# Every id in a path fits 255 printable ASCII characters: deal, invitation
# and opportunity ids are far shorter, a Marketplace offer's ARN is not;
# database ids are positive BIGINTs.
MAX_PATH_ID_CHARS = 255
MAX_ROW_ID = 2**63 - 1


def path_id_problem(value: object) -> str | None:
    """Why a path parameter cannot be an id, or None. Checked before any
    query, so a NUL or an integer past BIGINT is a 400, not a database error."""
    if isinstance(value, int):
        return None if 0 < value <= MAX_ROW_ID else f"must be between 1 and {MAX_ROW_ID}"
    if not isinstance(value, str) or not value.isascii() or not value.isprintable():
        return "must be printable ASCII"
    if not 0 < len(value) <= MAX_PATH_ID_CHARS:
        return f"must be 1 to {MAX_PATH_ID_CHARS} characters"
    return None


def reject_malformed_json() -> None:
    """webargs decodes JSON bodies with a bare json.loads, which raises past
    its own error handling on deep nesting and 5,000-digit integers: refuse
    what pcsync's stricter decoder refuses first (then json.loads succeeds)."""
    body = request.get_data(cache=True)
    if not request.is_json or not body:  # no body: webargs treats it as missing
        return
    try:
        parse_json(body)
    except MalformedJSON as exc:
        abort(400, message=str(exc), messages={"json": [str(exc)]})


@blueprint.before_request
def require_bearer_token():
    """The gate of every /api route: a valid token, well-formed path ids and,
    if there is one, a JSON body Python can decode."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    tokens = runtime.settings().api_tokens
    if scheme.lower() != "bearer" or not presented or not token_is_valid(presented, tokens):
        abort(401, message="a valid bearer token is required")
    problems = {
        name: [problem]
        for name, value in (request.view_args or {}).items()
        if (problem := path_id_problem(value))
    }
    if problems:
        abort(400, message="malformed id in the path", messages={"path": problems})
    reject_malformed_json()


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
