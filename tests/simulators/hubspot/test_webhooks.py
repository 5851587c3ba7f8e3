"""Webhooks over HTTP to a capture app: signatures checked with HubSpot's SDK,
batches, sources, switches, retries."""

from __future__ import annotations

import pytest
from hubspot.utils.signature import Signature

from .conftest import SECRET


def create_deal(api, **properties):
    response = api.post("/crm/v3/objects/deals", json={"properties": properties})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def deal_events_only(sim):
    sim.set_subscriptions(
        [
            {"subscriptionType": "deal.creation"},
            {"subscriptionType": "deal.propertyChange", "propertyName": "dealstage"},
        ]
    )


def test_requests_are_signed_v1_and_v3_as_hubspot_verifies(api, sim, receiver):
    create_deal(api, dealname="Signed")
    assert sim.flush()
    assert receiver.requests
    for captured in receiver.requests:
        headers, body = captured["headers"], captured["body"]
        assert headers["X-Hubspot-Signature-Version"] == "v1"
        assert Signature.is_valid(
            signature=headers["X-Hubspot-Signature"],
            client_secret=SECRET,
            request_body=body,
            signature_version="v1",
        )
        assert Signature.is_valid(
            signature=headers["X-Hubspot-Signature-V3"],
            client_secret=SECRET,
            request_body=body,
            http_uri=receiver.url,
            http_method="POST",
            signature_version="v3",
            timestamp=headers["X-Hubspot-Request-Timestamp"],
        )
        assert not Signature.is_valid(
            signature=headers["X-Hubspot-Signature"],
            client_secret="another-secret",
            request_body=body,
            signature_version="v1",
        )


def test_api_changes_are_integration_and_user_changes_are_crm_ui(api, sim, receiver):
    deal_events_only(sim)
    deal_id = create_deal(api, dealname="Source", dealstage="qualifiedtobuy")
    sim.update_object("deals", deal_id, {"dealstage": "closedwon"})
    assert sim.flush()
    events = receiver.events()
    by_value = {
        e.get("propertyValue"): e for e in events if e["subscriptionType"].endswith("Change")
    }
    assert by_value["qualifiedtobuy"]["changeSource"] == "INTEGRATION"
    assert by_value["qualifiedtobuy"]["sourceId"] == str(sim.app_id)
    assert by_value["closedwon"]["changeSource"] == "CRM_UI"
    assert by_value["closedwon"]["sourceId"].startswith("userId:")
    creation = next(e for e in events if e["subscriptionType"] == "deal.creation")
    assert creation["objectId"] == int(deal_id)
    assert creation["portalId"] == sim.portal_id
    assert creation["appId"] == sim.app_id
    assert creation["attemptNumber"] == 0
    assert isinstance(creation["occurredAt"], int)
    # dealname has no subscription here: no event for it
    assert all(e.get("propertyName") in (None, "dealstage") for e in events)


def test_unchanged_value_fires_nothing(api, sim, receiver):
    deal_events_only(sim)
    deal_id = create_deal(api, dealstage="qualifiedtobuy")
    assert sim.flush()
    before = len(receiver.events())
    api.patch(
        f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"dealstage": "qualifiedtobuy"}}
    )
    assert sim.flush()
    assert len(receiver.events()) == before


def test_batches_never_exceed_100_events(api, sim, receiver):
    deal_events_only(sim)
    sim.set_delivery(batch_delay=0.5)  # gather everything into one window
    inputs = [{"properties": {"dealname": f"d{i}", "dealstage": "closedwon"}} for i in range(100)]
    for _ in range(2):
        response = api.post("/crm/v3/objects/deals/batch/create", json={"inputs": inputs})
        assert response.status_code == 201
    assert sim.flush()
    sizes = [len(r["json"]) for r in receiver.requests]
    assert sum(sizes) == 400  # 200 creations + 200 dealstage changes
    assert max(sizes) == 100
    assert len(sizes) == 4


def test_association_change_fires_for_both_directions(api, sim, receiver):
    deal_id = create_deal(api, dealname="Assoc")
    company = api.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    company_id = company.json()["id"]
    assert sim.flush()
    receiver.clear()
    sim.set_subscriptions(
        [
            {"subscriptionType": "deal.associationChange"},
            {"subscriptionType": "company.associationChange"},
        ]
    )
    primary = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]
    api.put(f"/crm/v4/objects/deals/{deal_id}/associations/companies/{company_id}", json=primary)
    assert sim.flush()
    seen = sorted(
        (e["associationType"], e["fromObjectId"], e["toObjectId"], e["isPrimaryAssociation"])
        for e in receiver.events()
    )
    assert seen == [
        ("COMPANY_TO_DEAL", int(company_id), int(deal_id), False),
        ("COMPANY_TO_DEAL", int(company_id), int(deal_id), True),
        ("DEAL_TO_COMPANY", int(deal_id), int(company_id), False),
        ("DEAL_TO_COMPANY", int(deal_id), int(company_id), True),
    ]
    assert all(e["associationRemoved"] is False for e in receiver.events())

    receiver.clear()
    sim.disassociate("deals", deal_id, "companies", company_id)
    assert sim.flush()
    removed = receiver.events()
    assert len(removed) == 4
    assert all(e["associationRemoved"] for e in removed)
    assert all(e["changeSource"] == "CRM_UI" for e in removed)


