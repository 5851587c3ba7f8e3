"""Input the database cannot store, on SQLite and PostgreSQL: one bad event is
recorded as rejected while the rest of its batch goes through, API path ids
are checked before any query, and a request whose commit fails queues no
task. Only an outage answers 503."""

from __future__ import annotations

import json
import time

import pytest
import redis
import sqlalchemy as sa

from ingest import create_app
from ingest.signatures import v3_signature
from models.links import OpportunityLink
from tests.conftest import TEST_API_TOKEN, TEST_CLIENT_SECRET

PUBLIC_URL = "https://pcsync.example.com"
EVENTS_SECRET = "events-secret-0123456789abcdef"
API = {"Authorization": f"Bearer {TEST_API_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def app(make_settings, database_url, redis_url):
    return create_app(
        make_settings(
            database_url=database_url, celery_broker_url=redis_url, events_secret=EVENTS_SECRET
        )
    )


def rows(app, sql: str) -> list[dict]:
    with app.extensions["pcsync.db"].engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.text(sql))]


def queued(redis_url) -> list[dict]:
    client = redis.Redis.from_url(redis_url)
    return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def hubspot_event(event_id: int, object_id: int, **fields) -> dict:
    return {
        "eventId": event_id,
        "subscriptionId": 7,
        "portalId": 62515,
        "occurredAt": 1_764_300_000_000 + event_id,
        "subscriptionType": "deal.propertyChange",
        "objectId": object_id,
        "propertyName": "amount",
        "propertyValue": str(event_id),
        "changeSource": "CRM_UI",
        **fields,
    }


def post_hubspot(client, events, body: bytes | None = None):
    body = body if body is not None else json.dumps(events).encode()
    stamp = str(int(time.time() * 1000))
    signature = v3_signature(
        TEST_CLIENT_SECRET, "POST", f"{PUBLIC_URL}/webhooks/hubspot", body, stamp
    )
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": stamp,
    }
    return client.post("/webhooks/hubspot", data=body, headers=headers)


def test_unstorable_events_are_rejected_and_the_rest_of_the_batch_is_recorded(app, redis_url):
    events = [
        hubspot_event(1, 41),
        hubspot_event(2, 50, propertyName="amo\x00unt"),
        hubspot_event(3, 51, propertyName="p" * 300),
        hubspot_event(4, 52, occurredAt=2**63),
        hubspot_event(5, 53, propertyValue="\ud800"),
        hubspot_event(6, 42),
    ]
    response = post_hubspot(app.test_client(), events)
    assert response.status_code == 200, response.json
    assert response.json == {
        "received": 6,
        "recorded": 6,
        "duplicates": 0,
        "ignored": 0,
        "rejected": 4,
        "queued": 2,
    }
    rejected = rows(app, "SELECT * FROM inbox_events WHERE outcome = 'rejected' ORDER BY object_id")
    reasons = [row["ignore_reason"] for row in rejected]
    assert reasons == [
        "property_name contains a NUL character; payload contains a NUL character",
        "property_name is longer than 255 characters",
        f"occurred_at_ms is outside {-(2**63)}..{2**63 - 1}",
        "payload contains an unpaired surrogate",
    ]
    assert all("rejected" in row["payload"] for row in rejected)
    pending = rows(app, "SELECT object_id FROM pending_objects ORDER BY object_id")
    assert [row["object_id"] for row in pending] == ["41", "42"]
    assert sorted(m["headers"]["argsrepr"] for m in queued(redis_url)) == [
        "('deal', '41')",
        "('deal', '42')",
    ]
    # HubSpot's retry of the same batch is a duplicate, rejected rows included.
    again = post_hubspot(app.test_client(), events)
    assert again.json["duplicates"] == 6 and again.json["queued"] == 0


