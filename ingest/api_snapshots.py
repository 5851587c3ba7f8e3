"""Management API for resource snapshots (bearer token, under /api).

- POST /api/opportunities/{opportunityId}/snapshots               {"template"}: create one
- GET  /api/opportunities/{opportunityId}/snapshots               list them
- GET  /api/opportunities/{opportunityId}/snapshots/{snapshotId}  one, with what it captured

A snapshot is taken inside the opportunity's engagement, so the opportunity
must have been submitted to AWS first (409 otherwise). The request is
recorded (audited) and queued; the task (`pcsync.create_snapshot`) calls
Partner Central with a ClientToken derived from the request.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ingest.api_assignment import linked_opportunity
from ingest.api_common import SECURITY, operator_blueprint, operator_run
from models.resources import ResourceSnapshot
from pcsync import runtime
from workers.dispatch import queue_snapshot
from workers.sync.snapshot_requests import TEMPLATES, request_snapshot, snapshot_view, snapshots_of

blueprint = operator_blueprint(
    "api_snapshots",
    __name__,
    (
        "Resource snapshots: template-based, immutable copies of an opportunity's fields shared"
        " with its engagement's members (not files)"
    ),
)


class SnapshotRequestSchema(Schema):
    template = fields.String(
        load_default=TEMPLATES[0],
        validate=validate.OneOf(TEMPLATES),
        metadata={"description": f"snapshot template; default {TEMPLATES[0]}"},
    )


class SnapshotSchema(Schema):
    id = fields.Integer()
    template = fields.String()
    engagement_id = fields.String()
    status = fields.String(metadata={"description": "requested, created or failed"})
    revision = fields.Integer(allow_none=True)
    arn = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    requested_at = fields.String()
    created_at = fields.String(allow_none=True)
    payload = fields.Dict(metadata={"description": "the fields the snapshot captured"})


@blueprint.route("/opportunities/<opportunityId>/snapshots", methods=["POST"])
@blueprint.arguments(SnapshotRequestSchema, error_status_code=400)
@blueprint.response(202, SnapshotSchema)
@blueprint.alt_response(400, description="bad body; `errors` names each field")
@blueprint.alt_response(404, description="no linked opportunity with this id")
@blueprint.alt_response(409, description="the opportunity is in no engagement yet")
@blueprint.doc(security=SECURITY)
def create(body: dict, opportunityId: str):  # the documented path parameter's name
    """Snapshot the opportunity in its engagement. Queued; the outcome is audited."""
    run = operator_run()
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunityId)
        if not link.engagement_id:
            abort(409, message=f"{opportunityId} is in no engagement yet: submit it to AWS first")
        row = request_snapshot(session, link, body["template"], run)
    # Queued after the commit so the task finds the request; it is idempotent
    # (its ClientToken comes from the request), so a redelivery is harmless.
    with runtime.celery_app().producer_or_acquire() as producer:
        queue_snapshot(row.id, requested_by=run.actor, producer=producer)
    return snapshot_view(row)


@blueprint.route("/opportunities/<opportunityId>/snapshots")
@blueprint.response(200, SnapshotSchema(many=True))
@blueprint.alt_response(404, description="no linked opportunity with this id")
@blueprint.doc(security=SECURITY)
def list_snapshots(opportunityId: str):
    """The snapshots pcsync was asked to create, oldest first."""
    with runtime.database().transaction() as session:
        linked_opportunity(session, opportunityId)
        return snapshots_of(session, opportunityId)


@blueprint.route("/opportunities/<opportunityId>/snapshots/<int:snapshotId>")
@blueprint.response(200, SnapshotSchema)
@blueprint.alt_response(404, description="no such opportunity or snapshot")
@blueprint.doc(security=SECURITY)
def get_snapshot(opportunityId: str, snapshotId: int):
    """One snapshot with the fields Partner Central captured."""
    with runtime.database().transaction() as session:
        linked_opportunity(session, opportunityId)
        row = session.get(ResourceSnapshot, snapshotId)
        if row is None or row.opportunity_id != opportunityId:
            abort(404, message=f"no snapshot {snapshotId} of {opportunityId}")
        return snapshot_view(row, with_payload=True)
