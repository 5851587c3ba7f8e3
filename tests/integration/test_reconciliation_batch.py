"""The reconciliation cycle pulls changed opportunities in batches.

Linked pairs are made through the whole stack; then other Partner Central
users change the opportunities (no event reaches pcsync) and one cycle runs
with no worker beside it, so the simulators' call logs hold only its calls:
one `GetOpportunity` per opportunity, the deals, their associations,
companies and contacts read in batches, one batch update, and the same
records the per-deal sync leaves. An opportunity whose lock another worker
holds is not touched by the cycle: its own task pulls it afterwards.
"""

from __future__ import annotations

import json
from datetime import timedelta

from pcsync import runtime
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for
from workers.locks import opportunity_lock_name
from workers.sync.context import Run
from workers.sync.reconciliation import reconcile_cycle

PAIRS = 4
NEW_STAGE = "Business Validation"
NEW_DEAL_STAGE = "decisionmakerboughtin"  # the default mapping of that stage


def set_stage(request: dict) -> None:
    request["LifeCycle"]["Stage"] = NEW_STAGE


def json_of(value):
    return json.loads(value) if isinstance(value, str) else value


def no_work_left(stack) -> bool:
    return stack.hubspot.wait_idle(timeout=10) and not stack.rows(
        "SELECT 1 FROM pending_objects WHERE scheduled"
    )


def first_pull(stack, deal_id: str) -> dict:
    """The deal's first merge audited for a Partner Central change."""
    rows = stack.rows(
        "SELECT outcome, actor, diff FROM audit_entries WHERE object_id = :d"
        " AND action = 'opportunity.sync' AND source = 'partner_central' ORDER BY id",
        d=deal_id,
    )
    return {**rows[0], "diff": json_of(rows[0]["diff"])}


def test_a_cycle_pulls_changed_opportunities_in_batches_and_leaves_locked_ones(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    with stack.worker():
        deals = [
            create_deal(
                stack.hubspot, company_id=company, contact_ids=[contact], dealname=f"Acme {n} #AWS"
            )
            for n in range(PAIRS)
        ]
        opportunities = {deal: stack.wait_linked(deal)["opportunity_id"] for deal in deals}
        wait_for(lambda: no_work_left(stack))
    for opportunity_id in opportunities.values():
        stack.aws_edit(opportunity_id, set_stage)
    *batched, held = deals
    stack.hubspot.clear_calls()
    stack.pc.call_log.clear()

    run = Run(actor="test", task_id=None, source="schedule", priority="background")
    with stack.app.app_context():
        lock = opportunity_lock_name("Sandbox", opportunities[held])
        # Another worker is syncing this pair: the cycle must not write its deal.
        with runtime.locks().try_lock(lock, 30) as locked:
            assert locked
            report = reconcile_cycle(run, timedelta(hours=1))

    assert (report.changed, report.merged, report.queued) == (PAIRS, PAIRS - 1, 1)
    reads = [c["parameters"]["Identifier"] for c in stack.pc_calls("GetOpportunity")]
    assert sorted(reads) == sorted(opportunities[deal] for deal in batched)
    calls = [(c["method"], c["path"]) for c in stack.hubspot.calls()]
    assert sorted(calls) == [
        ("POST", "/crm/v3/objects/companies/batch/read"),
        ("POST", "/crm/v3/objects/contacts/batch/read"),
        ("POST", "/crm/v3/objects/deals/batch/read"),
        ("POST", "/crm/v3/objects/deals/batch/update"),
        ("POST", "/crm/v4/associations/deals/companies/batch/read"),
        ("POST", "/crm/v4/associations/deals/contacts/batch/read"),
    ]
    (update,) = stack.hubspot_calls("POST", "/crm/v3/objects/deals/batch/update")
    assert sorted(entry["id"] for entry in update["json"]["inputs"]) == sorted(batched)
    for deal in batched:
        shown = stack.hubspot.get_object("deals", deal)["properties"]
        assert shown["dealstage"] == NEW_DEAL_STAGE and shown["aws_sync_status"] == "synced"
        link = stack.link(deal)
        assert json_of(link["base_snapshot"])["LifeCycle.Stage"] == NEW_STAGE
        current = stack.aws_read(opportunities[deal])
        assert link["last_modified_date"] == current["LastModifiedDate"].isoformat()
        pulled = first_pull(stack, deal)
        assert (pulled["outcome"], pulled["actor"]) == ("updated", "test")
    assert stack.hubspot.get_object("deals", held)["properties"]["dealstage"] != NEW_DEAL_STAGE

    with stack.worker():
        wait_for(
            lambda: (
                stack.hubspot.get_object("deals", held)["properties"]["dealstage"] == NEW_DEAL_STAGE
            )
        )
        wait_for(lambda: no_work_left(stack))
    # The batch recorded each pull as the per-deal sync recorded the held one.
    by_task = first_pull(stack, held)
    assert (by_task["outcome"], by_task["actor"]) == ("updated", "pcsync.sync_hubspot_object")
    for deal in batched:
        assert first_pull(stack, deal)["diff"]["hubspot"] == by_task["diff"]["hubspot"]
    assert json_of(stack.link(held)["base_snapshot"])["LifeCycle.Stage"] == NEW_STAGE
