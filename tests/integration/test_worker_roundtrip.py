"""A real Celery worker consumes what the ingest queued (Redis broker)."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from celery.contrib.testing.worker import start_worker

from ingest import create_app
from ingest.signatures import v3_signature
from tests.conftest import TEST_CLIENT_SECRET


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_webhook_to_worker_audit(make_settings, database_url, redis_url):
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url=redis_url, debounce_seconds=0.2)
    )
    events = [
        {
            "eventId": i,
            "subscriptionId": 1,
            "portalId": 62515,
            "occurredAt": 1_764_300_000_000 + i,
            "subscriptionType": "deal.propertyChange",
            "objectId": 77,
            "propertyName": "dealname",
            "propertyValue": f"name {i}",
        }
        for i in range(5)
    ]
    body = json.dumps(events).encode()
    timestamp = str(int(time.time() * 1000))
    uri = "https://pcsync.example.com/webhooks/hubspot"
    headers = {
        "X-HubSpot-Signature-v3": v3_signature(TEST_CLIENT_SECRET, "POST", uri, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }
    assert (
        app.test_client().post("/webhooks/hubspot", data=body, headers=headers).status_code == 200
    )

    engine = app.extensions["pcsync.db"].engine

    def audit_rows():
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT action, outcome, object_id, task_id FROM audit_entries")
            ).all()

    celery = app.extensions["celery"]
    with app.app_context(), start_worker(celery, pool="solo", perform_ping_check=False):
        rows = wait_for(audit_rows)
    assert len(rows) == 1
    action, outcome, object_id, task_id = rows[0]
    assert (action, outcome, object_id) == ("hubspot.deal.changed", "not_linked", "77")
    assert task_id
    with engine.connect() as connection:
        scheduled = connection.execute(sa.text("SELECT scheduled FROM pending_objects")).scalar()
    assert not scheduled  # the task claimed the marker: the next event queues anew
