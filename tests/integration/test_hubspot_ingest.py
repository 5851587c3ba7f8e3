"""POST /webhooks/hubspot against real PostgreSQL/SQLite and a real Redis broker.

Each test asserts the rows written (or not written) and the messages queued,
not only the status code.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from ingest import create_app
from ingest.signatures import v1_signature, v3_signature
from tests.conftest import TEST_API_TOKEN, TEST_CLIENT_SECRET
from tests.integration.helpers import webhook_answer

PUBLIC_URL = "https://pcsync.example.com"
WEBHOOK_URL = f"{PUBLIC_URL}/webhooks/hubspot"


def event(event_id: int, object_id: int = 42, **fields) -> dict:
    return {
        "eventId": event_id,
        "subscriptionId": 7,
        "portalId": 62515,
        "appId": 1001,
        "occurredAt": 1_764_300_000_000 + event_id,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": object_id,
        "propertyName": "amount",
        "propertyValue": str(event_id),
        "changeSource": "CRM_UI",
        **fields,
    }


def v3_headers(body: bytes, uri: str = WEBHOOK_URL, timestamp_ms: int | None = None) -> dict:
    timestamp = str(timestamp_ms or int(time.time() * 1000))
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": v3_signature(TEST_CLIENT_SECRET, "POST", uri, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


@pytest.fixture
def app(make_settings, database_url, redis_url):
    return create_app(make_settings(database_url=database_url, celery_broker_url=redis_url))


def queued_messages(broker) -> list[dict]:
    return [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]


def rows(app, table: str) -> list[dict]:
    engine = app.extensions["pcsync.db"].engine
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.text(f"SELECT * FROM {table}"))]


def post(client, events, headers=None, body=None):
    body = body if body is not None else json.dumps(events).encode()
    return client.post("/webhooks/hubspot", data=body, headers=headers or v3_headers(body))


def test_signed_100_event_batch_is_accepted_and_one_changed_byte_is_not(app, client, broker):
    events = [event(i, object_id=1000 + i) for i in range(100)]
    body = json.dumps(events).encode()
    headers = v3_headers(body)
    tampered = body.replace(b'"propertyValue": "7"', b'"propertyValue": "8"', 1)
    assert tampered != body and len(tampered) == len(body)

    rejected = client.post("/webhooks/hubspot", data=tampered, headers=headers)
    assert rejected.status_code == 401
    assert rows(app, "inbox_events") == []

    accepted = client.post("/webhooks/hubspot", data=body, headers=headers)
    assert accepted.status_code == 200
    assert accepted.json == webhook_answer(received=100, recorded=100, queued=100)
    assert len(rows(app, "inbox_events")) == 100
    assert len(rows(app, "pending_objects")) == 100
    messages = queued_messages(broker)
    assert len(messages) == 100
    assert {m["headers"]["task"] for m in messages} == {"pcsync.sync_hubspot_object"}


def test_v1_signed_batch_is_refused_by_default_and_accepted_when_configured(
    app, client, make_settings, database_url, redis_url
):
    """HubSpot sends v1 beside v3: v1 alone is what a replay with the v3
    headers stripped looks like."""
    body = json.dumps([event(1)]).encode()
    headers = {"X-HubSpot-Signature": v1_signature(TEST_CLIENT_SECRET, body)}
    refused = client.post("/webhooks/hubspot", data=body, headers=headers)
    assert refused.status_code == 401 and "v1 signatures are not accepted" in refused.json["error"]
    assert rows(app, "inbox_events") == []
    with_v1 = create_app(
        make_settings(
            database_url=database_url,
            celery_broker_url=redis_url,
            webhook_signatures=("v1", "v3"),
        )
    )
    assert (
        with_v1.test_client().post("/webhooks/hubspot", data=body, headers=headers).status_code
        == 200
    )
    assert len(rows(app, "inbox_events")) == 1


def test_proxy_in_front_public_url_is_what_counts(app, client):
    body = json.dumps([event(1)]).encode()
    # The app sees http://localhost/...; HubSpot signed the public https URL.
    internal = v3_headers(body, uri="http://localhost/webhooks/hubspot")
    assert client.post("/webhooks/hubspot", data=body, headers=internal).status_code == 401
    public = v3_headers(body, uri=WEBHOOK_URL)
    assert client.post("/webhooks/hubspot", data=body, headers=public).status_code == 200


def test_percent_encoded_query_verifies_after_documented_decoding(app, client):
    body = json.dumps([event(1)]).encode()
    path = "/webhooks/hubspot?portal=62515&next=%2Fdeals%3Fid%3D1"
    # %3D is not among the documented decodings, so it stays encoded.
    signed_uri = f"{PUBLIC_URL}/webhooks/hubspot?portal=62515&next=/deals?id%3D1"
    response = client.post(path, data=body, headers=v3_headers(body, uri=signed_uri))
    assert response.status_code == 200
    assert len(rows(app, "inbox_events")) == 1


def test_stale_and_future_timestamps_are_rejected(app, client):
    body = json.dumps([event(1)]).encode()
    now = int(time.time() * 1000)
    for timestamp in (now - 6 * 60_000, now + 6 * 60_000):
        response = client.post(
            "/webhooks/hubspot", data=body, headers=v3_headers(body, timestamp_ms=timestamp)
        )
        assert response.status_code == 401
    assert rows(app, "inbox_events") == []


def test_duplicate_delivery_is_recorded_once_and_queued_once(app, client, broker):
    events = [event(1), event(2)]
    first = post(client, events)
    retried = [{**e, "attemptNumber": 1} for e in events]
    second = post(client, retried)
    assert first.status_code == second.status_code == 200
    assert second.json["duplicates"] == 2 and second.json["queued"] == 0
    assert len(rows(app, "inbox_events")) == 2
    assert len(queued_messages(broker)) == 1


@contextmanager
def statements_sent(app):
    """Every SQL statement the app's engine sends while the block runs."""
    sent = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        sent.append(statement.split("(")[0].strip())

    engine = app.extensions["pcsync.db"].engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_a_100_event_batch_is_one_statement_per_table_and_a_duplicate_writes_nothing(
    app, client, broker
):
    """On PostgreSQL both tables are written by one statement (run in
    autocommit: it is its own transaction); elsewhere one per table."""
    one_statement = app.extensions["pcsync.db"].engine.dialect.name == "postgresql"
    events = [event(i, object_id=1000 + i) for i in range(100)]
    post(client, [event(500)])  # the pool's connection is open before counting
    with statements_sent(app) as new_batch:
        assert post(client, events).json["queued"] == 100
    both_tables = ["INSERT INTO inbox_events", "INSERT INTO pending_objects"]
    assert new_batch == (["WITH recorded AS"] if one_statement else both_tables)

    pending_before = rows(app, "pending_objects")
    with statements_sent(app) as duplicate:
        answer = post(client, [{**e, "attemptNumber": 1} for e in events]).json
    assert answer["duplicates"] == 100 and answer["queued"] == 0
    # answered by the unique index
    assert duplicate == (["WITH recorded AS"] if one_statement else ["INSERT INTO inbox_events"])
    assert rows(app, "pending_objects") == pending_before

    later = [event(200 + i, object_id=1000 + i) for i in range(100)]
    with statements_sent(app) as coalesced:
        assert post(client, later).json == {**answer, "recorded": 100, "duplicates": 0}
    assert coalesced == new_batch
    # Their tasks are still queued: the runs will read the deals after these
    # events, so the pending rows are left as they were (no write).
    assert rows(app, "pending_objects") == pending_before
    assert len(rows(app, "inbox_events")) == 201
    assert len(queued_messages(broker)) == 101


