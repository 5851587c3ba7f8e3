"""Edits on both sides between two syncs: each conflict strategy gives its
documented result (docs/architecture.md), MANUAL leaves Partner Central untouched."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

ENGINE_CONFIG = """
[fields."LifeCycle.NextSteps"]
strategy = "HUBSPOT_WINS"
[fields."Project.CustomerBusinessProblem"]
strategy = "PARTNER_CENTRAL_WINS"
[fields."LifeCycle.TargetCloseDate"]
strategy = "LAST_WRITE_WINS"
[fields."LifeCycle.Stage"]
strategy = "LAST_WRITE_WINS"
[fields."Project.ExpectedCustomerSpend"]
strategy = "MANUAL"
"""


@pytest.fixture
def strategy_stack(stack_with):
    return stack_with(engine_config=ENGINE_CONFIG)


def day(offset: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=offset)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def let_the_clock_move_on() -> None:
    """The merge orders the two sides' edits by their timestamps (milliseconds
    on both sides): the next edit must carry a later one than the last."""
    # Wall-clock time must pass: no event of the stack stands for it.
    time.sleep(0.05)


def test_each_strategy_settles_a_two_sided_edit(strategy_stack):
    stack = strategy_stack
    sim = stack.hubspot
    with stack.worker():
        company = create_company(sim)
        deal = create_deal(
            sim,
            company_id=company,
            contact_ids=[create_contact(sim)],
            hs_next_step="Schedule the discovery call",
        )
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        stack.drain()  # the create's echo runs before the worker stops

    # Between two syncs (no worker running): HubSpot first, then Partner
    # Central, then HubSpot again for the stage.
    sim.update_object(
        "deals",
        deal,
        {
            "hs_next_step": "HubSpot: send the proposal",
            "description": "HubSpot: the customer wants to retire its data centre by Q3.",
            "closedate": day(90).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "amount": "30000",
        },
    )
    let_the_clock_move_on()

    def partner_central_edits(request):
        request["LifeCycle"]["NextSteps"] = "PC: wait for the customer"
        request["Project"]["CustomerBusinessProblem"] = (
            "PC: consolidate three analytics platforms onto one managed service."
        )
        request["LifeCycle"]["TargetCloseDate"] = day(120).strftime("%Y-%m-%d")
        request["LifeCycle"]["Stage"] = "Technical Validation"
        request["Project"]["ExpectedCustomerSpend"][0]["Amount"] = "45000"

    stack.aws_edit(opportunity_id, partner_central_edits)
    let_the_clock_move_on()
    sim.update_object("deals", deal, {"dealstage": "decisionmakerboughtin"})
    since = time.time()

    with stack.worker():
        wait_for(lambda: stack.rows("SELECT id FROM conflicts"), timeout=40)
        wait_for(lambda: stack.audit_outcomes(deal)[-1:] in (["updated"], ["unchanged"]))
        stack.drain()

    opportunity = stack.opportunity(opportunity_id)
    deal_now = sim.get_object("deals", deal)["properties"]
    # HUBSPOT_WINS: HubSpot's value reaches Partner Central.
    assert opportunity["LifeCycle"]["NextSteps"] == "HubSpot: send the proposal"
    # PARTNER_CENTRAL_WINS: Partner Central's value reaches HubSpot.
    assert opportunity["Project"]["CustomerBusinessProblem"].startswith("PC: consolidate")
    assert deal_now["description"].startswith("PC: consolidate")
    # LAST_WRITE_WINS: Partner Central edited the close date after HubSpot...
    assert opportunity["LifeCycle"]["TargetCloseDate"] == day(120).strftime("%Y-%m-%d")
    assert deal_now["closedate"].startswith(day(120).strftime("%Y-%m-%d"))
    # ...and HubSpot edited the stage after Partner Central.
    assert opportunity["LifeCycle"]["Stage"] == "Business Validation"
    # MANUAL: Partner Central keeps its value, HubSpot keeps its own, and an
    # operator has a pending conflict to settle.
    assert opportunity["Project"]["ExpectedCustomerSpend"][0]["Amount"] == "45000"
    assert deal_now["amount"] == "30000"
    (conflict,) = stack.rows("SELECT field_path, status, strategy FROM conflicts")
    assert conflict == {
        "field_path": "Project.ExpectedCustomerSpend",
        "status": "pending",
        "strategy": "MANUAL",
    }
    assert len(stack.pc_calls("UpdateOpportunity", since)) == 1
