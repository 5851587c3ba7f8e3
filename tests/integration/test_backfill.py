"""`pcsync backfill` against the whole stack: a dry run that reads both sides,
prints the plan with field-level changes and writes nothing; a real run that
adopts an opportunity already naming a deal (no second create) and queues
background syncs that create opportunities for tagged deals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from click.testing import CliRunner

from pcsync.cli import main
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import (
    console_opportunity_request,
    create_company,
    create_contact,
    create_deal,
)
from tests.integration.stack import until_accepted, wait_for
from workers.clients.partner_central import WRITE_OPERATIONS

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
TABLES = ("opportunity_links", "audit_entries", "pending_objects", "failed_tasks", "conflicts")


def cli(stack, *args: str):
    settings = stack.app.extensions["pcsync.settings"]
    return CliRunner().invoke(main, list(args), obj=settings, catch_exceptions=False)


def deal_properties(stack, deal_id: str) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def link_of(stack, deal_id: str) -> dict | None:
    rows = stack.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
    return rows[0] if rows else None


def row_counts(stack) -> dict[str, int]:
    return {t: stack.rows(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


def queued_messages(stack) -> int:
    settings = stack.app.extensions["pcsync.settings"]
    client = redis.Redis.from_url(settings.celery_broker_url)
    try:
        return client.llen("celery")
    finally:
        client.close()


def hubspot_writes(stack) -> list[dict]:
    """Calls that change HubSpot (search and batch read are POSTs that only read)."""
    return [
        call
        for call in stack.hubspot.calls()
        if call["method"] in ("PATCH", "PUT", "DELETE")
        or (call["method"] == "POST" and not call["path"].endswith(("/search", "/batch/read")))
    ]


def console_opportunity(stack, deal_id: str) -> str:
    """An opportunity a partner entered in the Partner Central console before
    pcsync ran, carrying the HubSpot deal id as its partner identifier."""
    close = (datetime.now(UTC) + timedelta(days=45)).strftime("%Y-%m-%d")
    boto = stack.boto()
    # The simulator allows one write a second, as AWS does.
    return until_accepted(
        lambda: _create_console_opportunity(boto, deal_id, close),
        (boto.exceptions.ThrottlingException,),
    )


def _create_console_opportunity(boto, deal_id: str, close: str) -> str:
    created = boto.create_opportunity(
        **console_opportunity_request(
            f"console-entry-{deal_id}", close, PartnerOpportunityIdentifier=deal_id
        )
    )
    return created["Id"]


def test_dry_run_prints_the_plan_and_changes_nothing(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    with stack.worker():
        linked = create_deal(stack.hubspot, company_id=company, contact_ids=[contact])
        linked_opportunity = wait_for(
            lambda: deal_properties(stack, linked).get("aws_opportunity_id")
        )
        wait_for(lambda: link_of(stack, linked)["sync_status"] != "creating")
    # From here on HubSpot changes reach pcsync only through the backfill.
    stack.hubspot.set_webhook_url(None)
    stack.hubspot.update_object("deals", linked, {"amount": "25000"})
    tagged = create_deal(stack.hubspot, company_id=company, dealname="Initech lakehouse #AWS")
    named = create_deal(stack.hubspot, dealname="Globex route optimisation #AWS")
    untagged = create_deal(stack.hubspot, dealname="Initech renewal")
    adoptable = console_opportunity(stack, named)

    before_rows, before_queue = row_counts(stack), queued_messages(stack)
    pc_calls_before = len(stack.pc.calls())
    stack.hubspot.clear_calls()
    result = cli(stack, "backfill", "--dry-run")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"opportunity {adoptable} (deal {named})  would adopt" in out
    assert f"    hubspot deal.aws_opportunity_id: -> '{adoptable}'" in out
    assert f"opportunity {linked_opportunity} (deal {linked})  skip: already linked" in out
    assert f"deal {linked} -> {linked_opportunity}  would sync: linked" in out
    # Monthly AWS spend: the deal amount over 12 months.
    assert "    partner_central Project.ExpectedCustomerSpend: [{'Amount': '1000'" in out
    assert "-> [{'Amount': '2083.33'" in out
    assert f"deal {tagged}  would create: tagged, not linked" in out
    assert "    partner_central Project.Title: 'Initech lakehouse'" in out
    assert "    partner_central Customer.Account.CompanyName: 'Acme Analytics'" in out
    assert f"deal {named}  skip: an existing opportunity will be adopted" in out
    assert f"deal {untagged}" not in out
    assert out.strip().splitlines()[-1] == (
        "dry run, nothing changed. deals: 1 create, 1 skip, 1 sync; opportunities: 1 adopt, 1 skip"
    )

    new_pc_calls = stack.pc.calls()[pc_calls_before:]
    assert new_pc_calls, "the dry run reads Partner Central"
    assert {c["operation"] for c in new_pc_calls} <= {"ListOpportunities", "GetOpportunity"}
    assert not [c for c in new_pc_calls if c["operation"] in WRITE_OPERATIONS]
    assert [c for c in stack.hubspot.calls() if c["path"].endswith("/search")]
    assert hubspot_writes(stack) == []
    assert row_counts(stack) == before_rows
    assert queued_messages(stack) == before_queue
    assert link_of(stack, named) is None
    assert not deal_properties(stack, named).get("aws_opportunity_id")


def test_backfill_adopts_existing_opportunities_and_creates_for_tagged_deals(stack):
    client = stack.app.test_client()
    stack.hubspot.set_webhook_url(None)  # deals that existed before pcsync
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    tagged = create_deal(stack.hubspot, company_id=company, contact_ids=[contact])
    opted_in = create_deal(
        stack.hubspot, company_id=company, dealname="Acme archive", aws_sync_enabled="true"
    )
    named = create_deal(stack.hubspot, dealname="Globex route optimisation #AWS")
    create_deal(stack.hubspot, dealname="Initech renewal")
    adopted = console_opportunity(stack, named)
    budget_before = pc_write_daily_remaining(client)

    result = cli(stack, "backfill")

    assert result.exit_code == 0, result.output
    assert f"opportunity {adopted} (deal {named})  adopt" in result.stdout
    assert f"deal {tagged}  create: tagged, not linked" in result.stdout
    assert f"deal {opted_in}  create: tagged, not linked" in result.stdout
    assert f"deal {named} -> {adopted}  sync: linked" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == (
        "deals: 2 create, 1 sync; opportunities: 1 adopt"
    )
    link = link_of(stack, named)
    assert link["opportunity_id"] == adopted
    assert link["sync_status"] == "adopted"
    assert deal_properties(stack, named)["aws_opportunity_id"] == adopted
    actions = stack.rows("SELECT action, outcome, object_id FROM audit_entries ORDER BY id")
    assert {"action": "opportunity.adopt", "outcome": "adopted", "object_id": named} in actions
    assert actions[-1]["action"] == "backfill.run"

    with stack.worker():
        for deal in (tagged, opted_in):
            wait_for(lambda deal=deal: deal_properties(stack, deal).get("aws_opportunity_id"))
        wait_for(
            lambda: stack.rows(
                "SELECT 1 FROM audit_entries WHERE action = 'opportunity.sync' AND object_id = :d",
                d=named,
            )
        )
    # (The console's own create may make pcsync's first one meet the 1/s
    # quota: that one is throttled and retried, so count the accepted ones.)
    creates = [c for c in stack.pc.calls("CreateOpportunity") if c["status"] == 200]
    identifiers = sorted(c["parameters"]["PartnerOpportunityIdentifier"] for c in creates)
    # One create per tagged deal, and only the console's own for the adopted one.
    assert identifiers == sorted([tagged, opted_in, named])
    assert [
        c["parameters"]["ClientToken"]
        for c in creates
        if c["parameters"]["PartnerOpportunityIdentifier"] == named
    ] == [f"console-entry-{named}"]
    adopted_now = stack.aws_read(adopted)
    assert adopted_now["PartnerOpportunityIdentifier"] == named
    assert pc_write_daily_remaining(client) < budget_before

    # A second run finds everything linked: nothing to adopt, nothing to create.
    again = cli(stack, "backfill", "--dry-run")
    assert again.stdout.strip().splitlines()[-1] == (
        "dry run, nothing changed. deals: 3 sync; opportunities: 3 skip"
    )


def pc_write_daily_remaining(client) -> int:
    windows = client.get("/api/budget", headers=AUTH).json["groups"]["pc-write"]
    return windows[-1]["remaining"]
