"""HubSpot limits a client easily gets wrong: history batch size, the search
cap and index lag, unique-value properties read by idProperty."""

from __future__ import annotations

from simulators.hubspot import search as sim_search

DEALS = "/crm/v3/objects/deals"


def _deal(api, **properties):
    return api.post(DEALS, json={"properties": {"dealname": "Deal", **properties}})


def test_batch_read_with_property_history_takes_at_most_50_ids(api):
    ids = [_deal(api).json()["id"] for _ in range(51)]
    body = {"inputs": [{"id": i} for i in ids], "properties": ["dealname"]}
    assert api.post(f"{DEALS}/batch/read", json=body).status_code == 200
    with_history = {**body, "propertiesWithHistory": ["dealname"]}
    refused = api.post(f"{DEALS}/batch/read", json=with_history)
    assert refused.status_code == 400
    assert "maximum is 50" in refused.json()["message"]
    with_history["inputs"] = with_history["inputs"][:50]
    assert len(api.post(f"{DEALS}/batch/read", json=with_history).json()["results"]) == 50


def test_search_offers_the_page_past_the_cap_and_refuses_it(api, monkeypatch):
    monkeypatch.setattr(sim_search, "MAX_RESULTS", 4)
    for _ in range(6):
        _deal(api)
    last = api.post(f"{DEALS}/search", json={"limit": 2, "after": 2}).json()
    assert last["paging"]["next"]["after"] == "4"  # offered, as HubSpot does
    past = api.post(f"{DEALS}/search", json={"limit": 2, "after": 4})
    assert past.status_code == 400


def test_search_index_lags_new_records(api, sim, clock):
    sim.set_search_lag(5)
    _deal(api, dealname="Fresh")
    assert api.post(f"{DEALS}/search", json={}).json()["total"] == 0
    clock.advance(6)
    assert api.post(f"{DEALS}/search", json={}).json()["total"] == 1


def _unique_property(api, name="external_ref"):
    definition = {
        "name": name,
        "label": "External ref",
        "type": "string",
        "fieldType": "text",
        "groupName": "dealinformation",
        "hasUniqueValue": True,
    }
    assert api.post("/crm/v3/properties/deals", json=definition).status_code == 201


def test_unique_value_property_refuses_a_second_record_and_reads_by_id_property(api):
    _unique_property(api)
    first = _deal(api, external_ref="inv-1").json()
    second = _deal(api, external_ref="inv-1")
    assert second.status_code == 409
    assert f"Existing ID: {first['id']}" in second.json()["message"]
    other = _deal(api, external_ref="inv-2").json()
    moved = api.patch(f"{DEALS}/{other['id']}", json={"properties": {"external_ref": "inv-1"}})
    assert moved.status_code == 409
    read = api.get(f"{DEALS}/inv-1", params={"idProperty": "external_ref"})
    assert read.status_code == 200 and read.json()["id"] == first["id"]
    assert api.get(f"{DEALS}/inv-9", params={"idProperty": "external_ref"}).status_code == 404


def test_id_property_must_be_a_unique_value_property(api):
    _deal(api, dealname="Plain")
    assert api.get(f"{DEALS}/Plain", params={"idProperty": "dealname"}).status_code == 400
