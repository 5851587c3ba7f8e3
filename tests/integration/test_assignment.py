"""Opportunity assignment follows the HubSpot deal owner, end to end: a user
changes the owner in the HubSpot simulator, the signed webhook reaches the
ingest, a real worker syncs the deal and assigns the opportunity in the
Partner Central simulator (unmodified boto3). Partner Central's call log,
the deal's properties and notes, the link and the audit trail show what
happened. Writes are limited to 1/s, so each test sends only a few."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
# Registered Partner Central users of the simulator (docs/simulators/partner-central.md).
OLIVIA = {"email": "Owner@Example.com", "firstName": "Olivia", "lastName": "Owner"}
ALEX = {"email": "alex.seller@example.com", "firstName": "Alex", "lastName": "Seller"}
SAM = {"email": "sam.manager@example.com", "firstName": "Sam", "lastName": "Manager"}
# A HubSpot user without a Partner Central login.
DANA = {"email": "dana.nobody@example.com", "firstName": "Dana", "lastName": "Nobody"}


def decoded(value):
    """A JSON column read with plain SQL: text on SQLite, decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def seed_owners(stack, *owners) -> list[str]:
    return [o["id"] for o in stack.hubspot.seed_owners(list(owners))]


def linked_deal(stack, **properties) -> tuple[str, str]:
    """A tagged deal with company and contact, synced and linked: (deal, opportunity)."""
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact], **properties)
    return deal, stack.wait_linked(deal, timeout=90)["opportunity_id"]


def assign_outcomes(stack, deal_id) -> list[str]:
    return stack.audit_outcomes(deal_id, action="opportunity.assign")


def wait_outcome(stack, deal_id, outcome, count=1) -> list[str]:
    return wait_for(
        lambda: (
            assign_outcomes(stack, deal_id).count(outcome) >= count
            and assign_outcomes(stack, deal_id)
        ),
        timeout=90,
    )


def assign_calls(stack) -> list[dict]:
    """Every AssignOpportunity that reached Partner Central, refused ones too."""
    return stack.pc.calls("AssignOpportunity")


def deal_properties(stack, deal_id) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def change_owners_while_no_worker_runs(stack, deal_id, owner_ids) -> None:
    """Flip the owner several times inside the debounce window: the ingest
    records every webhook but queues one sync, which runs once a worker starts."""
    for owner_id in owner_ids:
        stack.hubspot.update_object("deals", deal_id, {"hubspot_owner_id": owner_id})
    assert stack.hubspot.wait_idle(timeout=30)
    wait_for(
        lambda: (
            len(
                stack.rows(
                    "SELECT 1 FROM inbox_events"
                    " WHERE object_id = :d AND property_name = 'hubspot_owner_id'",
                    d=deal_id,
                )
            )
            >= len(owner_ids)
        )
    )


def test_an_owner_change_assigns_the_opportunity_once_with_a_valid_payload(stack):
    olivia, alex = seed_owners(stack, OLIVIA, ALEX)
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, hubspot_owner_id=alex)
        wait_outcome(stack, deal, "assigned")
        stack.hubspot.update_object("deals", deal, {"hubspot_owner_id": olivia})
        outcomes = wait_outcome(stack, deal, "assigned", count=2)
        wait_for(
            lambda: deal_properties(stack, deal)["aws_assigned_partner_user"] == "owner@example.com"
        )
    first, second = assign_calls(stack)
    assert first["parameters"]["Assignee"]["Email"] == "alex.seller@example.com"
    assert second["status"] == 200
    assert second["parameters"] == {
        "Catalog": "Sandbox",
        "Identifier": opportunity_id,
        # Lower-cased e-mail, names from HubSpot, the configured title: all required.
        "Assignee": {
            "Email": "owner@example.com",
            "FirstName": "Olivia",
            "LastName": "Owner",
            "BusinessTitle": "PartnerAccountManager",
        },
    }
    (owner,) = stack.opportunity(opportunity_id)["OpportunityTeam"]
    assert owner["Email"] == "owner@example.com"
    properties = deal_properties(stack, deal)
    assert "owner@example.com" in properties["aws_opportunity_team"]
    assert "alex.seller@example.com" not in properties["aws_opportunity_team"]
    assert properties["aws_team_last_sync"]
    link = stack.link(deal)
    assert link["assignee_owner_id"] == olivia
    assert link["assignment_failed_owner_id"] is None
    # Other syncs of the deal (its associations settling) may decide "unchanged".
    assert [o for o in outcomes if o != "unchanged"] == ["assigned", "assigned"]
    rows = stack.rows(
        "SELECT task_id, source, diff FROM audit_entries"
        " WHERE object_id = :d AND action = 'opportunity.assign' ORDER BY id",
        d=deal,
    )
    assert all(r["task_id"] and r["source"] == "hubspot" for r in rows)
    # Each owner was looked up once; the cache answered the rest.
    owner_reads = stack.hubspot_calls("GET", "/crm/v3/owners/")
    assert sorted(c["path"].rsplit("/", 1)[-1] for c in owner_reads) == sorted([alex, olivia])


