"""The conflict queue on the whole stack: MANUAL conflicts listed, settled by
the API and by the CLI with each choice (the winner reaches the losing side
through the deal's sync, the base moves, the deal properties flip, one
`conflict.resolve` row), converged conflicts closing themselves, 404/409/400."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pcsync.cli import main
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
PATH = "Project.ExpectedCustomerSpend"
ENGINE_CONFIG = f"""
[fields."{PATH}"]
strategy = "MANUAL"
[contact_fields.Phone]
strategy = "MANUAL"
"""


@pytest.fixture
def manual_stack(stack_with):
    return stack_with(engine_config=ENGINE_CONFIG)


def pc_amount(stack, opportunity_id: str) -> float:
    return float(stack.opportunity(opportunity_id)["Project"]["ExpectedCustomerSpend"][0]["Amount"])


def as_json(value):
    """A JSON column read with plain SQL: text on SQLite, decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def deal_properties(stack, deal_id: str) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def conflicts_of(stack, deal_id: str) -> list[dict]:
    return stack.rows("SELECT * FROM conflicts WHERE hubspot_deal_id = :d ORDER BY id", d=deal_id)


def open_conflicts(stack, count: int) -> list[tuple[str, str]]:
    """`count` linked deals, each with a pending MANUAL conflict on the amount:
    HubSpot says 30000, Partner Central 45000 (both edited between syncs)."""
    sim = stack.hubspot
    with stack.worker():
        company = create_company(sim)
        deals = [
            create_deal(sim, company_id=company, contact_ids=[create_contact(sim)])
            for _ in range(count)
        ]
        pairs = [(deal, stack.wait_linked(deal)["opportunity_id"]) for deal in deals]
        for deal, _ in pairs:
            wait_for(lambda d=deal: stack.audit_outcomes(d, "opportunity.create") == ["created"])
        stack.drain()  # the creates' echoes run before the worker stops
    for deal, opportunity_id in pairs:
        sim.update_object("deals", deal, {"aws_expected_monthly_spend": "30000"})

        def pc_edit(request):
            request["Project"]["ExpectedCustomerSpend"][0]["Amount"] = "45000"

        stack.aws_edit(opportunity_id, pc_edit)
    with stack.worker():
        for deal, _ in pairs:
            wait_for(lambda d=deal: conflicts_of(stack, d), timeout=60)
            wait_for(
                lambda d=deal: deal_properties(stack, d).get("aws_conflict_status") == "pending"
            )
    return pairs


def resolve_by_api(stack, conflict_id: int, body: dict):
    return stack.app.test_client().post(
        f"/api/conflicts/{conflict_id}/resolve", json=body, headers=AUTH
    )


def resolve_by_cli(stack, conflict_id: int, body: dict):
    option = ["--value", body["value"]] if body["choice"] == "value" else ["--take", body["choice"]]
    settings = stack.app.extensions["pcsync.settings"]
    return CliRunner().invoke(
        main, ["conflicts", "resolve", str(conflict_id), *option], obj=settings
    )


CHOICES = [
    ({"choice": "hubspot"}, 30000.0),
    ({"choice": "partner_central"}, 45000.0),
    ({"choice": "value", "value": "55000"}, 55000.0),
]


@pytest.mark.parametrize("channel", ["api", "cli"])
def test_each_choice_settles_both_sides_moves_the_base_and_flips_the_deal(manual_stack, channel):
    stack = manual_stack
    pairs = open_conflicts(stack, len(CHOICES))
    listed = stack.app.test_client().get("/api/conflicts?status=pending", headers=AUTH).get_json()
    assert listed["total"] == len(CHOICES)
    item = listed["items"][0]
    assert item["field"] == PATH and item["strategy"] == "MANUAL" and item["status"] == "pending"
    assert float(item["values"]["hubspot"][0]["Amount"]) == 30000.0
    assert float(item["values"]["partner_central"][0]["Amount"]) == 45000.0

    with stack.worker():
        for (deal, opportunity_id), (body, expected) in zip(pairs, CHOICES, strict=True):
            (conflict,) = conflicts_of(stack, deal)
            if channel == "api":
                answer = resolve_by_api(stack, conflict["id"], body)
                assert answer.status_code == 202, answer.get_json()
            else:
                result = resolve_by_cli(stack, conflict["id"], body)
                assert result.exit_code == 0, result.output
            wait_for(lambda d=deal: conflicts_of(stack, d)[0]["status"] == "resolved")
            wait_for(lambda o=opportunity_id, e=expected: pc_amount(stack, o) == e, timeout=40)
            wait_for(
                lambda d=deal, e=expected: (
                    float(deal_properties(stack, d)["aws_expected_monthly_spend"]) == e
                ),
                timeout=40,
            )
            wait_for(
                lambda d=deal: deal_properties(stack, d)["aws_conflict_status"] == "resolved",
                timeout=40,
            )

    actor_prefix = "operator:" if channel == "api" else "cli:"
    for (deal, _), (body, expected) in zip(pairs, CHOICES, strict=True):
        (conflict,) = conflicts_of(stack, deal)
        assert conflict["resolution"] == body["choice"]
        assert conflict["resolved_by"].startswith(actor_prefix)
        base = as_json(stack.link(deal)["base_snapshot"])
        assert float(base[PATH][0]["Amount"]) == expected
        assert deal_properties(stack, deal)["aws_last_sync_by"].startswith(actor_prefix)
        resolutions = stack.rows(
            "SELECT actor, diff FROM audit_entries WHERE action = 'conflict.resolve'"
            " AND object_id = :d",
            d=deal,
        )
        assert len(resolutions) == 1 and resolutions[0]["actor"].startswith(actor_prefix)
    check_report_against_rows(stack)


