"""Associations v4 over HTTP: both directions, labels, batches, v3 reads."""

from __future__ import annotations

import pytest


@pytest.fixture
def records(api):
    def create(object_type, **properties):
        response = api.post(f"/crm/v3/objects/{object_type}", json={"properties": properties})
        assert response.status_code == 201
        return response.json()["id"]

    return {
        "deal": create("deals", dealname="Deal"),
        "deal2": create("deals", dealname="Deal 2"),
        "contact": create("contacts", email="c@example.com"),
        "company": create("companies", name="Acme"),
        "company2": create("companies", name="Other"),
    }


def type_ids(body, to_id):
    for result in body["results"]:
        if result["toObjectId"] == int(to_id):
            return sorted(t["typeId"] for t in result["associationTypes"])
    return []


def test_default_association_is_visible_from_both_sides(api, records):
    deal, contact = records["deal"], records["contact"]
    response = api.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}")
    assert response.status_code == 200
    specs = [r["associationSpec"]["associationTypeId"] for r in response.json()["results"]]
    assert specs == [3, 4]

    forward = api.get(f"/crm/v4/objects/deals/{deal}/associations/contacts").json()
    backward = api.get(f"/crm/v4/objects/contacts/{contact}/associations/deals").json()
    assert type_ids(forward, contact) == [3]
    assert type_ids(backward, deal) == [4]


def test_primary_company_label_and_its_uniqueness(api, records):
    deal, first, second = records["deal"], records["company"], records["company2"]
    primary = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]
    response = api.put(f"/crm/v4/objects/deals/{deal}/associations/companies/{first}", json=primary)
    assert response.status_code == 201
    assert response.json()["labels"] == ["Primary"]
    from_company = api.get(f"/crm/v4/objects/companies/{first}/associations/deals").json()
    assert type_ids(from_company, deal) == [6, 342]

    api.put(f"/crm/v4/objects/deals/{deal}/associations/companies/{second}", json=primary)
    forward = api.get(f"/crm/v4/objects/deals/{deal}/associations/companies").json()
    assert type_ids(forward, first) == [341]  # the primary moved; the plain link stays
    assert type_ids(forward, second) == [5, 341]


def test_wrong_type_for_the_pair_is_rejected(api, records):
    body = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]
    response = api.put(
        f"/crm/v4/objects/deals/{records['deal']}/associations/companies/{records['company']}",
        json=body,
    )
    assert response.status_code == 400


def test_delete_removes_both_directions(api, records):
    deal, contact = records["deal"], records["contact"]
    api.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}")
    response = api.delete(f"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}")
    assert response.status_code == 204
    assert api.get(f"/crm/v4/objects/deals/{deal}/associations/contacts").json()["results"] == []


def test_batch_read_reports_records_without_associations(api, records):
    deal, deal2, contact = records["deal"], records["deal2"], records["contact"]
    created = api.post(
        "/crm/v4/associations/deals/contacts/batch/create",
        json={
            "inputs": [
                {
                    "from": {"id": deal},
                    "to": {"id": contact},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ]
        },
    )
    assert created.status_code == 201
    response = api.post(
        "/crm/v4/associations/deals/contacts/batch/read",
        json={"inputs": [{"id": deal}, {"id": deal2}]},
    )
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert body["results"] == [
        {
            "from": {"id": deal},
            "to": [
                {
                    "toObjectId": int(contact),
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}
                    ],
                }
            ],
        }
    ]
    assert body["errors"][0]["context"] == {"fromObjectId": [deal2]}


def test_batch_read_takes_1000_inputs_not_1001(api, records):
    inputs = [{"id": records["deal"]}] * 1000
    ok = api.post("/crm/v4/associations/deals/contacts/batch/read", json={"inputs": inputs})
    assert ok.status_code in (200, 207)
    too_many = api.post(
        "/crm/v4/associations/deals/contacts/batch/read", json={"inputs": inputs + inputs[:1]}
    )
    assert too_many.status_code == 400


def test_batch_archive(api, records):
    deal, contact = records["deal"], records["contact"]
    api.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}")
    response = api.post(
        "/crm/v4/associations/deals/contacts/batch/archive",
        json={"inputs": [{"from": {"id": deal}, "to": [{"id": contact}]}]},
    )
    assert response.status_code == 204
    backward = api.get(f"/crm/v4/objects/contacts/{contact}/associations/deals").json()
    assert backward["results"] == []


def test_create_with_associations_and_v3_read(api, records):
    response = api.post(
        "/crm/v3/objects/deals",
        json={
            "properties": {"dealname": "Linked"},
            "associations": [
                {
                    "to": {"id": records["contact"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                },
                {
                    "to": {"id": records["company"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
                },
            ],
        },
    )
    assert response.status_code == 201
    deal = response.json()["id"]
    body = api.get(
        f"/crm/v3/objects/deals/{deal}", params={"associations": "contacts,companies"}
    ).json()
    assert body["associations"]["contacts"]["results"] == [
        {"id": records["contact"], "type": "deal_to_contact"}
    ]
    assert {r["type"] for r in body["associations"]["companies"]["results"]} == {
        "deal_to_company",
        "deal_to_company_unlabeled",
    }


def test_create_with_association_to_missing_record_fails(api):
    response = api.post(
        "/crm/v3/objects/deals",
        json={
            "properties": {"dealname": "Orphan"},
            "associations": [
                {
                    "to": {"id": "424242"},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ],
        },
    )
    assert response.status_code == 400
    assert api.post("/crm/v3/objects/deals/search", json={}).json()["total"] == 0


def test_archived_record_disappears_from_associations(api, records):
    deal, contact = records["deal"], records["contact"]
    api.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}")
    api.delete(f"/crm/v3/objects/contacts/{contact}")
    assert api.get(f"/crm/v4/objects/deals/{deal}/associations/contacts").json()["results"] == []