def test_owner_flips_inside_the_debounce_window_cost_at_most_one_call(stack):
    olivia, alex, sam = seed_owners(stack, OLIVIA, ALEX, SAM)
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, hubspot_owner_id=olivia)
        wait_outcome(stack, deal, "assigned")
    assert len(assign_calls(stack)) == 1

    # A -> B -> A while A is the assignee: no call at all.
    change_owners_while_no_worker_runs(stack, deal, [alex, olivia])
    with stack.worker():
        wait_outcome(stack, deal, "unchanged")
    assert len(assign_calls(stack)) == 1

    # A -> C -> B -> C: one call, for C.
    change_owners_while_no_worker_runs(stack, deal, [sam, alex, sam])
    with stack.worker():
        wait_outcome(stack, deal, "assigned", count=2)
    calls = assign_calls(stack)
    assert [c["parameters"]["Assignee"]["Email"] for c in calls] == [
        "owner@example.com",
        "sam.manager@example.com",
    ]
    assert (
        stack.opportunity(opportunity_id)["OpportunityTeam"][0]["Email"]
        == "sam.manager@example.com"
    )
    assert assign_outcomes(stack, deal) == ["assigned", "unchanged", "assigned"]
    assert stack.link(deal)["assignee_owner_id"] == sam


def test_an_owner_partner_central_does_not_know_is_recorded_once_with_a_note(stack):
    (dana,) = seed_owners(stack, DANA)
    stack.expect_rejection("AssignOpportunity")  # Partner Central does not know Dana
    with stack.worker():
        deal, _ = linked_deal(stack, hubspot_owner_id=dana)
        wait_outcome(stack, deal, "failed")
        # The refusal is recorded after the call (send, then record): a try
        # cut off in between (a client timeout on a loaded machine) sends
        # the same request again. Once recorded, it is not sent again.
        sent_before = assign_calls(stack)
        # Another edit syncs the deal again: the same refused request is not sent again.
        stack.hubspot.update_object("deals", deal, {"amount": "13000"})
        wait_outcome(stack, deal, "refused_before")
    assert assign_calls(stack) == sent_before
    refused = sent_before[0]
    assert all(call["parameters"] == refused["parameters"] for call in sent_before)
    assert refused["status"] == 400
    assert refused["parameters"]["Assignee"]["Email"] == "dana.nobody@example.com"
    link = stack.link(deal)
    assert link["assignment_failed_owner_id"] == dana
    assert link["assignment_failed_email"] == "dana.nobody@example.com"
    assert "not a registered user" in link["assignment_error"]
    assert link["assignee"] is None
    assert assign_outcomes(stack, deal) == ["failed", "refused_before"]
    (row,) = stack.rows(
        "SELECT message, diff FROM audit_entries"
        " WHERE object_id = :d AND action = 'opportunity.assign' AND outcome = 'failed'",
        d=deal,
    )
    assert "not a registered user" in row["message"]
    assert decoded(row["diff"])["field_errors"][0]["field"] == "Assignee.Email"
    (note,) = stack.hubspot_calls("POST", "/crm/v3/objects/notes")
    assert "dana.nobody@example.com" in note["json"]["properties"]["hs_note_body"]
    assert note["json"]["associations"][0]["to"]["id"] == deal
    # No retry storm: the task finished, nothing waits for replay.
    assert stack.rows("SELECT id FROM failed_tasks") == []
    assert "aws_assigned_partner_user" not in {
        k for k, v in deal_properties(stack, deal).items() if v
    }


