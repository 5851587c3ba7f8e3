"""PCSYNC_INGEST_SERVES: one ingest serves everything (the default), or one
side of a split deployment: the public webhooks apart from the operators'
management API and console. Health and metrics are served either way."""

from __future__ import annotations

import pytest

from ingest import create_app
from tests.conftest import TEST_API_TOKEN
from tests.integration.test_hubspot_ingest import event, post, queued_messages

BEARER = {"Authorization": f"Bearer {TEST_API_TOKEN}"}


def surface_answers(client) -> dict[str, int]:
    return {
        "hubspot webhook": post(client, [event(1)]).status_code,
        "partner central events": client.post("/webhooks/partner-central", json={}).status_code,
        "api": client.get("/api/budget", headers=BEARER).status_code,
        "openapi": client.get("/openapi.json").status_code,
        "console": client.get("/console/login").status_code,
    }


@pytest.mark.parametrize(
    ("serves", "served", "left_out"),
    [
        ("all", {"hubspot webhook", "api", "openapi", "console"}, set()),
        ("webhooks", {"hubspot webhook"}, {"api", "openapi", "console"}),
        (
            "management",
            {"api", "openapi", "console"},
            {"hubspot webhook", "partner central events"},
        ),
    ],
)
def test_an_ingest_serves_what_it_is_configured_for(
    make_settings, database_url, redis_url, broker, serves, served, left_out
):
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url=redis_url, ingest_serves=serves)
    )
    client = app.test_client()
    answers = surface_answers(client)
    assert {name: answers[name] for name in served} == dict.fromkeys(served, 200)
    assert {name: answers[name] for name in left_out} == dict.fromkeys(left_out, 404)
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    # A webhook that was answered was recorded and queued; one left out was not.
    assert len(queued_messages(broker)) == (1 if "hubspot webhook" in served else 0)
