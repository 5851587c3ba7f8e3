"""The `/_sim` HTTP controls, as the demo mode and curl users drive them."""

from __future__ import annotations

from simulators.hubspot import create_app
from simulators.serving import serve_in_thread

from .conftest import Api


def test_user_changes_over_http_fire_crm_ui_webhooks(api, receiver):
    controls = Api(api.base_url, token=None)  # controls need no token
    owners = controls.post("/_sim/owners", json={"owners": [{"email": "o@example.com"}]})
    assert owners.status_code == 201
    owner = owners.json()["results"][0]

    subs = controls.put(
        "/_sim/webhooks/subscriptions",
        json=[{"subscriptionType": "deal.propertyChange", "propertyName": "hubspot_owner_id"}],
    )
    assert [s["propertyName"] for s in subs.json()["results"]] == ["hubspot_owner_id"]

    deal = controls.post("/_sim/objects/deals", json={"properties": {"dealname": "UI"}}).json()
    patched = controls.patch(
        f"/_sim/objects/deals/{deal['id']}",
        json={"properties": {"hubspot_owner_id": owner["id"]}},
    )
    assert patched.status_code == 200
    assert controls.post("/_sim/webhooks/flush", json={"timeout": 5}).json() == {"idle": True}

    [event] = receiver.events()
    assert event["propertyValue"] == owner["id"]
    assert event["changeSource"] == "CRM_UI"
    assert event["sourceId"] == f"userId:{owner['userId']}"
    deliveries = controls.get("/_sim/webhooks/deliveries").json()["results"]
    assert [d["status"] for d in deliveries] == [204]

    history = controls.get(f"/_sim/objects/deals/{deal['id']}").json()
    assert (
        history["propertiesWithHistory"]["hubspot_owner_id"][0]["updatedByUserId"]
        == (owner["userId"])
    )


def test_validation_applies_to_user_controls_too(api):
    controls = Api(api.base_url, token=None)
    response = controls.post("/_sim/objects/deals", json={"properties": {"nope": "1"}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_associate_merge_and_delete_controls(api):
    controls = Api(api.base_url, token=None)
    deal = controls.post("/_sim/objects/deals", json={"properties": {"dealname": "D"}}).json()
    company = controls.post("/_sim/objects/companies", json={"properties": {"name": "C"}}).json()
    linked = controls.put(
        f"/_sim/associations/deals/{deal['id']}/companies/{company['id']}", json={"primary": True}
    )
    assert linked.json() == {"associationTypeIds": [5, 341]}
    seen = api.get(f"/crm/v4/objects/companies/{company['id']}/associations/deals").json()
    assert {t["typeId"] for t in seen["results"][0]["associationTypes"]} == {6, 342}

    other = controls.post("/_sim/objects/companies", json={"properties": {"name": "C2"}}).json()
    merged = controls.post(
        "/_sim/objects/companies/merge",
        json={"primaryObjectId": other["id"], "objectIdToMerge": company["id"]},
    )
    assert merged.status_code == 200
    moved = api.get(f"/crm/v4/objects/deals/{deal['id']}/associations/companies").json()
    assert [r["toObjectId"] for r in moved["results"]] == [int(other["id"])]

    assert controls.delete(f"/_sim/objects/deals/{deal['id']}").status_code == 204
    assert api.get(f"/crm/v3/objects/deals/{deal['id']}").status_code == 404


def test_limit_fault_and_reset_controls(api, sim):
    controls = Api(api.base_url, token=None)
    limits = controls.put("/_sim/rate-limits", json={"ten_second_limit": 1}).json()
    assert limits["tenSecondLimit"] == 1
    assert api.get("/crm/v3/objects/deals").status_code == 200
    assert api.get("/crm/v3/objects/deals").status_code == 429

    assert controls.post("/_sim/reset").status_code == 204
    assert sim.rate_limit_usage()["tenSecondLimit"] == 190
    controls.post("/_sim/faults/fail-next", json={"count": 1, "status": 502})
    assert api.get("/crm/v3/objects/deals").status_code == 502
    assert controls.put("/_sim/faults", json={"error_rate": 2}).status_code == 400
    settings = controls.put("/_sim/webhooks/settings", json={"duplicate": True}).json()
    assert settings["duplicate"] is True
    assert controls.put("/_sim/webhooks/settings", json={"bogus": 1}).status_code == 400


def test_defaults_of_create_app():
    app = create_app()
    server = serve_in_thread(app)
    try:
        assert Api(server.url, token="sim-hubspot-token").get("/crm/v3/owners").status_code == 200
        assert Api(server.url, token="test-token").get("/crm/v3/owners").status_code == 401
        state = app.extensions["hubspot_simulator"]
        assert (state.app_id, state.portal_id, state.webhooks.url) == (1001, 62515, None)
    finally:
        server.stop()
        app.extensions["hubspot_simulator"].close()


def test_listing_shows_every_live_record_with_its_properties_and_no_token(api):
    controls = Api(api.base_url, token=None)
    kept = controls.post("/_sim/objects/deals", json={"properties": {"dealname": "Kept"}}).json()
    gone = controls.post("/_sim/objects/deals", json={"properties": {"dealname": "Gone"}}).json()
    api.patch(f"/crm/v3/objects/deals/{kept['id']}", json={"properties": {"amount": "12"}})
    controls.delete(f"/_sim/objects/deals/{gone['id']}")

    listing = controls.get("/_sim/objects/deals")

    assert listing.status_code == 200
    (deal,) = listing.json()["results"]
    assert deal["id"] == kept["id"]
    assert deal["properties"]["dealname"] == "Kept"
    assert deal["properties"]["amount"] == "12"
    # A control: not API traffic, so not in the call log.
    assert [c["operation"] for c in controls.get("/_sim/calls").json()["results"]] == [
        f"PATCH /crm/v3/objects/deals/{kept['id']}"
    ]
