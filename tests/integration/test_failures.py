"""Permanently failed tasks end to end: Partner Central refuses a deal with a
ValidationException -> no retry, a `failed_tasks` row with the API's message
and field errors, the failure shown on the deal -> the operator fixes the deal
in HubSpot and replays with `pcsync failures replay` -> the replayed task
creates the opportunity. Plus the operator API (failures, budget, links)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from pcsync.cli import main
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import (
    create_company,
    create_contact,
    create_deal,
    future_close_date,
)
from tests.integration.stack import wait_for
from workers.clients.partner_central import WRITE_OPERATIONS

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
ONE_DAY = 24 * 3600


def cli(stack, *args: str):
    """Run the real click command in-process with the stack's settings."""
    settings = stack.app.extensions["pcsync.settings"]
    return CliRunner().invoke(main, list(args), obj=settings, catch_exceptions=False)


def deal_properties(stack, deal_id: str) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def failed_rows(stack) -> list[dict]:
    return stack.rows("SELECT * FROM failed_tasks ORDER BY id")


def as_list(value):
    """JSON columns come back decoded on PostgreSQL and as text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def deal_failing_validation(stack) -> str:
    """A deal closing today, while Partner Central's clock is already in
    tomorrow (its day boundary passed between our check and theirs): our
    engine accepts the date, Partner Central's business rules refuse it."""
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00.000Z")
    stack.pc.advance_clock(ONE_DAY)
    stack.expect_rejection("CreateOpportunity")
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    return create_deal(stack.hubspot, company_id=company, contact_ids=[contact], closedate=today)


def test_validation_failure_is_stored_surfaced_and_replayed_after_the_fix(stack):
    with stack.worker():
        deal = deal_failing_validation(stack)
        (row,) = wait_for(lambda: failed_rows(stack))
        wait_for(lambda: deal_properties(stack, deal).get("aws_sync_status") == "failed")

    # Partner Central answered once; a validation error is never retried.
    (create,) = stack.pc.calls("CreateOpportunity")
    assert create["error_type"] == "ValidationException"
    assert create["reason"] == "BUSINESS_VALIDATION_FAILED"
    assert row["task_name"] == "pcsync.sync_hubspot_object"
    assert as_list(row["args"]) == ["deal", deal]
    assert row["exception_type"] == "PermanentError"
    assert row["retries"] == 0
    assert row["status"] == "failed"
    assert "TargetCloseDate must not be in the past" in row["message"]
    assert as_list(row["field_errors"]) == [
        {
            "field": "LifeCycle.TargetCloseDate",
            "message": "TargetCloseDate must not be in the past.",
            "code": "INVALID_VALUE",
        }
    ]
    shown = deal_properties(stack, deal)
    assert shown["aws_sync_status"] == "failed"
    assert "TargetCloseDate must not be in the past" in shown["aws_sync_error"]
    assert not shown.get("aws_opportunity_id")

    listed = cli(stack, "failures", "list")
    assert listed.exit_code == 0
    assert f"{row['id']} " in listed.stdout
    assert f'["deal","{deal}"]' in listed.stdout
    assert (
        "message: ValidationException: Business validation failed with 1 error(s): "
        "LifeCycle.TargetCloseDate: TargetCloseDate must not be in the past." in listed.stdout
    )
    assert (
        "field LifeCycle.TargetCloseDate (INVALID_VALUE): TargetCloseDate must not be in the past."
        in listed.stdout
    )

    # The operator moves the close date. Webhooks are off so that only the
    # replay can bring the fix to Partner Central.
    stack.hubspot.set_webhook_url(None)
    stack.hubspot.update_object("deals", deal, {"closedate": future_close_date(90)})
    replayed = cli(stack, "failures", "replay", str(row["id"]))
    assert replayed.exit_code == 0, replayed.output
    assert f"replayed {row['id']}: pcsync.sync_hubspot_object queued as" in replayed.stdout

    (after,) = failed_rows(stack)
    assert after["status"] == "replayed"
    assert after["replay_task_id"] and after["replayed_at"] is not None
    with stack.worker():
        opportunity_id = wait_for(lambda: deal_properties(stack, deal).get("aws_opportunity_id"))
    creates = stack.pc.calls("CreateOpportunity")
    assert [c["status"] for c in creates] == [400, 200]
    fixed = deal_properties(stack, deal)
    assert fixed["aws_sync_status"] != "failed"
    assert not fixed.get("aws_sync_error")
    audit = stack.rows(
        "SELECT action, outcome, object_id FROM audit_entries WHERE task_id = :t ORDER BY id",
        t=after["replay_task_id"],
    )
    assert audit[0] == {
        "action": "failure.replayed",
        "outcome": "queued",
        "object_id": str(row["id"]),
    }
    assert {"action": "opportunity.create", "outcome": "created", "object_id": deal} in audit
    link = stack.rows(
        "SELECT opportunity_id FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal
    )
    assert link == [{"opportunity_id": opportunity_id}]

    # Replaying again needs --force; nothing is queued without it.
    again = cli(stack, "failures", "replay", str(row["id"]))
    assert again.exit_code == 1
    assert "already replayed" in again.output
    assert failed_rows(stack)[0]["replay_task_id"] == after["replay_task_id"]
    assert cli(stack, "failures", "list").stdout.strip() == "no failed tasks waiting for replay"
    everything = json.loads(cli(stack, "failures", "list", "--all", "--json").stdout)
    assert [(f["id"], f["status"]) for f in everything] == [(row["id"], "replayed")]