def test_a_first_delivery_already_recorded_is_answered_as_a_duplicate(app, client, broker):
    """A batch of first deliveries (attemptNumber 0) is written on
    PostgreSQL without ON CONFLICT; an event in it that is recorded after
    all (a delivery cut off after its commit, sent again as new) fails that
    statement as a whole, and the one with ON CONFLICT records the rest."""
    one_statement = app.extensions["pcsync.db"].engine.dialect.name == "postgresql"
    assert post(client, [event(7, object_id=77)]).json["recorded"] == 1
    sent = []

    def keep(_conn, _cursor, statement, *_args):
        sent.append("ON CONFLICT (source, dedup_key) DO NOTHING" in statement)

    engine = app.extensions["pcsync.db"].engine
    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        answer = post(client, [event(7, object_id=77), event(8, object_id=88)]).json
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    assert (answer["recorded"], answer["duplicates"], answer["queued"]) == (1, 1, 1)
    # without ON CONFLICT first, then with it; SQLite always tolerates
    assert sent[:2] == ([False, True] if one_statement else [True, False])
    keys = [row["dedup_key"] for row in rows(app, "inbox_events")]
    assert len(keys) == len(set(keys)) == 2
    assert {row["object_id"] for row in rows(app, "pending_objects")} == {"77", "88"}
    assert len(queued_messages(broker)) == 2


