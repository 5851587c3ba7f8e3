"""Management API for operators: failed tasks and their replay, the API
budget left, and one deal's link and sync state.

Same bearer-token rule as every route under /api (`ingest.api`). The logic
lives in `workers.failures` and the limiter; these handlers only translate.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_smorest import abort
from marshmallow import Schema, fields
from sqlalchemy import select

from ingest.api_common import SECURITY, operator_actor, operator_blueprint
from models.conflicts import Conflict
from models.links import OpportunityLink
from pcsync import runtime
from workers.errors import RetryableError
from workers.failures import (
    AlreadyReplayed,
    FailureNotFound,
    failure_as_dict,
    list_failures,
    replay_failures,
)

blueprint = operator_blueprint(
    "operations", __name__, "Operations: failed tasks, API budget, link state (bearer token)"
)


# -- failures ------------------------------------------------------------------------


class FieldErrorSchema(Schema):
    field = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    code = fields.String(allow_none=True)


class FailureSchema(Schema):
    id = fields.Integer()
    task_name = fields.String()
    task_id = fields.String()
    args = fields.List(fields.Raw())
    kwargs = fields.Dict()
    exception_type = fields.String()
    message = fields.String(metadata={"description": "the API's message"})
    field_errors = fields.List(fields.Nested(FieldErrorSchema))
    retries = fields.Integer()
    status = fields.String(metadata={"description": "failed | replayed"})
    failed_at = fields.String()
    replayed_at = fields.String(allow_none=True)
    replay_task_id = fields.String(allow_none=True)


class FailureListArgs(Schema):
    all = fields.Boolean(load_default=False, metadata={"description": "include replayed"})


class ReplayArgs(Schema):
    force = fields.Boolean(load_default=False, metadata={"description": "replay again"})


class ReplaySchema(Schema):
    failure_id = fields.Integer()
    task_name = fields.String()
    task_id = fields.String(metadata={"description": "id of the newly queued task"})


@blueprint.route("/failures")
@blueprint.arguments(FailureListArgs, location="query")
@blueprint.response(200, FailureSchema(many=True))
@blueprint.doc(security=SECURITY)
def failures(args):
    """Failed tasks, newest first (only those not yet replayed unless all=true)."""
    with runtime.database().transaction() as session:
        rows = list_failures(session, include_replayed=args["all"])
        return [failure_as_dict(row) for row in rows]


@blueprint.route("/failures/<int:failure_id>/replay", methods=["POST"])
@blueprint.arguments(ReplayArgs, location="query")
@blueprint.response(202, ReplaySchema)
@blueprint.alt_response(404, description="no failed task with this id")
@blueprint.alt_response(409, description="already replayed; pass force=true")
@blueprint.doc(security=SECURITY)
def replay(args, failure_id: int):
    """Queue the failed task again with its stored arguments."""
    try:
        (done,) = replay_failures([failure_id], actor=operator_actor(), force=args["force"])
    except FailureNotFound as exc:
        abort(404, message=str(exc))
    except AlreadyReplayed as exc:
        abort(409, message=str(exc))
    return {"failure_id": done.failure_id, "task_name": done.task_name, "task_id": done.task_id}


# -- budget --------------------------------------------------------------------------


class WindowSchema(Schema):
    window = fields.String(metadata={"description": 'e.g. "10000 per 1 day"'})
    period_seconds = fields.Float()
    limit = fields.Integer()
    remaining = fields.Integer()
    reserve = fields.Integer(metadata={"description": "tokens background work leaves alone"})
    reset_at = fields.Float(metadata={"description": "epoch seconds: next token frees up"})
    reset_at_iso = fields.String()


class BudgetSchema(Schema):
    groups = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(WindowSchema)),
        metadata={"description": "pc-write, pc-read, hubspot: windows shortest first"},
    )


@blueprint.route("/budget")
@blueprint.response(200, BudgetSchema)
@blueprint.alt_response(503, description="the limiter's storage is unreachable")
@blueprint.doc(security=SECURITY)
def budget():
    """What is left of each API quota, per rate-limit group and window."""
    try:
        groups = runtime.limiter().budgets()
    except RetryableError as exc:
        abort(503, message=str(exc))
    for windows in groups.values():
        for window in windows:
            moment = datetime.fromtimestamp(window["reset_at"], UTC)
            window["reset_at_iso"] = moment.isoformat(timespec="seconds")
    return {"groups": groups}


# -- links ---------------------------------------------------------------------------


class ConflictSchema(Schema):
    id = fields.Integer()
    field_path = fields.String()
    strategy = fields.String()
    values = fields.Dict(metadata={"description": "base, hubspot, partner_central"})
    detected_at = fields.DateTime()


class LinkSchema(Schema):
    hubspot_deal_id = fields.String()
    catalog = fields.String()
    opportunity_id = fields.String(allow_none=True)
    review_status = fields.String(allow_none=True)
    sync_status = fields.String()
    last_error = fields.String(allow_none=True)
    deferred_fields = fields.Dict()
    submission_status = fields.String(allow_none=True)
    engagement_id = fields.String(allow_none=True)
    last_modified_date = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    pending_conflicts = fields.List(fields.Nested(ConflictSchema))


@blueprint.route("/links/<deal_id>")
@blueprint.response(200, LinkSchema)
@blueprint.alt_response(404, description="the deal is not linked")
@blueprint.doc(security=SECURITY)
def link(deal_id: str):
    """A deal's link: opportunity, sync status, last error, deferred fields,
    pending conflicts."""
    with runtime.database().transaction() as session:
        found = session.scalar(
            select(OpportunityLink).where(OpportunityLink.hubspot_deal_id == deal_id)
        )
        if found is None:
            abort(404, message=f"deal {deal_id} is not linked")
        conflicts = session.scalars(
            select(Conflict)
            .where(Conflict.hubspot_deal_id == deal_id, Conflict.status == "pending")
            .order_by(Conflict.id)
        )
        return {
            **{name: getattr(found, name) for name in LinkSchema().fields if hasattr(found, name)},
            "deferred_fields": found.deferred_fields or {},
            "pending_conflicts": list(conflicts),
        }