def test_an_owner_hubspot_no_longer_has_is_audited_once_and_sends_nothing(stack):
    (erin,) = seed_owners(stack, {"email": "erin@example.com", "firstName": "Erin"})
    with stack.worker():
        deal, _ = linked_deal(stack)
    # Erin becomes the owner, then leaves the portal before the sync runs.
    change_owners_while_no_worker_runs(stack, deal, [erin])
    stack.hubspot.seed_owners([{"id": erin, "email": "erin@example.com", "archived": True}])
    with stack.worker():
        wait_outcome(stack, deal, "owner_unknown")
        stack.hubspot.update_object("deals", deal, {"amount": "15000"})
        wait_outcome(stack, deal, "refused_before")
    assert assign_calls(stack) == []
    assert assign_outcomes(stack, deal) == ["owner_unknown", "refused_before"]
    link = stack.link(deal)
    assert link["assignment_failed_owner_id"] == erin
    assert link["assignment_error"] == f"HubSpot has no active owner {erin}"
    assert stack.rows("SELECT id FROM failed_tasks") == []


def test_a_cleared_owner_makes_no_call_and_is_audited(stack):
    (olivia,) = seed_owners(stack, OLIVIA)
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, hubspot_owner_id=olivia)
        wait_outcome(stack, deal, "assigned")
        stack.hubspot.update_object("deals", deal, {"hubspot_owner_id": ""})
        wait_outcome(stack, deal, "owner_cleared")
        # The same owner again: Partner Central still has them, so no call.
        stack.hubspot.update_object("deals", deal, {"hubspot_owner_id": olivia})
        wait_outcome(stack, deal, "already_assigned")
    assert len(assign_calls(stack)) == 1
    assert assign_outcomes(stack, deal) == ["assigned", "owner_cleared", "already_assigned"]
    (cleared,) = stack.rows(
        "SELECT diff, message FROM audit_entries"
        " WHERE object_id = :d AND outcome = 'owner_cleared'",
        d=deal,
    )
    assert decoded(cleared["diff"])["previous_hubspot_owner_id"] == olivia
    assert "no unassign" in cleared["message"]
    link = stack.link(deal)
    assert decoded(link["assignee"])["Email"] == "owner@example.com"
    assert link["assignee_owner_id"] == olivia
    assert stack.opportunity(opportunity_id)["OpportunityTeam"][0]["Email"] == "owner@example.com"


@pytest.fixture
def mapped_stack(stack_with):
    # Olivia signs in to HubSpot with another address than her Partner Central login.
    return stack_with(
        owner_map={"olivia@crm.example.com": {"email": "owner@example.com"}},
        assignee_business_title="OpportunityOwner",
    )


def test_the_owner_map_names_the_partner_central_login(mapped_stack):
    stack = mapped_stack
    (olivia,) = seed_owners(stack, {**OLIVIA, "email": "Olivia@CRM.example.com"})
    with stack.worker():
        deal, _ = linked_deal(stack, hubspot_owner_id=olivia)
        wait_outcome(stack, deal, "assigned")
    (call,) = assign_calls(stack)
    assert call["status"] == 200
    assert call["parameters"]["Assignee"] == {
        "Email": "owner@example.com",
        "FirstName": "Olivia",
        "LastName": "Owner",
        "BusinessTitle": "OpportunityOwner",
    }


