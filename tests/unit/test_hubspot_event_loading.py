"""The webhook's fast event check gives what the marshmallow schema gives.

`load_batch` skips the schema for events whose values already have their
plain JSON types; these tests hold it to the schema: the same loaded events,
or the same ValidationError, for canonical, coercible and invalid batches.
"""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from ingest.hubspot_events import load_batch, plain_event
from models.schemas import load_hubspot_batch
from tests.integration.test_hubspot_ingest import event

BASE = event(1)
ASSOCIATION = {
    **{k: v for k, v in BASE.items() if k not in ("objectId", "propertyName", "propertyValue")},
    "subscriptionType": "deal.associationChange",
    "associationType": "DEAL_TO_CONTACT",
    "fromObjectId": 42,
    "toObjectId": 7,
    "associationRemoved": False,
}
MERGE = {
    **{k: v for k, v in BASE.items() if k not in ("objectId", "propertyName", "propertyValue")},
    "subscriptionType": "contact.merge",
    "primaryObjectId": 5,
    "mergedObjectIds": [6, 7],
    "newObjectId": 8,
}

# Events the fast path takes as they are.
PLAIN = [
    BASE,
    {**BASE, "unknownNewField": {"x": 1}, "attemptNumber": 3},
    {**BASE, "appId": None, "sourceId": None, "propertyValue": {"nested": [1, "a"]}},
    ASSOCIATION,
    MERGE,
]
# Valid events whose values the schema converts (or whose field name it aliases).
COERCED = [
    {**BASE, "eventId": "1"},
    {**BASE, "objectId": 42.0},
    {**ASSOCIATION, "associationRemoved": "true"},
    {**{k: v for k, v in BASE.items() if k != "subscriptionType"}, "eventType": "deal.creation"},
]
INVALID = [
    {**BASE, "eventId": None},
    {**BASE, "attemptNumber": None},
    {**BASE, "occurredAt": -1},
    {**BASE, "subscriptionType": "x"},
    {**BASE, "subscriptionType": "deal.propertyChange", "propertyName": ""},
    {k: v for k, v in BASE.items() if k != "objectId"},
    {**ASSOCIATION, "toObjectId": None},
    {**MERGE, "primaryObjectId": None},
    {**MERGE, "mergedObjectIds": [1, "x"]},
    {**BASE, "objectId": True},
    "not an event",
]


@pytest.mark.parametrize("event", PLAIN)
def test_plain_events_skip_the_schema_and_load_the_same(event):
    assert plain_event(event) is not None
    assert load_batch([event]) == load_hubspot_batch([event])


@pytest.mark.parametrize("event", COERCED)
def test_events_the_schema_converts_are_left_to_it(event):
    assert plain_event(event) is None
    assert load_batch([event]) == load_hubspot_batch([event])


@pytest.mark.parametrize("event", INVALID)
def test_invalid_events_get_the_schemas_error(event):
    assert plain_event(event) is None
    with pytest.raises(ValidationError) as fast:
        load_batch([BASE, event])
    with pytest.raises(ValidationError) as schema:
        load_hubspot_batch([BASE, event])
    assert fast.value.messages == schema.value.messages


@pytest.mark.parametrize("payload", [[], [BASE] * 101, {"events": [BASE]}])
def test_batch_shape_errors_come_from_the_schema(payload):
    with pytest.raises(ValidationError, match=r"at least one|at most 100|JSON array"):
        load_batch(payload)
