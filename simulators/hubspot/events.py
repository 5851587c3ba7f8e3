"""Turn CRM changes into Webhooks API event payloads (https://developers.hubspot.com/docs/api/webhooks).

The CRM layer reports what changed as `Change` values; this module decides
which subscriptions fire and builds each event dict. Delivery (batching,
signing, retries) is `webhooks.py`'s job.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from . import schema
from .associations import AssociationChange
from .objects import ChangeSource
from .subscriptions import SUBSCRIBABLE_OBJECTS, Subscriptions

# The changeFlag HubSpot adds to some events (not in its field table).
CHANGE_FLAGS = {"creation": "CREATED", "deletion": "DELETED", "merge": "MERGED"}
FIRST_EVENT_ID = 100


@dataclass(frozen=True)
class Change:
    kind: str  # creation | deletion | propertyChange | associationChange | merge
    object_type: str
    object_id: str
    source: ChangeSource
    occurred_at_ms: int
    property_name: str | None = None
    property_value: str | None = None
    association: AssociationChange | None = None
    merge: dict = field(default_factory=dict)


class EventBuilder:
    def __init__(self, subscriptions: Subscriptions, portal_id: int, app_id: int):
        self.subscriptions = subscriptions
        self.portal_id = portal_id
        self.app_id = app_id
        self._event_ids = itertools.count(FIRST_EVENT_ID)

    def events_for(self, change: Change) -> list[dict]:
        if change.kind == "associationChange":
            return self._association_events(change)
        singular = schema.SINGULAR[change.object_type]
        if singular not in SUBSCRIBABLE_OBJECTS:
            return []
        subscription_type = f"{singular}.{change.kind}"
        fired = self.subscriptions.matching(subscription_type, change.property_name)
        return [self._event(s, change, self._fields(change)) for s in fired]

    def _fields(self, change: Change) -> dict:
        fields = {"objectId": int(change.object_id)}
        if change.kind == "propertyChange":
            fields["propertyName"] = change.property_name
            fields["propertyValue"] = change.property_value
        if change.kind in CHANGE_FLAGS:
            fields["changeFlag"] = CHANGE_FLAGS[change.kind]
        fields.update(change.merge)
        return fields

    def _association_events(self, change: Change) -> list[dict]:
        """One event per direction, as HubSpot fires associationChange twice."""
        assoc = change.association
        directions = (
            (assoc.from_type, assoc.from_id, assoc.to_type, assoc.to_id),
            (assoc.to_type, assoc.to_id, assoc.from_type, assoc.from_id),
        )
        events = []
        for from_type, from_id, to_type, to_id in directions:
            from_name, to_name = schema.SINGULAR[from_type], schema.SINGULAR[to_type]
            if from_name not in SUBSCRIBABLE_OBJECTS or to_name not in SUBSCRIBABLE_OBJECTS:
                continue
            fields = {
                "associationType": f"{from_name.upper()}_TO_{to_name.upper()}",
                "fromObjectId": int(from_id),
                "toObjectId": int(to_id),
                "associationRemoved": assoc.removed,
                "isPrimaryAssociation": assoc.primary,
            }
            for subscription in self.subscriptions.matching(f"{from_name}.associationChange"):
                events.append(self._event(subscription, change, fields))
        return events

    def _event(self, subscription: dict, change: Change, fields: dict) -> dict:
        event = {
            "eventId": next(self._event_ids),
            "subscriptionId": subscription["id"],
            "portalId": self.portal_id,
            "appId": self.app_id,
            "occurredAt": change.occurred_at_ms,
            "subscriptionType": subscription["subscriptionType"],
            "attemptNumber": 0,
            **fields,
            "changeSource": change.source.change_source,
            "sourceId": change.source.source_id,
        }
        return event