def test_replay_of_an_unknown_failure_is_a_clear_error(stack):
    result = cli(stack, "failures", "replay", "424242")
    assert result.exit_code != 0
    assert "no failed task with id 424242" in result.output
    assert stack.rows("SELECT count(*) AS n FROM audit_entries") == [{"n": 0}]


def test_api_lists_and_replays_failures_and_shows_the_link(stack):
    client = stack.app.test_client()
    with stack.worker():
        deal = deal_failing_validation(stack)
        (row,) = wait_for(lambda: failed_rows(stack))
        wait_for(lambda: deal_properties(stack, deal).get("aws_sync_status") == "failed")

    listed = client.get("/api/failures", headers=AUTH)
    assert listed.status_code == 200
    (failure,) = listed.json
    assert failure["id"] == row["id"]
    assert failure["field_errors"][0]["field"] == "LifeCycle.TargetCloseDate"
    link = client.get(f"/api/links/{deal}", headers=AUTH)
    assert link.status_code == 200
    assert link.json["sync_status"] == "failed"
    assert "TargetCloseDate must not be in the past" in link.json["last_error"]
    assert link.json["opportunity_id"] is None
    assert link.json["pending_conflicts"] == []

    stack.hubspot.set_webhook_url(None)
    stack.hubspot.update_object("deals", deal, {"closedate": future_close_date(90)})
    replay = client.post(f"/api/failures/{row['id']}/replay", headers=AUTH)
    assert replay.status_code == 202
    conflict = client.post(f"/api/failures/{row['id']}/replay", headers=AUTH)
    assert conflict.status_code == 409
    missing = client.post("/api/failures/424242/replay", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json["error"] == "no failed task with id 424242"
    with stack.worker():
        wait_for(lambda: deal_properties(stack, deal).get("aws_opportunity_id"))
    (actor,) = stack.rows("SELECT actor FROM audit_entries WHERE action = 'failure.replayed'")
    assert actor["actor"].startswith("operator:")
    assert TEST_API_TOKEN not in actor["actor"]
    shown = client.get(f"/api/links/{deal}", headers=AUTH).json
    assert shown["sync_status"] != "failed"
    assert shown["opportunity_id"]
    assert shown["last_error"] is None
    assert client.get("/api/failures", headers=AUTH).json == []


def test_budget_shows_pc_writes_spent(stack):
    client = stack.app.test_client()

    def daily_pc_write_remaining() -> int:
        response = client.get("/api/budget", headers=AUTH)
        assert response.status_code == 200
        windows = response.json["groups"]["pc-write"]
        (daily,) = [w for w in windows if w["period_seconds"] == ONE_DAY]
        assert daily["limit"] == 10_000
        return daily["remaining"]

    before = daily_pc_write_remaining()
    company = create_company(stack.hubspot)
    with stack.worker():
        deal = create_deal(stack.hubspot, company_id=company)
        wait_for(lambda: deal_properties(stack, deal).get("aws_opportunity_id"))
    # Every write pcsync sent took one token of the daily window first.
    writes = [c for c in stack.pc.calls() if c["operation"] in WRITE_OPERATIONS]
    assert len(writes) >= 1
    assert daily_pc_write_remaining() == before - len(writes)


def test_operator_api_needs_a_token(stack):
    client = stack.app.test_client()
    for method, path in [
        ("get", "/api/failures"),
        ("post", "/api/failures/1/replay"),
        ("get", "/api/budget"),
        ("get", "/api/links/123"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
        wrong = getattr(client, method)(path, headers={"Authorization": "Bearer wrong-token"})
        assert wrong.status_code == 401, path
    assert stack.rows("SELECT count(*) AS n FROM audit_entries") == [{"n": 0}]
