"""Each console page on real data from the stack, and the actions taken from
the pages: the outcome is asserted where it lands (Partner Central, the
audit trail, the rows), not on the page alone."""

from __future__ import annotations

import re
import time

import pytest

from ingest.api import operator_actor_for
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import (
    create_company,
    create_contact,
    create_deal,
    future_close_date,
)
from tests.integration.stack import wait_for
from tests.integration.test_failures import deal_failing_validation, failed_rows
from tests.integration.test_referrals import REFERRAL_PROJECT, invitation_row, poll, refer
from tests.integration.test_strategies import strategy_stack  # noqa: F401 - fixture
from workers.clients.partner_central import WRITE_OPERATIONS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

OPERATOR = operator_actor_for(TEST_API_TOKEN)


def linked_deal(stack) -> tuple[str, str]:
    """A tagged deal synced to a new opportunity, its echo settled."""
    sim = stack.hubspot
    with stack.worker():
        company = create_company(sim)
        deal = create_deal(sim, company_id=company, contact_ids=[create_contact(sim)])
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        time.sleep(1.5)  # let the create's echo run before the worker stops
    return deal, opportunity_id


def operator_audit(stack, action: str) -> list[dict]:
    return stack.rows(
        "SELECT action, outcome, actor, source, object_id FROM audit_entries"
        " WHERE action = :a ORDER BY id",
        a=action,
    )


def successful_writes(stack) -> int:
    return sum(len(stack.pc_calls(operation)) for operation in WRITE_OPERATIONS)


def test_overview_search_and_opportunity_pages(console, stack):
    deal, opportunity_id = linked_deal(stack)
    console.sign_in()
    page = console.page
    tiles = page.locator(".tiles li").all_inner_texts()
    assert "1\nlinked deals" in tiles
    assert "0\npending conflicts" in tiles
    writes = successful_writes(stack)
    assert writes >= 1
    quota = page.locator("dl.pairs").nth(1).inner_text()
    assert f"Writes in the last 24 hours\n{writes} of 10,000" in quota
    # The chart: 24 hourly bars, this hour's holding every write so far.
    assert page.locator("svg rect.bar").count() == 24
    latest = page.locator("svg rect.bar").last.locator("title").text_content()
    assert latest.endswith(f": {writes} writes")
    assert "1/s = 3,600/h" in page.locator("svg").text_content()
    console.check("overview")

    page.get_by_role("link", name="Opportunities").click()
    page.get_by_label("Deal id, opportunity id or company").fill("acme analytics")
    page.get_by_role("button", name="Search").click()
    assert page.url == console.url(f"/console/opportunities/{deal}")
    assert page.get_by_role("heading", level=1).inner_text() == "Acme data platform migration"
    fields = page.locator("table.sides").inner_text()
    assert "Company\tAcme Analytics\tAcme Analytics" in fields
    assert opportunity_id in page.locator("dl.pairs").inner_text()
    assert "opportunity.create created" in page.locator(".timeline").inner_text()
    console.check("opportunity")

    with stack.worker():
        page.get_by_role("button", name="Sync now").click()
        assert page.get_by_role("status").inner_text() == f"sync of deal {deal} queued"
        wait_for(lambda: len(stack.audit_outcomes(deal)) >= 1)
    assert operator_audit(stack, "deal.sync_requested") == [
        {
            "action": "deal.sync_requested",
            "outcome": "queued",
            "actor": OPERATOR,
            "source": "operator",
            "object_id": deal,
        }
    ]
    assert stack.audit_outcomes(deal)[-1] == "unchanged"

    console.visit("/console/opportunities?q=no+such+company")
    assert page.get_by_text("Nothing matches").is_visible()
    console.check("search")


def test_resolving_a_conflict_changes_partner_central(console_for, strategy_stack):  # noqa: F811
    stack = strategy_stack
    deal, opportunity_id = linked_deal(stack)
    # Both sides change the expected monthly spend (MANUAL in this configuration).
    stack.hubspot.update_object("deals", deal, {"aws_expected_monthly_spend": "2500"})
    time.sleep(0.05)

    def partner_central_edit(request):
        request["Project"]["ExpectedCustomerSpend"][0]["Amount"] = "45000"

    stack.aws_edit(opportunity_id, partner_central_edit)
    with stack.worker():
        wait_for(lambda: stack.rows("SELECT id FROM conflicts"), timeout=40)
        time.sleep(1)

    console = console_for(stack)
    console.sign_in()
    console.visit("/console/conflicts")
    page = console.page
    card = page.locator("section.card")
    assert card.get_by_role("heading").inner_text().startswith("Project.ExpectedCustomerSpend")
    cells = card.locator("table.sides tbody td").all_inner_texts()
    assert [cell.split(",")[0] for cell in cells] == [
        "Amount 1000",
        "Amount 2500",
        "Amount 45000",
    ]
    console.check("conflicts")

    card.get_by_label("HubSpot's").check()
    with stack.worker():
        card.get_by_role("button", name="Resolve").click()
        assert page.get_by_role("status").inner_text() == (
            "Project.ExpectedCustomerSpend: hubspot wins; a sync is queued"
        )
        wait_for(
            lambda: (
                stack.opportunity(opportunity_id)["Project"]["ExpectedCustomerSpend"][0]["Amount"]
                == "2500"
            ),
            timeout=40,
        )
    assert stack.rows("SELECT status, resolution FROM conflicts") == [
        {"status": "resolved", "resolution": "hubspot"}
    ]
    (resolved,) = operator_audit(stack, "conflict.resolve")
    assert resolved["actor"] == OPERATOR and resolved["object_id"] == deal
    properties = stack.hubspot.get_object("deals", deal)["properties"]
    assert properties["aws_expected_monthly_spend"] == "2500"
    console.visit("/console/conflicts")
    assert page.get_by_text("No pending conflicts.").is_visible()


