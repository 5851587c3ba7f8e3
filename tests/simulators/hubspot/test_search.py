"""CRM search over HTTP: operators, groups, sorting, paging and its caps."""

from __future__ import annotations

import pytest

SEARCH = "/crm/v3/objects/deals/search"


@pytest.fixture
def deals(api):
    rows = [
        ("Alpha #AWS", 100, "qualifiedtobuy", "2025-01-10"),
        ("Beta", 2500, "closedwon", "2025-02-10"),
        ("Gamma #AWS", 900, "closedwon", "2025-03-10"),
        ("Delta", None, "closedlost", "2025-04-10"),
    ]
    ids = {}
    for name, amount, stage, close in rows:
        props = {"dealname": name, "dealstage": stage, "closedate": close}
        if amount is not None:
            props["amount"] = amount
        ids[name] = api.post("/crm/v3/objects/deals", json={"properties": props}).json()["id"]
    return ids


def search(api, *filters, groups=None, **extra):
    body = {"filterGroups": groups or [{"filters": list(filters)}], **extra}
    response = api.post(SEARCH, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def names(body):
    return [r["properties"]["dealname"] for r in body["results"]]


def test_eq_and_numeric_comparison(api, deals):
    body = search(
        api,
        {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"},
        {"propertyName": "amount", "operator": "GT", "value": "1000"},
    )
    assert names(body) == ["Beta"]
    assert body["total"] == 1


def test_groups_are_ored_and_in_operator(api, deals):
    body = search(
        api,
        groups=[
            {
                "filters": [
                    {"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": "#aws"}
                ]
            },
            {
                "filters": [
                    {"propertyName": "dealstage", "operator": "IN", "values": ["closedlost"]}
                ]
            },
        ],
        sorts=[{"propertyName": "dealname", "direction": "ASCENDING"}],
    )
    assert names(body) == ["Alpha #AWS", "Delta", "Gamma #AWS"]


def test_between_dates_and_has_property(api, deals):
    body = search(
        api,
        {
            "propertyName": "closedate",
            "operator": "BETWEEN",
            "value": "2025-02-01",
            "highValue": "2025-03-31",
        },
    )
    assert sorted(names(body)) == ["Beta", "Gamma #AWS"]
    missing = search(api, {"propertyName": "amount", "operator": "NOT_HAS_PROPERTY"})
    assert names(missing) == ["Delta"]


def test_sort_descending_by_number_puts_missing_values_last(api, deals):
    body = search(api, groups=[], sorts=[{"propertyName": "amount", "direction": "DESCENDING"}])
    assert names(body) == ["Beta", "Gamma #AWS", "Alpha #AWS", "Delta"]


def test_paging_with_after(api, deals):
    first = search(api, groups=[], limit=3)
    assert len(first["results"]) == 3
    assert first["total"] == 4
    after = first["paging"]["next"]["after"]
    second = search(api, groups=[], limit=3, after=after)
    assert len(second["results"]) == 1
    assert "paging" not in second


def test_association_filter(api, deals):
    contact = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "c@x.com"}})
    contact_id = contact.json()["id"]
    api.put(f"/crm/v4/objects/deals/{deals['Beta']}/associations/default/contacts/{contact_id}")
    body = search(
        api, {"propertyName": "associations.contact", "operator": "EQ", "value": contact_id}
    )
    assert names(body) == ["Beta"]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 201},
        {"after": "10000"},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "amount", "operator": "ABOUT", "value": 1}]}
            ]
        },
        {"filterGroups": [{"filters": []}] * 6},
        {"sorts": [{"propertyName": "amount"}, {"propertyName": "dealname"}]},
        {"query": "x" * 3000},
    ],
    ids=["limit", "cap", "unknown-property", "operator", "groups", "two-sorts", "body-size"],
)
def test_search_rejects_what_hubspot_rejects(api, body):
    response = api.post(SEARCH, json=body)
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_archived_records_are_not_found(api, deals):
    api.delete(f"/crm/v3/objects/deals/{deals['Beta']}")
    assert "Beta" not in names(search(api, groups=[]))


def test_search_has_its_own_limit_and_no_rate_limit_headers(api, deals, clock):
    for _ in range(5):
        response = api.post(SEARCH, json={})
        assert response.status_code == 200
        assert "X-HubSpot-RateLimit-Remaining" not in response.headers
    refused = api.post(SEARCH, json={})
    assert refused.status_code == 429
    assert refused.json()["policyName"] == "SECONDLY"
    assert refused.json()["errorType"] == "RATE_LIMIT"
    clock.advance(1.01)
    assert api.post(SEARCH, json={}).status_code == 200
