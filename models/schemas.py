"""Marshmallow schemas for what crosses our boundaries."""

from __future__ import annotations

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

HUBSPOT_OBJECT_TYPES = ("deal", "contact", "company")
MAX_EVENTS_PER_REQUEST = 100


class HubSpotEventSchema(Schema):
    """One event of a HubSpot Webhooks API batch (reference/hubspot-api.md §2).

    Unknown fields are kept out rather than rejected: HubSpot adds fields
    over time and a new one must not turn deliveries into 400s.
    """

    class Meta:
        unknown = EXCLUDE

    eventId = fields.Integer(required=True, strict=False)
    subscriptionId = fields.Integer(required=True)
    portalId = fields.Integer(required=True)
    appId = fields.Integer(load_default=None)
    occurredAt = fields.Integer(required=True, validate=validate.Range(min=0))
    subscriptionType = fields.String(required=True, validate=validate.Length(min=3, max=100))
    attemptNumber = fields.Integer(load_default=0)
    objectId = fields.Integer(load_default=None)
    propertyName = fields.String(load_default=None)
    propertyValue = fields.Raw(load_default=None)
    changeSource = fields.String(load_default=None)
    sourceId = fields.String(load_default=None)
    changeFlag = fields.String(load_default=None)
    associationType = fields.String(load_default=None)
    fromObjectId = fields.Integer(load_default=None)
    toObjectId = fields.Integer(load_default=None)
    associationRemoved = fields.Boolean(load_default=None)
    isPrimaryAssociation = fields.Boolean(load_default=None)
    primaryObjectId = fields.Integer(load_default=None)
    mergedObjectIds = fields.List(fields.Integer(), load_default=None)
    newObjectId = fields.Integer(load_default=None)
    numberOfPropertiesMoved = fields.Integer(load_default=None)

    @pre_load
    def accept_event_type_alias(self, data, **_kwargs):
        # HubSpot's docs call the field eventType; real payloads say
        # subscriptionType. Accept either.
        if isinstance(data, dict) and "subscriptionType" not in data and "eventType" in data:
            data = {**data, "subscriptionType": data["eventType"]}
        return data

    @validates_schema
    def object_reference_present(self, data, **_kwargs):
        kind = data["subscriptionType"]
        if kind.endswith(".associationChange"):
            if data.get("fromObjectId") is None or data.get("toObjectId") is None:
                raise ValidationError("associationChange needs fromObjectId and toObjectId")
        elif kind.endswith(".merge"):
            if data.get("primaryObjectId") is None and data.get("objectId") is None:
                raise ValidationError("merge needs primaryObjectId")
        elif data.get("objectId") is None:
            raise ValidationError("objectId is required", "objectId")
        if kind.endswith(".propertyChange") and not data.get("propertyName"):
            raise ValidationError("propertyChange needs propertyName", "propertyName")


hubspot_event_batch = HubSpotEventSchema(many=True)


def load_hubspot_batch(payload: object) -> list[dict]:
    """Validate a decoded webhook body; raise ValidationError with every problem."""
    if not isinstance(payload, list):
        raise ValidationError("body must be a JSON array of events")
    if not payload:
        raise ValidationError("body must contain at least one event")
    if len(payload) > MAX_EVENTS_PER_REQUEST:
        raise ValidationError(f"at most {MAX_EVENTS_PER_REQUEST} events per request")
    return hubspot_event_batch.load(payload)
