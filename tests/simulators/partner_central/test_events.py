"""EventBridge-shaped events POSTed to a configured URL with the shared secret."""

from __future__ import annotations

import threading

from flask import Flask, request

from simulators.serving import serve_in_thread

from .conftest import Harness, opportunity_request, update_payload_from


def _capture_app(received: list, arrived: threading.Event, expected: int):
    app = Flask("capture")

    @app.post("/events")
    def capture():
        received.append(
            {"secret": request.headers.get("X-PCSync-Events-Secret"), "event": request.get_json()}
        )
        if len(received) >= expected:
            arrived.set()
        return "", 204

    return app


def test_events_are_posted_with_the_secret_header():
    received, arrived = [], threading.Event()
    capture = serve_in_thread(_capture_app(received, arrived, expected=3))
    harness = Harness(
        write_per_second=100, event_target_url=f"{capture.url}/events", event_secret="s3cret"
    )
    try:
        client = harness.client
        created = client.create_opportunity(**opportunity_request())
        opportunity = client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
        update = update_payload_from(opportunity)
        update["LifeCycle"]["Stage"] = "Technical Validation"
        client.update_opportunity(**update)
        harness.sim.create_invitation()
        assert harness.sim.flush_events(timeout=5)
        assert arrived.wait(5)
    finally:
        harness.stop()
        capture.stop()
    assert {r["secret"] for r in received} == {"s3cret"}
    types = [r["event"]["detail-type"] for r in received]
    assert types[:2] == ["Opportunity Created", "Opportunity Updated"]
    assert "Engagement Invitation Created" in types and "Engagement Created" in types
    first = received[0]["event"]
    assert first["source"] == "aws.partnercentral-selling"
    assert first["account"] == "123456789012" and first["region"] == "us-east-1"
    assert first["detail"] == {
        "schemaVersion": "1",
        "catalog": "Sandbox",
        "opportunity": {"identifier": created["Id"]},
    }
    assert first["resources"] == [
        f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/{created['Id']}"
    ]
    invitation_event = next(
        r["event"] for r in received if r["event"]["detail-type"] == "Engagement Invitation Created"
    )
    assert invitation_event["detail"]["engagementInvitation"]["participantType"] == "Receiver"
    assert "expirationDate" in invitation_event["detail"]["engagementInvitation"]


def test_an_unreachable_event_target_never_fails_the_request():
    harness = Harness(
        write_per_second=100, event_target_url="http://127.0.0.1:9/events", event_secret="x"
    )
    try:
        assert harness.client.create_opportunity(**opportunity_request())["Id"]
        assert harness.sim.flush_events(timeout=10)
        assert harness.sim.emitter.delivered[0]["error"]
    finally:
        harness.stop()
