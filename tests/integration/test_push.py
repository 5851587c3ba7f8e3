"""HubSpot -> Partner Central push through the single writer (docs/architecture.md)."""

from __future__ import annotations

import time

import pytest

from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for


def linked_deal(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact])
    link = stack.wait_linked(deal)
    return deal, link["opportunity_id"], company


def spend(opportunity) -> list[str]:
    return [e["Amount"] for e in opportunity["Project"].get("ExpectedCustomerSpend", [])]


def test_hubspot_change_reaches_partner_central_with_every_other_field_intact(stack):
    with stack.worker():
        deal, opportunity_id, _ = linked_deal(stack)

        def add_unmapped(request):
            request["Project"]["AdditionalComments"] = "Entered by the alliance team"
            request["Marketing"] = {"Source": "None"}
            request["PrimaryNeedsFromAws"] = ["Co-Sell - Technical Consultation"]

        stack.aws_edit(opportunity_id, add_unmapped)
        before = stack.opportunity(opportunity_id)
        since = time.time()
        stack.hubspot.update_object("deals", deal, {"aws_expected_monthly_spend": "48000.5"})
        after = wait_for(
            lambda: (o := stack.opportunity(opportunity_id)) and spend(o) == ["48000.5"] and o
        )
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1
    assert after["Project"]["AdditionalComments"] == "Entered by the alliance team"
    assert after["Marketing"] == {"Source": "None"}
    assert after["PrimaryNeedsFromAws"] == ["Co-Sell - Technical Consultation"]
    unchanged = ("Customer", "LifeCycle")
    for member in unchanged:
        assert after[member] == before[member], member
    assert after["Project"]["Title"] == before["Project"]["Title"]


def test_burst_of_20_changes_costs_one_read_and_one_write(stack_with):
    stack = stack_with(debounce_seconds=2.0)
    with stack.worker():
        deal, opportunity_id, _ = linked_deal(stack)
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        stack.drain()  # the create's own write-back echo settles
        since = time.time()
        for i in range(20):
            stack.hubspot.update_object(
                "deals", deal, {"aws_expected_monthly_spend": str(20000 + i)}
            )
        wait_for(lambda: spend(stack.opportunity(opportunity_id)) == ["20019"], timeout=40)
        stack.drain()  # any straggling task has run
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1
    assert len(stack.pc_calls("GetOpportunity", since)) == 1


@pytest.mark.parametrize("app_id", ["1001", None], ids=["app-known", "app-unknown"])
def test_pcsync_write_echoed_by_hubspot_costs_no_write(app_id, stack_with):
    """With pcsync's app id configured the echo is dropped at the ingest;
    without it, the echo's sync finds nothing to write. Either way: no write."""
    stack = stack_with(hubspot_app_id=app_id)
    with stack.worker():
        deal, opportunity_id, _ = linked_deal(stack)
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])

        def aws_moves_stage(request):
            request["LifeCycle"]["Stage"] = "Technical Validation"

        stack.aws_edit(opportunity_id, aws_moves_stage)
        since = time.time()
        # Any deal change starts a sync; it pulls the stage into HubSpot,
        # whose change event comes back to pcsync as an echo.
        stack.hubspot.update_object("deals", deal, {"dealtype": "newbusiness"})
        wait_for(
            lambda: (
                stack.hubspot.get_object("deals", deal)["properties"]["dealstage"]
                == "presentationscheduled"
            )
        )
        echo = wait_for(
            lambda: stack.rows(
                "SELECT outcome, ignore_reason FROM inbox_events WHERE object_id = :d"
                " AND property_name = 'dealstage' AND change_source = 'INTEGRATION'",
                d=deal,
            )
        )
        if app_id is None:
            wait_for(lambda: stack.audit_outcomes(deal)[-1:] == ["unchanged"], timeout=30)
        stack.drain()
    stage_writes = stack.hubspot_calls("PATCH", f"/crm/v3/objects/deals/{deal}", since)
    assert len(stage_writes) == 1
    # dealtype maps to OpportunityType: one write for it, none for the echo.
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1
    if app_id:
        assert echo == [{"outcome": "ignored", "ignore_reason": "change made by pcsync's own app"}]
        assert stack.audit_outcomes(deal)[-1:] == ["updated"]
    else:
        assert echo[0]["outcome"] == "queued"
        assert stack.audit_outcomes(deal)[-2:] == ["updated", "unchanged"]
