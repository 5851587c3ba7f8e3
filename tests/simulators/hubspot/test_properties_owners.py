"""Properties, property groups and owners over HTTP."""

from __future__ import annotations

SYNC_PROPERTY = {
    "name": "aws_sync_enabled",
    "label": "Sync to AWS",
    "type": "enumeration",
    "fieldType": "booleancheckbox",
    "groupName": "pcsync",
    "options": [
        {"label": "Yes", "value": "true", "displayOrder": 0, "hidden": False},
        {"label": "No", "value": "false", "displayOrder": 1, "hidden": False},
    ],
}


def test_group_then_property_then_write(api):
    group = api.post(
        "/crm/v3/properties/deals/groups", json={"name": "pcsync", "label": "AWS Partner Central"}
    )
    assert group.status_code == 201
    again = api.post("/crm/v3/properties/deals/groups", json={"name": "pcsync", "label": "x"})
    assert again.status_code == 409

    created = api.post("/crm/v3/properties/deals", json=SYNC_PROPERTY)
    assert created.status_code == 201
    assert created.json()["hubspotDefined"] is False
    assert api.post("/crm/v3/properties/deals", json=SYNC_PROPERTY).status_code == 409

    deal = api.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "x", "aws_sync_enabled": True}}
    )
    assert deal.status_code == 201
    assert deal.json()["properties"]["aws_sync_enabled"] == "true"
    bad = api.post("/crm/v3/objects/deals", json={"properties": {"aws_sync_enabled": "maybe"}})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "INVALID_OPTION"


def test_property_needs_existing_group_and_valid_field_type(api):
    no_group = api.post("/crm/v3/properties/deals", json={**SYNC_PROPERTY, "groupName": "none"})
    assert no_group.status_code == 400
    wrong_field = api.post(
        "/crm/v3/properties/deals",
        json={
            "name": "aws_opportunity_id",
            "label": "AWS opportunity",
            "type": "string",
            "fieldType": "number",
            "groupName": "dealinformation",
        },
    )
    assert wrong_field.status_code == 400


def test_default_schema_reads(api):
    industry = api.get("/crm/v3/properties/companies/industry").json()
    values = {o["value"] for o in industry["options"]}
    assert {"COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE"} <= values
    listed = {p["name"] for p in api.get("/crm/v3/properties/contacts").json()["results"]}
    assert {"email", "firstname", "lastname", "phone", "mobilephone", "jobtitle"} <= listed
    assert api.get("/crm/v3/properties/deals/nope").status_code == 404

    batch = api.post(
        "/crm/v3/properties/deals/batch/read",
        json={"inputs": [{"name": "dealstage"}, {"name": "nope"}]},
    )
    assert batch.status_code == 207
    assert [p["name"] for p in batch.json()["results"]] == ["dealstage"]


def test_batch_create_properties_reports_taken_names(api):
    inputs = [
        {
            "name": "aws_review_status",
            "label": "AWS review status",
            "type": "string",
            "fieldType": "text",
            "groupName": "dealinformation",
        },
        {
            "name": "dealname",
            "label": "dup",
            "type": "string",
            "fieldType": "text",
            "groupName": "dealinformation",
        },
    ]
    response = api.post("/crm/v3/properties/deals/batch/create", json={"inputs": inputs})
    assert response.status_code == 207
    assert [p["name"] for p in response.json()["results"]] == ["aws_review_status"]
    assert response.json()["errors"][0]["category"] == "OBJECT_ALREADY_EXISTS"


def test_owners_by_id_and_email_and_owner_property(api, sim):
    [owner] = sim.seed_owners([{"email": "ana@example.com", "firstName": "Ana", "lastName": "Li"}])
    by_id = api.get(f"/crm/v3/owners/{owner['id']}")
    assert by_id.status_code == 200
    assert by_id.json()["email"] == "ana@example.com"
    by_user = api.get(f"/crm/v3/owners/{owner['userId']}", params={"idProperty": "userId"})
    assert by_user.json()["id"] == owner["id"]
    listed = api.get("/crm/v3/owners", params={"email": "ana@example.com"}).json()["results"]
    assert [o["id"] for o in listed] == [owner["id"]]
    assert api.get("/crm/v3/owners/1").status_code == 404

    ok = api.post("/crm/v3/objects/deals", json={"properties": {"hubspot_owner_id": owner["id"]}})
    assert ok.json()["properties"]["hubspot_owner_id"] == owner["id"]
    unknown = api.post("/crm/v3/objects/deals", json={"properties": {"hubspot_owner_id": "1"}})
    assert unknown.status_code == 400
