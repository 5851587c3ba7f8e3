"""Management API for the conflict queue (bearer token, under /api).

- GET  /api/conflicts                 pending and resolved conflicts, paged
- POST /api/conflicts/{id}/resolve    settle one: 202 queued, 404, 409, 400

Like every ingest route this validates, checks and queues; the task
(`pcsync.resolve_conflict`) settles it through the deal's one writer
(`workers.sync.conflict_resolution.resolve_conflict`, which the CLI runs
inline). The console calls the same `tasks.conflicts.request_resolution`.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ingest.api_common import SECURITY, operator_actor, operator_blueprint
from ingest.paging import PageArgs, page_fields, page_of
from models.conflicts import conflict_query, conflict_view
from pcsync import runtime
from workers.dispatch import request_resolution
from workers.sync.resolutions import CHOICES, Resolution, ResolutionError

blueprint = operator_blueprint(
    "api_conflicts", __name__, "Conflict queue: fields both sides changed that an operator settles"
)


class ConflictListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(("pending", "resolved")))
    deal_id = fields.String(load_default=None)
    opportunity_id = fields.String(load_default=None)
    field = fields.String(
        load_default=None, metadata={"description": "dotted path, e.g. LifeCycle.TargetCloseDate"}
    )


class ConflictValuesSchema(Schema):
    base = fields.Raw(allow_none=True)
    hubspot = fields.Raw(allow_none=True)
    partner_central = fields.Raw(allow_none=True)


class ConflictItemSchema(Schema):
    id = fields.Integer()
    deal_id = fields.String()
    opportunity_id = fields.String(allow_none=True)
    field = fields.String(metadata={"description": "e.g. Customer.Contacts[<contact id>].Phone"})
    strategy = fields.String()
    values = fields.Nested(ConflictValuesSchema)
    status = fields.String(metadata={"description": "pending | resolved"})
    detected_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(
        allow_none=True,
        metadata={"description": "hubspot | partner_central | value | converged | superseded"},
    )
    resolved_by = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)


ConflictPageSchema = Schema.from_dict(page_fields(ConflictItemSchema), name="ConflictPage")


class ResolveSchema(Schema):
    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))
    value = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={"description": "with choice=value: the value as HubSpot holds it"},
    )


class QueuedResolutionSchema(Schema):
    queued = fields.Boolean()
    conflict_id = fields.Integer()
    deal_id = fields.String()


@blueprint.route("/conflicts")
@blueprint.arguments(ConflictListArgs, location="query", error_status_code=400)
@blueprint.response(200, ConflictPageSchema)
@blueprint.doc(security=SECURITY)
def list_conflicts(args):
    """Conflicts, oldest first, filtered by status, deal, opportunity or field."""
    with runtime.database().transaction() as session:
        return page_of(session, conflict_query(args), args, lambda row: conflict_view(row[0]))


@blueprint.route("/conflicts/<int:conflict_id>/resolve", methods=["POST"])
@blueprint.arguments(ResolveSchema, error_status_code=400)
@blueprint.response(202, QueuedResolutionSchema)
@blueprint.alt_response(400, description="bad choice, or a value the field cannot take")
@blueprint.alt_response(404, description="no conflict with this id")
@blueprint.alt_response(409, description="already resolved")
@blueprint.doc(security=SECURITY)
def resolve(body: dict, conflict_id: int):
    """Settle a conflict: take HubSpot's value, Partner Central's, or a given
    value. Queued; the winner reaches the losing side through the deal's
    sync, and the resolution is audited (`conflict.resolve`)."""
    resolution = Resolution(body["choice"], body.get("value"))
    try:
        deal_id = request_resolution(conflict_id, resolution, operator_actor())
    except ResolutionError as exc:
        abort(exc.status, message=exc.message)
    return {"queued": True, "conflict_id": conflict_id, "deal_id": deal_id}