@pytest.mark.parametrize(
    ("property_value", "reason"),
    [
        # UTF-8 bytes of a lone surrogate, which json.loads decodes.
        (b'"\xed\xa0\x80"', "payload contains an unpaired surrogate"),
        (b"[" * 70 + b"]" * 70, "payload is nested deeper than 64 levels"),
        (b'{"deep": "a\\u0000b"}', "payload contains a NUL character"),
    ],
)
def test_unstorable_payloads_are_found_however_the_body_writes_them(app, property_value, reason):
    """The webhook skips walking an event's payload when its body shows no
    unstorable text: text hidden in raw bytes or nesting is still found."""
    fine = json.dumps([hubspot_event(1, 41), hubspot_event(2, 42, propertyValue="PLACEHOLDER")])
    body = fine.encode().replace(b'"PLACEHOLDER"', property_value)
    response = post_hubspot(app.test_client(), None, body)
    assert response.status_code == 200, response.json
    assert (response.json["recorded"], response.json["rejected"]) == (2, 1)
    (rejected,) = rows(app, "SELECT * FROM inbox_events WHERE outcome = 'rejected'")
    assert rejected["ignore_reason"] == reason


def pc_event(event_id: str, detail_type: str, detail: dict) -> dict:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.partnercentral-selling",
        "time": "2025-06-15T12:00:00Z",
        "detail": {"catalog": "Sandbox", **detail},
    }


def test_partner_central_events_with_malformed_parts_are_not_errors(app):
    events = [
        pc_event("e-1", "Engagement Member Joined", {"engagement": "not-an-object"}),
        pc_event("e-2", "Engagement Member Joined", {"engagement": {"id": "eng-" + "x" * 100}}),
        pc_event("e-3", "Opportunity Updated", {"opportunity": {"identifier": "O1234567"}}),
    ]
    headers = {"Content-Type": "application/json", "X-PCSync-Events-Secret": EVENTS_SECRET}
    response = app.test_client().post(
        "/webhooks/partner-central", data=json.dumps(events), headers=headers
    )
    assert response.status_code == 200, response.json
    assert response.json["rejected"] == 1 and response.json["recorded"] == 3
    (rejected,) = rows(app, "SELECT * FROM inbox_events WHERE outcome = 'rejected'")
    assert rejected["dedup_key"] == "e-2"
    assert rejected["ignore_reason"] == "object_id is longer than 64 characters"


@pytest.mark.parametrize(
    "path",
    [
        "/api/links/a%00b",
        "/api/failures/99999999999999999999/replay",
        "/api/invitations/" + "x" * 256 + "/accept",
        "/api/opportunities/O1%00/assign",
    ],
)
def test_malformed_path_ids_are_a_400(app, path):
    method = "GET" if path.startswith("/api/links") else "POST"
    response = app.test_client().open(path, method=method, headers=API, json={})
    assert response.status_code == 400, response.json
    assert response.json["errors"]["path"]


def test_api_answers_503_when_the_database_is_down(make_settings, redis_url):
    down = "postgresql+psycopg://postgres@127.0.0.1:1/pcsync"
    app = create_app(make_settings(database_url=down, celery_broker_url=redis_url))
    response = app.test_client().get("/api/status", headers=API)
    assert response.status_code == 503 and "database" in response.json["error"]


def test_an_assignment_whose_commit_fails_queues_no_task(app, redis_url, database_url):
    """Published only after the commit: a value the database refuses (a NUL on
    PostgreSQL) answers 400 with no audit row and no task; where it is stored
    (SQLite), the audit row and the task both exist."""
    with app.extensions["pcsync.db"].transaction() as session:
        session.add(
            OpportunityLink(
                hubspot_deal_id="77",
                catalog="Sandbox",
                opportunity_id="O7777777",
                client_token="tok",
                base_snapshot={},
            )
        )
    body = {"assignee": {"email": "ann@example.com", "first_name": "A\x00n", "last_name": "Lee"}}
    response = app.test_client().post("/api/opportunities/O7777777/assign", headers=API, json=body)
    audits = rows(app, "SELECT * FROM audit_entries WHERE action = 'opportunity.assign'")
    if database_url.startswith("postgresql"):
        assert response.status_code == 400, response.json
    if response.status_code == 400:
        assert audits == [] and queued(redis_url) == []
    else:
        assert response.status_code == 202, response.json
        assert len(audits) == 1 and len(queued(redis_url)) == 1