def test_refusals_404_409_400(manual_stack):
    stack = manual_stack
    ((deal, _),) = open_conflicts(stack, 1)
    (conflict,) = conflicts_of(stack, deal)
    assert resolve_by_api(stack, 999999, {"choice": "hubspot"}).status_code == 404
    bad_value = resolve_by_api(stack, conflict["id"], {"choice": "value", "value": "lots"})
    assert bad_value.status_code == 400
    assert PATH in bad_value.get_json()["error"]
    assert resolve_by_api(stack, conflict["id"], {"choice": "theirs"}).status_code == 400
    assert conflicts_of(stack, deal)[0]["status"] == "pending"  # nothing changed
    with stack.worker():
        assert resolve_by_api(stack, conflict["id"], {"choice": "hubspot"}).status_code == 202
        wait_for(lambda: conflicts_of(stack, deal)[0]["status"] == "resolved")
    again = resolve_by_api(stack, conflict["id"], {"choice": "partner_central"})
    assert again.status_code == 409
    cli = resolve_by_cli(stack, conflict["id"], {"choice": "partner_central"})
    assert cli.exit_code != 0 and "already resolved" in cli.output


def test_a_conflict_fixed_by_hand_on_both_sides_closes_itself(manual_stack):
    stack = manual_stack
    ((deal, opportunity_id),) = open_conflicts(stack, 1)
    # Someone aligns HubSpot with Partner Central by hand.
    stack.hubspot.update_object("deals", deal, {"aws_expected_monthly_spend": "45000"})
    with stack.worker():
        wait_for(lambda: conflicts_of(stack, deal)[0]["status"] == "resolved", timeout=40)
        wait_for(lambda: deal_properties(stack, deal)["aws_conflict_status"] == "resolved")
    (conflict,) = conflicts_of(stack, deal)
    assert conflict["resolution"] == "converged" and conflict["resolved_by"] == "pcsync"
    assert pc_amount(stack, opportunity_id) == 45000.0
    assert stack.audit_outcomes(deal, "conflict.resolve") == ["converged"]
    # The next change a HubSpot user makes is credited to that user.
    stack.hubspot.update_object(
        "deals", deal, {"aws_expected_monthly_spend": "47000"}, user_id=4242
    )
    with stack.worker():
        wait_for(lambda: pc_amount(stack, opportunity_id) == 47000.0, timeout=40)
        wait_for(
            lambda: deal_properties(stack, deal).get("aws_last_sync_by") == "hubspot-user:4242"
        )


def direct_count(stack, where: str) -> int:
    (row,) = stack.rows(f"SELECT count(*) AS n FROM audit_entries WHERE {where}")
    return row["n"]


def check_report_against_rows(stack) -> None:
    """The compliance report's totals equal counts made straight on the rows."""
    client = stack.app.test_client()
    report = client.get("/api/reports/compliance", headers=AUTH).get_json()
    total = report["total"]
    diff = "CAST(diff AS TEXT)"
    pc = total.get("partner_central_writes", {})
    assert pc.get("opportunity.create|created", 0) == direct_count(
        stack, "action = 'opportunity.create' AND outcome = 'created'"
    )
    assert sum(v for k, v in pc.items() if k.startswith("opportunity.sync|")) == direct_count(
        stack, f"action = 'opportunity.sync' AND {diff} LIKE '%\"partner_central\": [%'"
    )
    assert sum(total.get("hubspot_writes", {}).values()) == direct_count(
        stack, f"{diff} LIKE '%\"hubspot\": {{%'"
    )
    assert total.get("conflicts_opened", {}).get("count", 0) == direct_count(
        stack, "action = 'field.conflict'"
    )
    resolved = total.get("conflicts_resolved", {})
    for choice in ("hubspot", "partner_central", "value"):
        assert resolved.get(choice, 0) == direct_count(
            stack, f"action = 'conflict.resolve' AND {diff} LIKE '%\"choice\": \"{choice}\"%'"
        )
    assert sum(total.get("failures", {}).values()) == direct_count(stack, "outcome = 'failed'")
    assert report["chain"]["ok"] is True
    assert report["conflict_queue"]["still_pending"] == 0
    csv_text = client.get("/api/reports/compliance?format=csv", headers=AUTH).get_data(True)
    assert csv_text.splitlines()[0] == "day,metric,detail,count"


def test_a_contact_member_conflict_is_settled_on_the_contact(manual_stack):
    stack = manual_stack
    sim = stack.hubspot
    with stack.worker():
        contact = create_contact(sim)
        deal = create_deal(sim, company_id=create_company(sim), contact_ids=[contact])
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        stack.drain()
    sim.update_object("contacts", contact, {"phone": "(206) 555-0199"})

    def pc_edit(request):
        request["Customer"]["Contacts"][0]["Phone"] = "+12065550177"

    stack.aws_edit(opportunity_id, pc_edit)
    with stack.worker():
        (conflict,) = wait_for(lambda: conflicts_of(stack, deal), timeout=60)
        assert conflict["field_path"] == f"Customer.Contacts[{contact}].Phone"
        answer = resolve_by_api(stack, conflict["id"], {"choice": "partner_central"})
        assert answer.status_code == 202, answer.get_json()
        wait_for(
            lambda: sim.get_object("contacts", contact)["properties"]["phone"] == "+12065550177",
            timeout=40,
        )
    (record,) = stack.rows(
        "SELECT base FROM customer_records WHERE hubspot_deal_id = :d AND object_id = :c",
        d=deal,
        c=contact,
    )
    assert as_json(record["base"])["Phone"] == "+12065550177"
    contacts = stack.opportunity(opportunity_id)["Customer"]["Contacts"]
    assert contacts[0]["Phone"] == "+12065550177"
