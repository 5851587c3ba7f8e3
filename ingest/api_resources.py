"""Management API for an opportunity's resources (bearer token, under /api).

- GET    /api/opportunities/{opportunityId}/resources   solutions, AWS products,
         Marketplace offer, snapshots and attached library resources together
- POST   /api/opportunities/{opportunityId}/resources   {"type", "id"}: associate
- DELETE /api/opportunities/{opportunityId}/resources/{type}/{resourceId}

Like every ingest route this only validates, records (audited) and queues:
the task (`pcsync.change_related_entity`) makes the Partner Central calls and
writes the result to the deal's properties. 400 names each bad field, 404 is
an unknown opportunity or association, 409 a limit the change would exceed.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ingest.api_assignment import linked_opportunity
from ingest.api_common import (
    SECURITY,
    QueuedOnOpportunitySchema,
    audit_request,
    operator_blueprint,
    operator_run,
    opportunity_read,
)
from models.resources import RelatedEntityBase
from pcsync import runtime
from workers.dispatch import queue_related_entity_change
from workers.engine.related_kinds import KINDS, as_sets
from workers.sync.library_views import attached_resources
from workers.sync.snapshot_requests import snapshots_of
from workers.sync.solution_cache import ACTION, cached_active_solutions

blueprint = operator_blueprint(
    "api_resources",
    __name__,
    (
        "Solutions, AWS products and the Marketplace offer of an opportunity, its resource"
        " snapshots and the partner resources attached to it. The Partner Central API has no"
        " document upload: files stay in pcsync's resource library and are shared as links."
    ),
)
TYPES = tuple(KINDS)


class ResourceRequestSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "S-… solution id, AWS product code, or offer (set) ARN"},
    )


class QueuedChangeSchema(QueuedOnOpportunitySchema):
    type = fields.String()
    id = fields.String()


class RelatedEntitiesSchema(Schema):
    solutions = fields.List(fields.String())
    aws_products = fields.List(fields.String())
    marketplace_offer = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "synced or needs_input"})
    problem = fields.String(allow_none=True)


class ResourcesSchema(RelatedEntitiesSchema):
    opportunity_id = fields.String()
    hubspot_deal_id = fields.String()
    snapshots = fields.List(fields.Dict(), metadata={"description": "resource snapshots"})
    library = fields.List(fields.Dict(), metadata={"description": "attached partner resources"})


def related_view(row: RelatedEntityBase | None) -> dict:
    current = as_sets(row.base if row else None)
    offers = sorted(current["marketplace_offer"])
    return {
        "solutions": sorted(current["solution"]),
        "aws_products": sorted(current["aws_product"]),
        "marketplace_offer": offers[0] if offers else None,
        "status": row.status if row else "synced",
        "problem": row.problem if row else None,
    }


def field_error(name: str, message: str):
    abort(400, message="the resource is invalid", messages={"json": {name: [message]}})


def check_identifier(kind: str, identifier: str) -> None:
    """400 for an id Partner Central would refuse, before anything is queued."""
    # Late: the documented forms are the service model's patterns (botocore),
    # which only this check needs.
    from workers.engine.related_entities import entity_type_of

    if entity_type_of(kind, identifier) is None:
        field_error("id", f"not a valid {KINDS[kind].label} identifier")
    active = cached_active_solutions()
    if kind == "solution" and active is not None and identifier not in active:
        field_error("id", f"solution {identifier} is unknown or not Active in Partner Central")


def check_limit(current: dict, kind: str, identifier: str) -> None:
    if identifier not in current[kind] and len(current[kind]) >= KINDS[kind].limit:
        abort(
            409,
            message=f"the opportunity already has {len(current[kind])} {KINDS[kind].label};"
            f" at most {KINDS[kind].limit} are allowed",
        )


def queue_change(session, opportunity_id: str, kind: str, identifier: str, add: bool) -> dict:
    link = linked_opportunity(session, opportunity_id)
    run = operator_run()
    audit_request(session, run, ACTION, link, diff={"add" if add else "remove": {kind: identifier}})
    # Published before the commit: a broker failure rolls the audit back.
    with runtime.celery_app().producer_or_acquire() as producer:
        queue_related_entity_change(
            opportunity_id, kind, identifier, add=add, requested_by=run.actor, producer=producer
        )
    return {
        "queued": True,
        "opportunity_id": opportunity_id,
        "hubspot_deal_id": link.hubspot_deal_id,
        "type": kind,
        "id": identifier,
    }


@opportunity_read(blueprint, "/opportunities/<opportunityId>/resources", ResourcesSchema)
def get_resources(opportunityId: str):  # the documented path parameter's name
    """Everything attached to the opportunity, as pcsync last agreed it with Partner Central."""
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunityId)
        return {
            "opportunity_id": opportunityId,
            "hubspot_deal_id": link.hubspot_deal_id,
            **related_view(session.get(RelatedEntityBase, link.hubspot_deal_id)),
            "snapshots": snapshots_of(session, opportunityId),
            "library": attached_resources(session, link.hubspot_deal_id),
        }


@blueprint.route("/opportunities/<opportunityId>/resources", methods=["POST"])
@blueprint.arguments(ResourceRequestSchema, error_status_code=400)
@blueprint.response(202, QueuedChangeSchema)
@blueprint.alt_response(400, description="bad body; `errors` names each field")
@blueprint.alt_response(404, description="no linked opportunity with this id")
@blueprint.alt_response(409, description="the opportunity already has the most it may have")
@blueprint.doc(security=SECURITY)
def add_resource(body: dict, opportunityId: str):
    """Associate a solution, AWS product or Marketplace offer (or offer set).
    Queued; the deal's property shows it once Partner Central has it."""
    kind, identifier = body["type"], body["id"].strip()
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunityId)
        check_identifier(kind, identifier)
        row = session.get(RelatedEntityBase, link.hubspot_deal_id)
        check_limit(as_sets(row.base if row else None), kind, identifier)
        return queue_change(session, opportunityId, kind, identifier, add=True)


@blueprint.route(
    "/opportunities/<opportunityId>/resources/<type>/<path:resourceId>", methods=["DELETE"]
)
@blueprint.response(202, QueuedChangeSchema)
@blueprint.alt_response(400, description="unknown type")
@blueprint.alt_response(404, description="no such opportunity or association")
@blueprint.doc(security=SECURITY)
def remove_resource(opportunityId: str, type: str, resourceId: str):
    """Disassociate a solution, AWS product or Marketplace offer. Queued."""
    if type not in TYPES:
        abort(400, message="unknown type", messages={"path": {"type": [f"one of {TYPES}"]}})
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunityId)
        row = session.get(RelatedEntityBase, link.hubspot_deal_id)
        if resourceId not in as_sets(row.base if row else None)[type]:
            abort(404, message=f"{resourceId} is not associated with {opportunityId}")
        return queue_change(session, opportunityId, type, resourceId, add=False)
