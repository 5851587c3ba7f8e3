"""Contact and company changes reach every linked opportunity, both ways.

HubSpot simulator (a user edits contacts and companies) -> signed webhooks
-> ingest -> Redis -> a real worker -> the Partner Central simulator through
the unmodified boto3 client, and back to the HubSpot contacts. Judged by the
simulators' state and call logs and by the rows pcsync writes.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.helpers import route_events_to_ingest
from tests.integration.stack import wait_for


def customer(stack, opportunity_id) -> dict:
    return stack.opportunity(opportunity_id)["Customer"]


def emails(stack, opportunity_id) -> list[str]:
    return [c.get("Email") for c in customer(stack, opportunity_id).get("Contacts", [])]


def linked_deal(stack, *, company=None, contacts=None, **deal_properties) -> tuple[str, str]:
    """A tagged deal and its opportunity, created once the worker runs."""
    company = company if company is not None else create_company(stack.hubspot)
    contacts = contacts if contacts is not None else [create_contact(stack.hubspot)]
    deal = create_deal(stack.hubspot, company_id=company, contact_ids=contacts, **deal_properties)
    opportunity_id = stack.wait_linked(deal)["opportunity_id"]
    # "adjusted" comes first when values were normalised before the create.
    wait_for(lambda: "created" in stack.audit_outcomes(deal, "opportunity.create"))
    return deal, opportunity_id


def settle(stack) -> float:
    """Let the echoes of the last writes run; returns the time to count from."""
    stack.drain()
    return time.time()


def fan_outs(stack, object_type: str, object_id: str) -> list[dict]:
    rows = stack.rows(
        "SELECT outcome, diff FROM audit_entries WHERE action = :a AND object_id = :o ORDER BY id",
        a=f"hubspot.{object_type}.changed",
        o=object_id,
    )
    return [{**r, "diff": _json(r["diff"])} for r in rows]


def sync_notes(stack, deal: str) -> list[str]:
    rows = stack.rows(
        "SELECT diff FROM audit_entries WHERE object_id = :d AND action = 'opportunity.sync'",
        d=deal,
    )
    return [n["reason"] for r in rows for n in (_json(r["diff"]) or {}).get("notes", [])]


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def deal_property(stack, deal: str, name: str) -> str | None:
    return stack.hubspot.get_object("deals", deal)["properties"].get(name)


# -- contacts -------------------------------------------------------------------------------


def test_contact_email_change_reaches_the_opportunity_and_stamps_the_deal(stack):
    with stack.worker():
        contact = create_contact(stack.hubspot)
        deal, opportunity_id = linked_deal(stack, contacts=[contact])
        since = settle(stack)
        stack.hubspot.update_object("contacts", contact, {"email": "J.Lee@Acme.example.com"})
        wait_for(lambda: emails(stack, opportunity_id) == ["j.lee@acme.example.com"])
        wait_for(lambda: stack.audit_outcomes(deal)[-1:] == ["updated"])
        stamp = wait_for(lambda: deal_property(stack, deal, "aws_contact_company_last_sync"))
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1
    (person,) = customer(stack, opportunity_id)["Contacts"]
    assert person["FirstName"] == "Jordan" and person["Phone"] == "+12065550142"
    assert stamp.endswith("Z")
    assert [
        r["object_id"]
        for r in stack.rows("SELECT object_id FROM customer_records WHERE object_type = 'contact'")
    ] == [contact]


def test_contact_without_deals_is_skipped(stack):
    with stack.worker():
        contact = create_contact(stack.hubspot, email="loner@example.com")
        stack.hubspot.update_object("contacts", contact, {"jobtitle": "CFO"})
        wait_for(lambda: fan_outs(stack, "contact", contact))
        stack.drain()
    outcomes = {r["outcome"] for r in fan_outs(stack, "contact", contact)}
    assert outcomes == {"no_linked_deals"}
    assert stack.pc.calls("GetOpportunity") == [] and stack.pc.calls("UpdateOpportunity") == []


def test_contact_on_a_deal_without_opportunity_is_skipped(stack):
    with stack.worker():
        contact = create_contact(stack.hubspot)
        deal = create_deal(stack.hubspot, contact_ids=[contact], dealname="Renewal for Initech")
        wait_for(lambda: stack.audit_outcomes(deal, "deal.sync") == ["not_syncing"])
        stack.hubspot.update_object("contacts", contact, {"jobtitle": "CIO"})
        rows = wait_for(
            lambda: [r for r in fan_outs(stack, "contact", contact) if deal in r["diff"]["deals"]]
        )
        stack.drain()
    assert rows[-1]["outcome"] == "no_linked_deals" and rows[-1]["diff"]["queued"] == 0
    assert stack.link(deal) is None
    assert stack.pc.calls("GetOpportunity") == [] and stack.pc.calls("CreateOpportunity") == []


def test_several_contacts_in_id_order_with_phones_in_national_formats(stack):
    sim = stack.hubspot
    with stack.worker():
        company = create_company(sim, country="United Kingdom")
        london = create_contact(sim, email="amy@acme.example.com", phone="020 7946 0958")
        seattle = create_contact(
            sim, email="bo@acme.example.com", phone="(206) 555-0100", country="US"
        )
        broken = create_contact(sim, email="cy@acme.example.com", phone="call the front desk")
        deal, opportunity_id = linked_deal(
            stack, company=company, contacts=[broken, seattle, london]
        )
        since = settle(stack)
        sim.update_object("contacts", seattle, {"phone": "+1 206.555.0199"})
        wait_for(
            lambda: customer(stack, opportunity_id)["Contacts"][1].get("Phone") == "+12065550199"
        )
    people = customer(stack, opportunity_id)["Contacts"]
    # Ascending ids: the order the contacts were created in.
    assert [p["Email"] for p in people] == [
        "amy@acme.example.com",
        "bo@acme.example.com",
        "cy@acme.example.com",
    ]
    assert people[0]["Phone"] == "+442079460958"
    assert "Phone" not in people[2]
    assert any(f"contact {broken} Phone" in n for n in create_notes(stack, deal))
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1


def create_notes(stack, deal: str) -> list[str]:
    rows = stack.rows(
        "SELECT diff FROM audit_entries WHERE object_id = :d AND action = 'opportunity.create'",
        d=deal,
    )
    return [n["reason"] for r in rows for n in (_json(r["diff"]) or {}).get("notes", [])]


def test_contact_added_then_removed_joins_and_leaves_the_list(stack):
    sim = stack.hubspot
    with stack.worker():
        first = create_contact(sim)
        deal, opportunity_id = linked_deal(stack, contacts=[first])
        second = create_contact(sim, email="sam@acme.example.com", firstname="Sam")
        settle(stack)
        sim.associate("deals", deal, "contacts", second)
        wait_for(lambda: len(emails(stack, opportunity_id)) == 2)
        sim.disassociate("deals", deal, "contacts", first)
        wait_for(lambda: emails(stack, opportunity_id) == ["sam@acme.example.com"])
        wait_for(lambda: stack.audit_outcomes(deal)[-1:] == ["updated"])
    assert [
        r["object_id"]
        for r in stack.rows("SELECT object_id FROM customer_records WHERE object_type = 'contact'")
    ] == [second]


def test_deleted_contact_keeps_its_last_known_details_with_an_audit_note(stack):
    sim = stack.hubspot
    with stack.worker():
        stays = create_contact(sim)
        goes = create_contact(sim, email="gone@acme.example.com", firstname="Gone")
        deal, opportunity_id = linked_deal(stack, contacts=[stays, goes])
        since = settle(stack)
        sim.delete_object("contacts", goes)
        wait_for(lambda: any("deleted in HubSpot" in n for n in sync_notes(stack, deal)))
        stack.drain()
    assert emails(stack, opportunity_id) == [
        "jordan.lee@acme-analytics.example.com",
        "gone@acme.example.com",
    ]
    assert stack.pc_calls("UpdateOpportunity", since) == []
    assert stack.rows("SELECT state FROM customer_records WHERE object_id = :c", c=goes) == [
        {"state": "deleted"}
    ]


def test_merged_contact_is_replaced_by_the_survivor(stack):
    sim = stack.hubspot
    with stack.worker():
        merged_away = create_contact(sim, email="old@acme.example.com", firstname="Olga")
        _deal, opportunity_id = linked_deal(stack, contacts=[merged_away])
        survivor = create_contact(sim, email="olga@acme.example.com", firstname="Olga")
        settle(stack)
        sim.merge_objects("contacts", survivor, merged_away)
        wait_for(lambda: emails(stack, opportunity_id) == ["olga@acme.example.com"])
    rows = stack.rows("SELECT object_id FROM customer_records WHERE object_type = 'contact'")
    assert rows == [{"object_id": survivor}]


EVENTS_SECRET = "events-secret-0123456789abcdef"


@pytest.fixture
def events_stack(stack_with):
    """The stack with Partner Central's events routed to the ingest, as the
    EventBridge rule and API destination do in production."""
    built = stack_with(events_secret=EVENTS_SECRET)
    route_events_to_ingest(built)
    return built


def test_contact_edited_in_partner_central_flows_back_to_the_hubspot_contact(events_stack):
    stack, sim = events_stack, events_stack.hubspot
    with stack.worker():
        contact = create_contact(sim)
        deal, opportunity_id = linked_deal(stack, contacts=[contact])
        since = settle(stack)

        def aws_fixes_the_contact(request):
            person = request["Customer"]["Contacts"][0]
            person["Phone"] = "+12065550177"
            person["BusinessTitle"] = "CTO"

        # Only Partner Central changed the contact: its edit wins and reaches
        # HubSpot through the Opportunity Updated event.
        stack.aws_edit(opportunity_id, aws_fixes_the_contact)
        edited = time.time()
        wait_for(lambda: sim.get_object("contacts", contact)["properties"]["jobtitle"] == "CTO")
        wait_for(lambda: deal_property(stack, deal, "aws_contact_company_last_sync"))
        settle(stack)  # the contact change comes back as an event: an echo
    properties = sim.get_object("contacts", contact)["properties"]
    assert properties["phone"] == "+12065550177"
    writes = stack.hubspot_calls("POST", "/crm/v3/objects/contacts/batch/update", since)
    assert [w["json"]["inputs"] for w in writes] == [
        [{"id": contact, "properties": {"phone": "+12065550177", "jobtitle": "CTO"}}]
    ]
    # Partner Central already holds the agreed values: pcsync wrote nothing there.
    assert stack.pc_calls("UpdateOpportunity", edited) == []
    (person,) = customer(stack, opportunity_id)["Contacts"]
    assert person["BusinessTitle"] == "CTO" and person["Phone"] == "+12065550177"


# -- companies -------------------------------------------------------------------------------


def test_company_change_reaches_the_account(stack):
    with stack.worker():
        company = create_company(stack.hubspot)
        deal, opportunity_id = linked_deal(stack, company=company)
        since = settle(stack)
        stack.hubspot.update_object(
            "companies", company, {"city": "Portland", "state": "Oregon", "zip": "97201"}
        )
        wait_for(
            lambda: customer(stack, opportunity_id)["Account"]["Address"].get("City") == "Portland"
        )
        wait_for(lambda: deal_property(stack, deal, "aws_contact_company_last_sync"))
    address = customer(stack, opportunity_id)["Account"]["Address"]
    assert address["StateOrRegion"] == "Oregon" and address["PostalCode"] == "97201"
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1


def test_company_with_only_a_name_is_not_sent_and_says_what_it_lacks(stack):
    with stack.worker():
        company = stack.hubspot.create_object("companies", {"name": "Tiny Co"})["id"]
        deal = create_deal(stack.hubspot, company_id=company)
        properties = wait_for(
            lambda: (
                (p := stack.hubspot.get_object("deals", deal)["properties"]).get("aws_sync_status")
                == "needs_input"
                and p
            )
        )
    assert properties["aws_sync_error"] == (
        "The company needs an industry, a country and a website"
    )
    assert stack.pc.calls("CreateOpportunity") == []


def test_industry_mapping_and_unknown_industry_as_other(stack):
    sim = stack.hubspot
    # A portal admin added a custom industry option HubSpot does not ship.
    industry = sim.properties.get("companies", "industry")
    industry["options"] = (*industry["options"], ("SPACE_TOURISM", "Space Tourism"))
    with stack.worker():
        company = create_company(sim, industry="BANKING")
        deal, opportunity_id = linked_deal(stack, company=company)
        assert customer(stack, opportunity_id)["Account"]["Industry"] == "Financial Services"
        settle(stack)
        sim.update_object("companies", company, {"industry": "SPACE_TOURISM"})
        wait_for(lambda: customer(stack, opportunity_id)["Account"]["Industry"] == "Other")
    account = customer(stack, opportunity_id)["Account"]
    assert account["OtherIndustry"] == "Space Tourism"
    assert any("unknown HubSpot industry" in n for n in sync_notes(stack, deal))


@pytest.mark.parametrize(
    ("website", "expected"),
    [
        ("www.Acme.example.com/about/team", "https://www.acme.example.com/about/team"),
        ("http://acme.example.com/", "http://acme.example.com"),
    ],
)
def test_website_is_normalised(stack, website, expected):
    with stack.worker():
        company = create_company(stack.hubspot)
        _deal, opportunity_id = linked_deal(stack, company=company)
        settle(stack)
        stack.hubspot.update_object("companies", company, {"website": website})
        wait_for(lambda: customer(stack, opportunity_id)["Account"]["WebsiteUrl"] == expected)


def test_long_company_name_is_cut_on_a_word_boundary(stack):
    long_name = "Acme Analytics " + " ".join(["International Holdings"] * 8)
    with stack.worker():
        company = create_company(stack.hubspot)
        _deal, opportunity_id = linked_deal(stack, company=company)
        settle(stack)
        stack.hubspot.update_object("companies", company, {"name": long_name})
        wait_for(
            lambda: customer(stack, opportunity_id)["Account"]["CompanyName"].startswith(
                "Acme Analytics International"
            )
        )
    name = customer(stack, opportunity_id)["Account"]["CompanyName"]
    assert len(name) <= 120 and long_name.startswith(name) and long_name[len(name)] == " "


def test_company_on_several_deals_updates_every_opportunity(stack):
    with stack.worker():
        company = create_company(stack.hubspot)
        first, first_opportunity = linked_deal(stack, company=company)
        second, second_opportunity = linked_deal(
            stack, company=company, dealname="Acme backup modernisation #AWS"
        )
        since = settle(stack)
        stack.hubspot.update_object("companies", company, {"name": "Acme Analytics Group"})
        for opportunity_id in (first_opportunity, second_opportunity):
            wait_for(
                lambda o=opportunity_id: (
                    customer(stack, o)["Account"]["CompanyName"] == "Acme Analytics Group"
                )
            )
        for deal in (first, second):
            wait_for(lambda d=deal: deal_property(stack, d, "aws_contact_company_last_sync"))
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 2
    (fan_out,) = [r for r in fan_outs(stack, "company", company) if r["outcome"] == "fanned_out"]
    assert fan_out["diff"]["linked"] == sorted([first, second])


def test_deleted_company_leaves_the_account_as_it_was(stack):
    with stack.worker():
        company = create_company(stack.hubspot)
        deal, opportunity_id = linked_deal(stack, company=company)
        before = customer(stack, opportunity_id)["Account"]
        since = settle(stack)
        stack.hubspot.delete_object("companies", company)
        wait_for(
            lambda: any(f"company {company} was deleted" in n for n in sync_notes(stack, deal))
        )
        stack.drain()
    assert customer(stack, opportunity_id)["Account"] == before
    assert stack.pc_calls("UpdateOpportunity", since) == []


# -- economy ---------------------------------------------------------------------------------


def test_burst_on_a_contact_of_two_deals_costs_one_association_read_and_one_sync_per_deal(
    stack_with,
):
    stack = stack_with(debounce_seconds=2.0)
    sim = stack.hubspot
    with stack.worker():
        contact = create_contact(sim)
        _first, first_opportunity = linked_deal(stack, contacts=[contact])
        _second, second_opportunity = linked_deal(
            stack, contacts=[contact], dealname="Acme backup modernisation #AWS"
        )
        since = settle(stack)
        for name, value in (
            ("firstname", "Jordy"),
            ("lastname", "Leigh"),
            ("jobtitle", "CTO"),
            ("phone", "(206) 555-0111"),
            ("email", "jordy@acme.example.com"),
        ):
            sim.update_object("contacts", contact, {name: value})
        for opportunity_id in (first_opportunity, second_opportunity):
            wait_for(
                lambda o=opportunity_id: emails(stack, o) == ["jordy@acme.example.com"],
                timeout=40,
            )
        stack.drain()  # any straggling run has happened
    association_reads = stack.hubspot_calls(
        "POST", "/crm/v4/associations/contacts/deals/batch/read", since
    )
    assert len(association_reads) == 1
    assert len(stack.pc_calls("GetOpportunity", since)) == 2
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 2
    for opportunity_id in (first_opportunity, second_opportunity):
        (person,) = customer(stack, opportunity_id)["Contacts"]
        assert person == {
            "Email": "jordy@acme.example.com",
            "FirstName": "Jordy",
            "LastName": "Leigh",
            "Phone": "+12065550111",
            "BusinessTitle": "CTO",
        }