def test_replaying_a_failure_from_the_page(console, stack):
    with stack.worker():
        deal = deal_failing_validation(stack)
        (row,) = wait_for(lambda: failed_rows(stack))
    console.sign_in()
    console.visit("/console/failures")
    page = console.page
    card = page.locator("section.card")
    assert "TargetCloseDate must not be in the past" in card.locator(".api-message").inner_text()
    assert card.locator(".field-errors").inner_text() == (
        "LifeCycle.TargetCloseDate TargetCloseDate must not be in the past. (INVALID_VALUE)"
    )
    console.check("failures")

    # The operator fixes the deal (webhooks off: only the replay brings it over).
    stack.hubspot.set_webhook_url(None)
    stack.hubspot.update_object("deals", deal, {"closedate": future_close_date(90)})
    card.get_by_role("button", name="Replay").click()
    assert page.get_by_role("status").inner_text() == f"replayed {row['id']}"
    (after,) = failed_rows(stack)
    assert after["status"] == "replayed"
    (replayed,) = operator_audit(stack, "failure.replayed")
    assert replayed["actor"] == OPERATOR
    with stack.worker():
        wait_for(lambda: (link := stack.link(deal)) and link["opportunity_id"])
    console.visit("/console/failures")
    assert page.get_by_text("No failed tasks waiting for replay.").is_visible()


def referral_on_the_page(console, stack):
    """A referral imported from Partner Central, shown on the referrals page."""
    invitation_id = refer(stack)
    poll(stack)
    console.sign_in()
    console.visit("/console/referrals")
    return invitation_id, console.page, console.page.locator("section.card")


def test_accepting_a_referral_from_the_page(console, stack):
    invitation_id, page, card = referral_on_the_page(console, stack)
    assert card.get_by_role("heading").inner_text() == REFERRAL_PROJECT["Title"]
    assert re.fullmatch(r"1[45] d \d+ h left", card.locator(".countdown").inner_text())
    assert card.get_by_label("Rejection reason").locator("option").all_inner_texts()[1:] == [
        "Customer problem unclear",
        "Next steps unclear",
        "Unable to support",
        "Duplicate of partner referral",
        "Other",
    ]
    console.check("referrals")

    with stack.worker():
        card.get_by_role("button", name="Accept").click()
        assert page.get_by_role("status").inner_text() == f"accept of {invitation_id} queued"
        row = wait_for(
            lambda: (r := invitation_row(stack, invitation_id)) and r["state"] == "accepted" and r,
            timeout=45,
        )
    assert row["opportunity_id"]
    (start,) = stack.pc.calls("StartEngagementByAcceptingInvitationTask")
    assert start["parameters"]["Identifier"] == invitation_id
    requested = stack.rows(
        "SELECT actor, diff FROM audit_entries WHERE action = 'invitation.decision'"
    )
    assert [r["actor"] for r in requested] == [OPERATOR]


def test_rejecting_a_referral_needs_a_documented_reason(console, stack):
    invitation_id, page, card = referral_on_the_page(console, stack)
    reject = card.get_by_role("button", name="Reject")
    reject.click()  # no reason chosen: the browser keeps the form (required)
    assert page.url == console.url("/console/referrals")
    assert stack.pc.calls("RejectEngagementInvitation") == []

    card.get_by_label("Rejection reason").select_option("Unable to support")
    with stack.worker():
        reject.click()
        assert page.get_by_role("status").inner_text() == f"reject of {invitation_id} queued"
        wait_for(lambda: invitation_row(stack, invitation_id)["state"] == "rejected")
    (call,) = stack.pc.calls("RejectEngagementInvitation")
    assert call["parameters"]["RejectionReason"] == "Unable to support"
    console.visit("/console/referrals")
    assert card.locator("dl.pairs").inner_text().startswith("State\nrejected")
    assert card.get_by_role("button", name="Accept").count() == 0