def test_a_retried_batch_is_answered_from_the_redis_memo_and_without_it_from_the_database(
    make_settings, database_url, redis_url, broker
):
    """With REDIS_URL set, the keys of a recorded batch are kept in Redis; a
    retry of the batch (attemptNumber raised) is answered without a SQL
    statement, and the same when Redis forgot them, by the database."""
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url=redis_url, redis_url=redis_url)
    )
    client = app.test_client()
    events = [event(i, object_id=1000 + i) for i in range(100)]
    assert post(client, events).json["recorded"] == 100
    retried = [{**e, "attemptNumber": 1} for e in events]
    answer = {"received": 100, "recorded": 0, "duplicates": 100, "ignored": 0, "rejected": 0}
    with statements_sent(app) as from_memory:
        assert post(client, retried).json == {**answer, "queued": 0}
    assert from_memory == []

    broker.delete(*broker.keys("pcsync:inbox:recent:*"))
    with statements_sent(app) as from_database:
        assert post(client, retried).json == {**answer, "queued": 0}
    assert from_database  # the database said so
    with statements_sent(app) as one_new:
        answer = post(client, [*retried[:99], event(500, object_id=1)]).json
    assert (answer["recorded"], answer["duplicates"]) == (1, 99)
    assert one_new
    assert len(rows(app, "inbox_events")) == 101
    assert len(queued_messages(broker)) == 101


def test_burst_of_50_events_for_one_object_queues_exactly_one_task(app, client, broker):
    for i in range(50):
        assert post(client, [event(i, object_id=42)]).status_code == 200
    assert len(rows(app, "inbox_events")) == 50
    (pending,) = rows(app, "pending_objects")
    # One row, still as the first event made it: its task has not started.
    assert (pending["object_type"], pending["object_id"], pending["generation"]) == (
        "deal",
        "42",
        1,
    )
    assert pending["scheduled"] and pending["claimed_at"] is None
    messages = queued_messages(broker)
    assert len(messages) == 1
    assert messages[0]["headers"]["argsrepr"] == "('deal', '42')"
    assert messages[0]["headers"]["eta"] is not None  # debounced, not immediate


def association_event(event_id: int, object_type: str, association: str, from_id, to_id):
    """An association change as HubSpot sends it: no objectId, no property."""
    return event(
        event_id,
        subscriptionType=f"{object_type}.associationChange",
        objectId=None,
        propertyName=None,
        associationType=association,
        fromObjectId=from_id,
        toObjectId=to_id,
    )


def test_association_change_in_both_directions_coalesces_on_the_deal(app, client, broker):
    events = [
        association_event(1, "deal", "DEAL_TO_CONTACT", from_id=42, to_id=7),
        association_event(2, "contact", "CONTACT_TO_DEAL", from_id=7, to_id=42),
    ]
    assert post(client, events).json["queued"] == 1
    assert [(r["object_type"], r["object_id"]) for r in rows(app, "pending_objects")] == [
        ("deal", "42")
    ]


def test_events_for_pcsync_owned_properties_are_acknowledged_and_ignored(app, client, broker):
    own = event(1, propertyName="aws_review_status", propertyValue="Submitted")
    response = post(client, [own])
    assert response.status_code == 200
    assert response.json["ignored"] == 1 and response.json["queued"] == 0
    (row,) = rows(app, "inbox_events")
    assert row["outcome"] == "ignored"
    assert "written by pcsync" in row["ignore_reason"]
    assert rows(app, "pending_objects") == []
    assert queued_messages(broker) == []