def test_deletion_and_merge_events(api, sim, receiver):
    sim.set_subscriptions(
        [{"subscriptionType": "contact.deletion"}, {"subscriptionType": "contact.merge"}]
    )
    keep = sim.create_object("contacts", {"email": "keep@example.com"})["id"]
    gone = sim.create_object("contacts", {"email": "gone@example.com", "jobtitle": "CEO"})["id"]
    other = sim.create_object("contacts", {"email": "other@example.com"})["id"]
    sim.merge_objects("contacts", keep, gone)
    api.delete(f"/crm/v3/objects/contacts/{other}")
    assert sim.flush()
    merge = next(e for e in receiver.events() if e["subscriptionType"] == "contact.merge")
    assert merge["primaryObjectId"] == int(keep)
    assert merge["mergedObjectIds"] == [int(gone)]
    assert merge["newObjectId"] == int(keep)
    assert merge["numberOfPropertiesMoved"] == 1  # jobtitle
    deletion = next(e for e in receiver.events() if e["subscriptionType"] == "contact.deletion")
    assert deletion["objectId"] == int(other)
    assert deletion["changeSource"] == "INTEGRATION"


def test_duplicate_switch_delivers_each_batch_twice(api, sim, receiver):
    deal_events_only(sim)
    sim.set_delivery(duplicate=True)
    create_deal(api, dealname="Twice")
    assert sim.flush()
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert [d["duplicate"] for d in sim.deliveries()] == [False, True]


def test_out_of_order_switch_reverses_events(api, sim, receiver):
    deal_events_only(sim)
    sim.set_delivery(out_of_order=True, batch_delay=0.3)
    deal_id = create_deal(api, dealname="Order")
    for stage in ("qualifiedtobuy", "contractsent", "closedwon"):
        sim.update_object("deals", deal_id, {"dealstage": stage})
    assert sim.flush()
    values = [e.get("propertyValue") for e in receiver.events()]
    assert values == ["closedwon", "contractsent", "qualifiedtobuy", None]


def test_delay_switch_holds_deliveries(api, sim, receiver):
    deal_events_only(sim)
    sim.set_delivery(delay=0.4)
    create_deal(api, dealname="Later")
    sim.webhooks.flush(timeout=0.1)  # returns before the delay is over
    assert receiver.requests == []
    assert sim.wait_idle(5)
    assert len(receiver.requests) == 1


def test_retries_after_503_with_new_attempt_and_fresh_signature(api, sim, receiver, clock):
    deal_events_only(sim)
    receiver.statuses = [503, 503]
    receiver.on_request = lambda: clock.advance(1)  # each attempt is signed later
    create_deal(api, dealname="Retry")
    assert sim.flush()
    assert [d["status"] for d in sim.deliveries()] == [503, 503, 204]
    attempts = [{e["attemptNumber"] for e in r["json"]} for r in receiver.requests]
    assert attempts == [{0}, {1}, {2}]
    stamps = [int(r["headers"]["X-Hubspot-Request-Timestamp"]) for r in receiver.requests]
    assert stamps[0] < stamps[1] < stamps[2]
    last = receiver.requests[-1]
    assert Signature.is_valid(
        signature=last["headers"]["X-Hubspot-Signature-V3"],
        client_secret=SECRET,
        request_body=last["body"],
        http_uri=receiver.url,
        signature_version="v3",
        timestamp=last["headers"]["X-Hubspot-Request-Timestamp"],
    )


def test_retries_stop_after_the_schedule(api, sim, receiver):
    deal_events_only(sim)
    sim.set_delivery(retry_delays=[0.01, 0.01])
    receiver.statuses = [500] * 10
    create_deal(api, dealname="Give up")
    assert sim.flush()
    assert [d["attemptNumber"] for d in sim.deliveries()] == [0, 1, 2]
    assert len(receiver.requests) == 3


def test_no_url_means_events_are_generated_but_not_sent(api, sim, receiver):
    sim.set_webhook_url(None)
    create_deal(api, dealname="Nowhere")
    assert sim.flush()
    assert receiver.requests == []
    assert any(e["subscriptionType"] == "deal.creation" for e in sim.webhook_events())


def test_bad_subscription_is_rejected(sim):
    from simulators.hubspot.errors import HubSpotError

    with pytest.raises(HubSpotError):
        sim.set_subscriptions([{"subscriptionType": "deal.propertyChange"}])
    with pytest.raises(HubSpotError):
        sim.set_subscriptions(
            [{"subscriptionType": "deal.propertyChange", "propertyName": "hs_lastmodifieddate"}]
        )
