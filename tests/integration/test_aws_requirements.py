"""What AWS requires on every opportunity, end to end: a deal that has it is
created with one call; a deal that lacks it is not sent at all, shows
`needs_input` naming the properties to fill, and syncs once a rep fills them
(a webhook, no operator step). The Partner Central simulator enforces the
same rules independently, and the teardown asserts it refused nothing."""

from __future__ import annotations

from tests.integration.factories import (
    AWS_REQUIREMENTS,
    create_company,
    create_contact,
    create_deal,
)
from tests.integration.stack import wait_for

NOT_FILLED = dict.fromkeys(AWS_REQUIREMENTS, "")


def link_of(stack, deal_id):
    rows = stack.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
    return rows[0] if rows else None


def deal_properties(stack, deal_id) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def wait_status(stack, deal_id, status: str) -> dict:
    return wait_for(
        lambda: (p := deal_properties(stack, deal_id)).get("aws_sync_status") == status and p
    )


def created_opportunity(stack, deal_id) -> dict:
    link = stack.wait_linked(deal_id)
    return stack.opportunity(link["opportunity_id"])


def test_a_complete_deal_is_created_with_exactly_one_accepted_call(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact])
        opportunity = created_opportunity(stack, deal)
    (create,) = stack.pc.calls("CreateOpportunity")
    assert create["status"] == 200
    project = opportunity["Project"]
    assert project["CustomerUseCase"] == "Migration/Database Migration"
    assert project["DeliveryModels"] == ["Professional Services"]
    assert project["SalesActivities"] == [
        "Initialized discussions with customer",
        "Conducted POC / Demo",
    ]
    assert opportunity["PrimaryNeedsFromAws"] == ["Co-Sell - Technical Consultation"]
    assert opportunity["Marketing"] == {"Source": "None"}
    # A 12,000 USD deal is 1,000 USD of monthly AWS spend.
    (spend,) = project["ExpectedCustomerSpend"]
    assert (spend["Amount"], spend["CurrencyCode"], spend["Frequency"]) == (
        "1000",
        "USD",
        "Monthly",
    )
    assert opportunity["Customer"]["Account"]["Address"]["StateOrRegion"] == "Washington"


def test_an_incomplete_deal_is_not_sent_and_syncs_once_the_rep_fills_it(stack):
    company = create_company(stack.hubspot, zip="")
    contact = create_contact(stack.hubspot)
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact], **NOT_FILLED)
        shown = wait_status(stack, deal, "needs_input")
        assert stack.pc.calls() == []
        assert shown["aws_sync_error"] == (
            "Set 'AWS use case', 'AWS delivery models', 'AWS sales activities', "
            "'AWS primary needs' and 'AWS marketing source'; the company needs a postal code"
        )
        assert stack.audit_outcomes(deal) == ["needs_input"]
        assert stack.rows("SELECT id FROM failed_tasks") == []

        # The rep fills the properties (and the company's postal code) in HubSpot.
        stack.hubspot.update_object("companies", company, {"zip": "98101"})
        stack.hubspot.update_object("deals", deal, AWS_REQUIREMENTS)
        created_opportunity(stack, deal)
        shown = wait_status(stack, deal, "synced")
    assert shown["aws_sync_error"] == ""
    assert [c["status"] for c in stack.pc.calls("CreateOpportunity")] == [200]
    assert stack.rows("SELECT id FROM failed_tasks") == []


def test_us_state_abbreviation_is_sent_as_the_full_name(stack):
    company = create_company(stack.hubspot, state="wa")
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company)
        opportunity = created_opportunity(stack, deal)
    assert opportunity["Customer"]["Account"]["Address"]["StateOrRegion"] == "Washington"


def test_a_german_company_with_a_state_is_sent_without_it(stack):
    company = create_company(
        stack.hubspot, country="Germany", state="Berlin", city="Berlin", zip="10115"
    )
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company)
        opportunity = created_opportunity(stack, deal)
    address = opportunity["Customer"]["Account"]["Address"]
    assert address["CountryCode"] == "DE"
    assert "StateOrRegion" not in address


def test_closed_lost_needs_a_reason_and_sends_it(stack):
    company = create_company(stack.hubspot)
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company)
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_status(stack, deal, "synced")

        stack.hubspot.update_object("deals", deal, {"dealstage": "closedlost"})
        shown = wait_status(stack, deal, "needs_input")
        assert shown["aws_sync_error"] == "Set 'AWS closed lost reason'"
        assert stack.pc_calls("UpdateOpportunity") == []

        stack.hubspot.update_object("deals", deal, {"aws_closed_lost_reason": "Price"})
        wait_for(lambda: stack.opportunity(opportunity_id)["LifeCycle"]["Stage"] == "Closed Lost")
        wait_status(stack, deal, "synced")
    lifecycle = stack.opportunity(opportunity_id)["LifeCycle"]
    assert lifecycle["ClosedLostReason"] == "Price"
    assert len(stack.pc_calls("UpdateOpportunity")) == 1
    assert "needs_input" in stack.audit_outcomes(deal)


def test_a_gbp_deal_needs_the_monthly_spend_and_never_gets_it_in_its_amount(stack):
    company = create_company(stack.hubspot)
    with stack.worker():
        deal = create_deal(
            stack.hubspot, company_id=company, amount="90000", deal_currency_code="GBP"
        )
        shown = wait_status(stack, deal, "needs_input")
        assert shown["aws_sync_error"] == "Set 'AWS expected monthly spend'"
        assert stack.pc.calls() == []

        stack.hubspot.update_object("deals", deal, {"aws_expected_monthly_spend": "8000"})
        opportunity = created_opportunity(stack, deal)
        shown = wait_status(stack, deal, "synced")
    (spend,) = opportunity["Project"]["ExpectedCustomerSpend"]
    assert (spend["Amount"], spend["CurrencyCode"]) == ("8000", "USD")
    assert shown["amount"] == "90000"  # the deal's own figure is left alone


def test_a_deal_with_60_contacts_syncs(stack):
    company = create_company(stack.hubspot)
    contacts = [
        create_contact(
            stack.hubspot, email=f"person{n}@acme-analytics.example.com", phone="", jobtitle=""
        )
        for n in range(60)
    ]
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company, contact_ids=contacts)
        opportunity = created_opportunity(stack, deal)
    assert len(opportunity["Customer"]["Contacts"]) == 60
    # Contacts are read with their property history: at most 50 per batch read.
    reads = stack.hubspot_calls("POST", "/crm/v3/objects/contacts/batch/read")
    assert len(reads) == 2
