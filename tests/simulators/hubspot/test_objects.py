"""CRM objects v3 over HTTP: CRUD, values, validation, batches, auth."""

from __future__ import annotations

import json

from .conftest import Api


def create_deal(api, **properties):
    response = api.post("/crm/v3/objects/deals", json={"properties": properties})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_read_update_archive_deal(api):
    deal = create_deal(api, dealname="Migration #AWS", amount=25000, dealstage="qualifiedtobuy")

    read = api.get(f"/crm/v3/objects/deals/{deal['id']}", params={"properties": "dealname,amount"})
    assert read.status_code == 200
    assert read.json()["properties"]["dealname"] == "Migration #AWS"

    patched = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"dealstage": "closedwon"}}
    )
    assert patched.status_code == 200
    assert patched.json()["properties"]["dealstage"] == "closedwon"

    assert api.delete(f"/crm/v3/objects/deals/{deal['id']}").status_code == 204
    assert api.get(f"/crm/v3/objects/deals/{deal['id']}").status_code == 404
    archived = api.get(f"/crm/v3/objects/deals/{deal['id']}", params={"archived": "true"})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True


def test_every_value_comes_back_as_a_string(api):
    deal = create_deal(api, dealname="Strings", amount=1000.50, closedate="2025-06-30")
    props = api.get(
        f"/crm/v3/objects/deals/{deal['id']}", params={"properties": "amount,closedate"}
    ).json()["properties"]
    assert props["amount"] == "1000.5"
    assert props["closedate"] == "2025-06-30T00:00:00.000Z"
    assert props["hs_object_id"] == deal["id"]
    assert all(isinstance(v, str) for v in props.values())


def test_requested_unset_property_is_null_and_defaults_without_properties(api):
    deal = create_deal(api, dealname="Sparse")
    body = api.get(f"/crm/v3/objects/deals/{deal['id']}").json()
    assert set(body["properties"]) == {
        "amount", "closedate", "createdate", "dealname", "dealstage",
        "hs_lastmodifieddate", "hs_object_id", "pipeline",
    }  # fmt: skip
    assert body["properties"]["amount"] is None


def test_unknown_property_is_a_validation_error_naming_it(api):
    response = api.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "x", "aws_sync_enabled": "true"}}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    problems = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert problems[0]["error"] == "PROPERTY_DOESNT_EXIST"
    assert problems[0]["name"] == "aws_sync_enabled"
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_every_bad_property_is_reported_at_once(api):
    response = api.post(
        "/crm/v3/objects/companies",
        json={"properties": {"industry": "Software", "numberofemployees": "many", "nope": "1"}},
    )
    assert response.status_code == 400
    codes = {e["context"]["propertyName"][0]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "industry": "INVALID_OPTION",
        "numberofemployees": "INVALID_FLOAT",
        "nope": "PROPERTY_DOESNT_EXIST",
    }


def test_industry_takes_hubspot_internal_values(api):
    response = api.post(
        "/crm/v3/objects/companies",
        json={"properties": {"name": "Acme", "industry": "COMPUTER_SOFTWARE"}},
    )
    assert response.status_code == 201
    assert response.json()["properties"]["industry"] == "COMPUTER_SOFTWARE"


def test_read_only_property_cannot_be_written(api):
    deal = create_deal(api, dealname="RO")
    response = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}",
        json={"properties": {"hs_lastmodifieddate": "2020-01-01T00:00:00Z"}},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_history_and_last_modified_follow_the_clock(api, clock):
    deal = create_deal(api, dealname="History", dealstage="appointmentscheduled")
    clock.advance(60)
    api.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"dealstage": "contractsent"}}
    )
    body = api.get(
        f"/crm/v3/objects/deals/{deal['id']}",
        params={"propertiesWithHistory": "dealstage", "properties": "dealstage"},
    ).json()
    history = body["propertiesWithHistory"]["dealstage"]
    assert [h["value"] for h in history] == ["contractsent", "appointmentscheduled"]
    assert history[0]["sourceType"] == "INTEGRATION"
    assert history[0]["timestamp"] > history[1]["timestamp"]
    assert body["properties"]["hs_lastmodifieddate"] == history[0]["timestamp"]