def test_malformed_json_and_wrong_shape_give_400_and_write_nothing(app, client, broker):
    bad_json = post(client, None, body=b'[{"eventId": 1,')
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json["error"]
    not_array = post(client, {"eventId": 1})
    assert not_array.status_code == 400
    missing = post(client, [{"eventId": 1, "subscriptionType": "deal.creation"}])
    assert missing.status_code == 400
    assert {"portalId", "occurredAt", "subscriptionId"} <= set(missing.json["fields"]["0"])
    too_many = post(client, [event(i) for i in range(101)])
    assert too_many.status_code == 400
    assert rows(app, "inbox_events") == [] and queued_messages(broker) == []


def test_event_type_alias_is_accepted(app, client):
    aliased = event(1)
    aliased["eventType"] = aliased.pop("subscriptionType")
    assert post(client, [aliased]).status_code == 200
    assert rows(app, "inbox_events")[0]["event_type"] == "deal.propertyChange"


def test_oversize_body_gives_413_and_writes_nothing(make_settings, database_url, redis_url, broker):
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url=redis_url, max_body_bytes=2048)
    )
    events = [event(i) for i in range(30)]
    response = post(app.test_client(), events)
    assert response.status_code == 413
    assert rows(app, "inbox_events") == [] and queued_messages(broker) == []


def test_broker_down_gives_503_and_leaves_the_event_pending(make_settings, database_url):
    """Tasks are published after the commit: the event is kept, its object
    stays pending for the sweeper, and HubSpot's retry is a duplicate."""
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url="redis://127.0.0.1:1/0")
    )
    started = time.monotonic()
    response = post(app.test_client(), [event(1)])
    assert response.status_code == 503
    assert "broker" in response.json["error"]
    assert time.monotonic() - started < 5  # HubSpot gives up after 5 s
    assert len(rows(app, "inbox_events")) == 1
    (pending,) = rows(app, "pending_objects")
    assert pending["scheduled"] in (True, 1)


# Only a database server can close a pooled connection under the ingest.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_the_database_server_closed_is_retried_once(app, client, broker):
    """The ingest's pool does not ping before each request: a pooled
    connection the server closed (a restart) fails the statement, and the
    webhook tries once more on a fresh connection instead of answering 503."""
    engine = app.extensions["pcsync.db"].engine
    assert post(client, [event(1)]).status_code == 200  # the pool holds one connection
    pooled = engine.raw_connection()
    backend = pooled.driver_connection.info.backend_pid
    pooled.close()  # back to the pool, where the next request finds it
    admin = sa.create_engine(engine.url)
    with admin.begin() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()

    response = post(client, [event(2, object_id=43)])
    assert response.status_code == 200
    assert response.json["recorded"] == 1 and response.json["queued"] == 1
    assert len(rows(app, "inbox_events")) == 2


def test_database_down_gives_503_and_queues_nothing(make_settings, redis_url, broker):
    down = "postgresql+psycopg://postgres@127.0.0.1:1/pcsync"
    app = create_app(make_settings(database_url=down, celery_broker_url=redis_url))
    response = post(app.test_client(), [event(1)])
    assert response.status_code == 503
    assert "database" in response.json["error"]
    assert queued_messages(broker) == []


def test_missing_secret_gives_503_not_a_silent_accept(make_settings, database_url, redis_url):
    app = create_app(
        make_settings(
            database_url=database_url, celery_broker_url=redis_url, hubspot_client_secret=None
        )
    )
    assert post(app.test_client(), [event(1)]).status_code == 503
    assert rows(app, "inbox_events") == []


def test_health_and_readiness(app, client, make_settings, database_url):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "broker": "ok"}
    broken = create_app(
        make_settings(database_url=database_url, celery_broker_url="redis://127.0.0.1:1/0")
    )
    not_ready = broken.test_client().get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json["checks"]["database"] == "ok"
    assert not_ready.json["checks"]["broker"].startswith("unavailable")


def test_management_api_requires_a_bearer_token(app, client):
    assert client.get("/api/status").status_code == 401
    assert (
        client.get(
            "/api/status", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}
        ).status_code
        == 401
    )
    post(client, [event(1)])
    ok = client.get("/api/status", headers={"Authorization": f"Bearer {TEST_API_TOKEN}"})
    assert ok.status_code == 200
    assert ok.json == {"links": 0, "pending_objects": 1, "inbox_events": 1, "failed_tasks": 0}
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/status" in spec["paths"]
