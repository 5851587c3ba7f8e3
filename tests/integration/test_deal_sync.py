"""Deal <-> opportunity sync end to end: HubSpot simulator -> signed webhooks ->
ingest -> Redis -> real worker -> Partner Central simulator (unmodified boto3)."""

from __future__ import annotations

from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for


def link_of(stack, deal_id):
    rows = stack.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
    return rows[0] if rows else None


def test_tagged_deal_creates_an_opportunity_and_writes_its_id_back(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact])
        link = wait_for(lambda: (row := link_of(stack, deal)) and row["opportunity_id"] and row)
        opportunity = stack.aws_read(link["opportunity_id"])
        wait_for(
            lambda: stack.hubspot.get_object("deals", deal)["properties"].get("aws_opportunity_id")
        )
    account = opportunity["Customer"]["Account"]
    assert account["CompanyName"] == "Acme Analytics"
    assert account["Industry"] == "Software and Internet"
    assert account["Address"]["CountryCode"] == "US"
    assert account["WebsiteUrl"] == "https://acme-analytics.example.com"
    (person,) = opportunity["Customer"]["Contacts"]
    assert person["Email"] == "jordan.lee@acme-analytics.example.com"
    assert person["Phone"] == "+12065550142"
    assert opportunity["PartnerOpportunityIdentifier"] == deal
    assert opportunity["LifeCycle"]["ReviewStatus"] == "Pending Submission"
    deal_props = stack.hubspot.get_object("deals", deal)["properties"]
    assert deal_props["aws_opportunity_id"] == link["opportunity_id"]
    assert deal_props["aws_review_status"] == "Pending Submission"
    creates = stack.pc.calls("CreateOpportunity")
    assert len(creates) == 1
    audit = stack.rows("SELECT action, outcome FROM audit_entries WHERE object_id = :d", d=deal)
    assert {"action": "opportunity.create", "outcome": "created"} in audit
    assert stack.pc.model_rejections() == []


def test_untagged_deal_is_audited_as_not_syncing_and_creates_nothing(stack):
    with stack.worker():
        deal = create_deal(stack.hubspot, dealname="Renewal for Initech")
        rows = wait_for(
            lambda: stack.rows(
                "SELECT outcome, task_id FROM audit_entries WHERE object_id = :d", d=deal
            )
        )
    assert [r["outcome"] for r in rows] == ["not_syncing"]
    assert rows[0]["task_id"]
    assert stack.pc.calls("CreateOpportunity") == []
    assert stack.rows("SELECT scheduled FROM pending_objects WHERE object_id = :d", d=deal) == [
        {"scheduled": False}
    ]