def test_api_assigns_by_owner_or_assignee_and_refuses_bad_requests(stack):
    olivia, dana = seed_owners(stack, OLIVIA, DANA)
    client = stack.app.test_client()
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, hubspot_owner_id=olivia)
        wait_outcome(stack, deal, "assigned")
    url = f"/api/opportunities/{opportunity_id}/assign"
    sam = {"email": "Sam.Manager@example.com", "first_name": "Sam", "last_name": "Manager"}

    assert client.get(url).status_code == 401
    assert client.post(url, json={"assignee": sam}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-0123456789"}
    assert client.post(url, json={"assignee": sam}, headers=wrong).status_code == 401

    both = client.post(url, json={"assignee": sam, "hubspot_owner_id": olivia}, headers=AUTH)
    assert both.status_code == 400
    assert "_schema" in both.json["errors"]["json"]
    assert client.post(url, json={}, headers=AUTH).status_code == 400
    bad = client.post(
        url,
        json={
            "assignee": {"email": "not-an-email", "first_name": "", "business_title": "Boss"},
        },
        headers=AUTH,
    )
    assert bad.status_code == 400
    assert set(bad.json["errors"]["json"]["assignee"]) == {
        "email",
        "first_name",
        "last_name",
        "business_title",
    }
    owner_id = client.post(url, json={"hubspot_owner_id": "seventy"}, headers=AUTH)
    assert "hubspot_owner_id" in owner_id.json["errors"]["json"]
    malformed = client.get("/api/opportunities/not-an-id/assign", headers=AUTH)
    assert malformed.status_code == 400
    assert "opportunityId" in malformed.json["errors"]["path"]
    unknown = "/api/opportunities/O9999999999/assign"
    assert client.get(unknown, headers=AUTH).status_code == 404
    assert client.post(unknown, json={"assignee": sam}, headers=AUTH).status_code == 404
    # Refused requests record and queue nothing.
    assert assign_outcomes(stack, deal) == ["assigned"]

    with stack.worker():
        queued = client.post(url, json={"assignee": sam}, headers=AUTH)
        assert queued.status_code == 202, queued.json
        assert queued.json == {
            "queued": True,
            "opportunity_id": opportunity_id,
            "hubspot_deal_id": deal,
        }
        wait_outcome(stack, deal, "assigned", count=2)
        # By HubSpot owner: Dana has no Partner Central login; refused, noted.
        stack.expect_rejection("AssignOpportunity")
        refused = client.post(url, json={"hubspot_owner_id": dana}, headers=AUTH)
        assert refused.status_code == 202
        wait_outcome(stack, deal, "failed")
        # The deal syncs again with its owner unchanged: the operator's choice holds.
        stack.hubspot.update_object("deals", deal, {"amount": "14000"})
        wait_for(lambda: "unchanged" in assign_outcomes(stack, deal), timeout=90)

    emails = [c["parameters"]["Assignee"]["Email"] for c in assign_calls(stack)]
    assert emails == ["owner@example.com", "sam.manager@example.com", "dana.nobody@example.com"]
    shown = client.get(url, headers=AUTH)
    assert shown.status_code == 200
    assert shown.json["assignee"] == {
        "email": "sam.manager@example.com",
        "first_name": "Sam",
        "last_name": "Manager",
        "business_title": "PartnerAccountManager",
    }
    assert shown.json["hubspot_owner_id"] == olivia
    assert shown.json["refused_owner_id"] == dana
    assert "not a registered user" in shown.json["last_error"]
    assert assign_outcomes(stack, deal) == [
        "assigned",
        "requested",
        "assigned",
        "requested",
        "failed",
        "unchanged",
    ]
    actors = stack.rows(
        "SELECT DISTINCT actor, source FROM audit_entries"
        " WHERE object_id = :d AND action = 'opportunity.assign' AND source = 'operator'",
        d=deal,
    )
    assert len(actors) == 1 and actors[0]["actor"].startswith("operator:")
    assert deal_properties(stack, deal)["aws_assigned_partner_user"] == "sam.manager@example.com"
