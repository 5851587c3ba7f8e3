"""Changes Partner Central cannot take in the current review status are
deferred, not dropped, and applied once the status allows them."""

from __future__ import annotations

import json
import time

from tasks.hubspot_sync import sync_hubspot_object
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for


def deferred(stack, deal) -> dict:
    value = stack.link(deal)["deferred_fields"]
    return json.loads(value) if isinstance(value, str) else value


def resync(stack, deal, outcomes_before: int) -> list[str]:
    """Queue a sync as an event or the reconciliation would, and wait for it."""
    with stack.app.app_context():
        sync_hubspot_object.delay("deal", deal)
    return wait_for(
        lambda: len(o := stack.audit_outcomes(deal)) > outcomes_before and o, timeout=30
    )


def test_submitted_defers_everything_then_action_required_and_approved_release_in_turn(stack):
    sim = stack.hubspot
    with stack.worker():
        deal = create_deal(sim, company_id=create_company(sim), contact_ids=[create_contact(sim)])
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        stack.drain()
        stack.pc.set_review_status(opportunity_id, review_status="Submitted")
        before = stack.opportunity(opportunity_id)
        since = time.time()

        sim.update_object(
            "deals",
            deal,
            {
                "description": "Acme must move 40 TB of analytics data before its lease ends.",
                "hs_next_step": "Book the architecture review",
            },
        )
        wait_for(lambda: stack.audit_outcomes(deal)[-1:] == ["deferred"], timeout=30)
        assert stack.pc_calls("UpdateOpportunity", since, succeeded=False) == []
        assert stack.opportunity(opportunity_id)["Project"] == before["Project"]
        assert set(deferred(stack, deal)) == {
            "Project.CustomerBusinessProblem",
            "LifeCycle.NextSteps",
        }
        assert sim.get_object("deals", deal)["properties"]["aws_sync_status"] == "deferred"

        # AWS asks for changes: only the business problem may change now.
        stack.pc.set_review_status(
            opportunity_id, review_status="Action Required", review_comments="Clarify scope"
        )
        outcomes = resync(stack, deal, len(stack.audit_outcomes(deal)))
        assert outcomes[-1] == "updated"
        now = stack.opportunity(opportunity_id)
        assert now["Project"]["CustomerBusinessProblem"].startswith("Acme must move 40 TB")
        assert now["LifeCycle"].get("NextSteps") == before["LifeCycle"].get("NextSteps")
        assert set(deferred(stack, deal)) == {"LifeCycle.NextSteps"}
        deal_props = sim.get_object("deals", deal)["properties"]
        assert deal_props["aws_review_status"] == "Action Required"
        assert deal_props["aws_review_comments"] == "Clarify scope"

        # Approved: next steps are editable again and the deferred change lands.
        stack.pc.set_review_status(opportunity_id, review_status="Approved")
        outcomes = resync(stack, deal, len(outcomes))
        assert outcomes[-1] == "updated"
        assert stack.opportunity(opportunity_id)["LifeCycle"]["NextSteps"] == (
            "Book the architecture review"
        )
        assert deferred(stack, deal) == {}
    rejected = [
        c for c in stack.pc_calls("UpdateOpportunity", since, succeeded=False) if c["status"] == 400
    ]
    assert rejected == []  # pcsync never sent an update the review status forbids