def test_note_requires_hs_timestamp(api):
    missing = api.post("/crm/v3/objects/notes", json={"properties": {"hs_note_body": "hi"}})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["context"]["propertyName"] == ["hs_timestamp"]

    deal = create_deal(api, dealname="With note")
    note = api.post(
        "/crm/v3/objects/notes",
        json={
            "properties": {"hs_timestamp": "1735689600000", "hs_note_body": "Submitted to AWS"},
            "associations": [
                {
                    "to": {"id": deal["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}],
                }
            ],
        },
    )
    assert note.status_code == 201
    assert note.json()["properties"]["hs_timestamp"] == "2025-01-01T00:00:00.000Z"
    linked = api.get(f"/crm/v4/objects/deals/{deal['id']}/associations/notes").json()
    assert linked["results"][0]["toObjectId"] == int(note.json()["id"])
    assert linked["results"][0]["associationTypes"][0]["typeId"] == 213


def test_batch_limits_reject_101_inputs(api):
    inputs = [{"id": str(i)} for i in range(101)]
    for path in ("batch/read", "batch/update", "batch/create"):
        response = api.post(f"/crm/v3/objects/deals/{path}", json={"inputs": inputs})
        assert response.status_code == 400, path
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_batch_create_read_update(api):
    created = api.post(
        "/crm/v3/objects/contacts/batch/create",
        json={"inputs": [{"properties": {"email": f"p{i}@example.com"}} for i in range(100)]},
    )
    assert created.status_code == 201
    ids = [r["id"] for r in created.json()["results"]]
    assert len(ids) == 100

    updated = api.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": i, "properties": {"jobtitle": "CTO"}} for i in ids]},
    )
    assert updated.status_code == 200

    read = api.post(
        "/crm/v3/objects/contacts/batch/read",
        json={
            "inputs": [{"id": ids[0]}, {"id": "999999999"}],
            "properties": ["jobtitle"],
            "propertiesWithHistory": ["jobtitle"],
        },
    )
    assert read.status_code == 207
    body = read.json()
    assert body["results"][0]["properties"]["jobtitle"] == "CTO"
    assert body["results"][0]["propertiesWithHistory"]["jobtitle"][0]["value"] == "CTO"
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"]["ids"] == ["999999999"]


def test_batch_update_with_a_bad_property_changes_nothing(api):
    deal = create_deal(api, dealname="Before")
    response = api.post(
        "/crm/v3/objects/deals/batch/update",
        json={
            "inputs": [
                {"id": deal["id"], "properties": {"dealname": "After"}},
                {"id": deal["id"] + "0", "properties": {"dealstage": "nonsense"}},
            ]
        },
    )
    assert response.status_code == 400
    read = api.get(f"/crm/v3/objects/deals/{deal['id']}").json()
    assert read["properties"]["dealname"] == "Before"


def test_batch_update_rejects_duplicate_ids(api):
    deal = create_deal(api, dealname="Dup")
    inputs = [{"id": deal["id"], "properties": {"dealname": n}} for n in ("a", "b")]
    response = api.post("/crm/v3/objects/deals/batch/update", json={"inputs": inputs})
    assert response.status_code == 400
    assert "Duplicate IDs" in response.json()["message"]


def test_list_pages_with_after(api):
    ids = [create_deal(api, dealname=f"d{i}")["id"] for i in range(5)]
    first = api.get("/crm/v3/objects/deals", params={"limit": 2}).json()
    assert [r["id"] for r in first["results"]] == ids[:2]
    after = first["paging"]["next"]["after"]
    second = api.get("/crm/v3/objects/deals", params={"limit": 2, "after": after}).json()
    assert [r["id"] for r in second["results"]] == ids[2:4]
    assert api.get("/crm/v3/objects/deals", params={"limit": 101}).status_code == 400


def test_missing_or_wrong_token_is_401_with_hubspot_body(hubspot):
    _, url = hubspot
    for client in (Api(url, token=None), Api(url, token="wrong")):
        response = client.get("/crm/v3/objects/deals")
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == "error"
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert body["correlationId"]


def test_unknown_object_type_is_rejected(api):
    response = api.get("/crm/v3/objects/widgets/1")
    assert response.status_code == 400
    assert "Unable to infer object type" in response.json()["message"]


def test_merge_keeps_primary_and_resolves_merged_id(api):
    primary = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "a@x.com"}})
    merged = api.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "b@x.com", "jobtitle": "CFO"}},
    )
    primary_id, merged_id = primary.json()["id"], merged.json()["id"]
    response = api.post(
        "/crm/v3/objects/contacts/merge",
        json={"primaryObjectId": primary_id, "objectIdToMerge": merged_id},
    )
    assert response.status_code == 200
    assert response.json()["properties"]["email"] == "a@x.com"
    assert response.json()["properties"]["jobtitle"] == "CFO"
    via_old_id = api.get(f"/crm/v3/objects/contacts/{merged_id}").json()
    assert via_old_id["id"] == primary_id
