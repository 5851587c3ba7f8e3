"""Marshmallow schemas for what crosses our boundaries."""

from __future__ import annotations

import re

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
    """One event of a HubSpot Webhooks API batch (https://developers.hubspot.com/docs/api/webhooks).

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
    return hubspot_event_batch.load(_sized_batch(payload, "body must be a JSON array of events"))


def _sized_batch(events: object, not_a_list: str) -> list:
    """``events`` if it is a list of 1 to MAX_EVENTS_PER_REQUEST items, else
    ValidationError (``not_a_list`` when it is no list)."""
    if not isinstance(events, list):
        raise ValidationError(not_a_list)
    if not events:
        raise ValidationError("body must contain at least one event")
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise ValidationError(f"at most {MAX_EVENTS_PER_REQUEST} events per request")
    return events


# -- Partner Central events (EventBridge API destination) ------------------------------

PC_EVENT_SOURCE = "aws.partnercentral-selling"
PC_OPPORTUNITY_CHANGES = ("Opportunity Created", "Opportunity Updated")
# The Opportunity Id pattern of the service model (GetOpportunityRequest.Identifier).
PC_OPPORTUNITY_ID = r"O[0-9]{1,19}"


class PartnerCentralEventSchema(Schema):
    """One EventBridge event (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html).

    Only the envelope is checked here, plus the opportunity reference the
    ingest acts on; detail-types and catalogs pcsync does not handle are
    recorded and ignored by the ingest, not rejected, so a rule that
    forwards a little too much does not turn deliveries into errors.
    """

    class Meta:
        unknown = EXCLUDE

    version = fields.String(load_default="0")
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    detail_type = fields.String(
        required=True, data_key="detail-type", validate=validate.Length(min=1, max=100)
    )
    source = fields.String(required=True, validate=validate.Length(min=1, max=255))
    account = fields.String(load_default=None)
    time = fields.AwareDateTime(required=True, format="iso")
    region = fields.String(load_default=None)
    resources = fields.List(fields.String(), load_default=list)
    detail = fields.Dict(required=True)

    @validates_schema
    def opportunity_reference_present(self, data, **_kwargs):
        if data["source"] != PC_EVENT_SOURCE or data["detail_type"] not in PC_OPPORTUNITY_CHANGES:
            return
        opportunity = data["detail"].get("opportunity")
        identifier = opportunity.get("identifier") if isinstance(opportunity, dict) else None
        if not isinstance(identifier, str) or not re.fullmatch(PC_OPPORTUNITY_ID, identifier):
            raise ValidationError("needs detail.opportunity.identifier like O1234567", "detail")
        if not isinstance(data["detail"].get("catalog"), str):
            raise ValidationError("needs detail.catalog", "detail")


partner_central_events = PartnerCentralEventSchema(many=True)


def load_partner_central_events(payload: object) -> list[dict]:
    """Validate a decoded events body: one event object (what an API
    destination sends) or an array of them (replays, tests)."""
    events = [payload] if isinstance(payload, dict) else payload
    not_a_list = "body must be an event object or an array of events"
    return partner_central_events.load(_sized_batch(events, not_a_list))
