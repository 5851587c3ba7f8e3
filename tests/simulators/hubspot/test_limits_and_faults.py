"""Rate limits by the injected clock (no sleeping), injected faults, call log."""

from __future__ import annotations

import pytest

RATE_HEADERS = (
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


def test_normal_responses_carry_rate_limit_headers(api):
    response = api.get("/crm/v3/objects/deals")
    assert response.status_code == 200
    headers = {name: response.headers[name] for name in RATE_HEADERS}
    assert headers == {
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Remaining": "189",
        "X-HubSpot-RateLimit-Daily": "625000",
        "X-HubSpot-RateLimit-Daily-Remaining": "624999",
    }


def test_ten_second_rolling_limit(api, sim, clock):
    sim.set_rate_limits(ten_second_limit=3)
    for _ in range(2):
        assert api.get("/crm/v3/objects/deals").status_code == 200
    clock.advance(5)
    assert api.get("/crm/v3/objects/deals").status_code == 200

    refused = api.get("/crm/v3/objects/deals")
    assert refused.status_code == 429
    body = refused.json()
    assert list(body) == [
        "status", "message", "errorType", "correlationId", "policyName", "groupName", "requestId",
    ]  # fmt: skip
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"

    clock.advance(5.01)  # the first two calls leave the window, the third stays
    assert api.get("/crm/v3/objects/deals").headers["X-HubSpot-RateLimit-Remaining"] == "1"


def test_daily_limit_resets_at_the_next_day(api, sim, clock):
    sim.set_rate_limits(daily_limit=2)
    assert api.get("/crm/v3/objects/deals").status_code == 200
    assert api.get("/crm/v3/objects/deals").status_code == 200
    refused = api.get("/crm/v3/objects/deals")
    assert refused.status_code == 429
    assert refused.json()["message"] == "You have reached your daily limit."
    assert refused.json()["policyName"] == "DAILY"
    assert "groupName" not in refused.json()
    assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    clock.advance(86400)
    assert api.get("/crm/v3/objects/deals").status_code == 200


def test_a_refused_call_does_not_count(api, sim, clock):
    sim.set_rate_limits(ten_second_limit=1)
    assert api.get("/crm/v3/objects/deals").status_code == 200
    for _ in range(3):
        assert api.get("/crm/v3/objects/deals").status_code == 429
    clock.advance(10)
    assert api.get("/crm/v3/objects/deals").status_code == 200


def test_controls_are_not_rate_limited_or_logged(api, sim):
    sim.set_rate_limits(ten_second_limit=1)
    api.get("/crm/v3/objects/deals")
    assert api.get("/_sim/calls").status_code == 200
    assert [c["path"] for c in sim.calls()] == ["/crm/v3/objects/deals"]


@pytest.mark.parametrize("status", [502, 503])
def test_fail_next_injects_gateway_errors(api, sim, status):
    sim.fail_next(2, status)
    assert api.get("/crm/v3/objects/deals").status_code == status
    assert api.get("/crm/v3/objects/deals").status_code == status
    assert api.get("/crm/v3/objects/deals").status_code == 200


def test_error_rate_is_reproducible_with_a_seed(api, sim):
    def run():
        sim.set_faults(error_rate=0.5, seed=7)
        return [api.get("/crm/v3/objects/deals").status_code for _ in range(20)]

    first = run()
    assert set(first) <= {200, 502, 503}
    assert {502, 503} & set(first)
    assert 200 in first
    assert run() == first


def test_call_log_filters_by_method_and_path(api, sim):
    api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "logged"}})
    api.get("/crm/v3/owners")
    posts = sim.calls(method="POST")
    assert [(c["path"], c["status"]) for c in posts] == [("/crm/v3/objects/deals", 201)]
    assert posts[0]["json"] == {"properties": {"dealname": "logged"}}
    assert [c["path"] for c in sim.calls(path_prefix="/crm/v3/owners")] == ["/crm/v3/owners"]
    over_http = api.get("/_sim/calls", params={"method": "GET"}).json()["results"]
    assert [c["path"] for c in over_http] == ["/crm/v3/owners"]
    assert [c["operation"] for c in over_http] == ["GET /crm/v3/owners"]
