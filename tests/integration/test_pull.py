"""Partner Central -> HubSpot pull, end to end.

The events endpoint against real PostgreSQL/SQLite and a real Redis broker
(rows and queued messages asserted); then the whole stack: the Partner
Central simulator plays AWS (review, AWS summary, a partner user's edit) and
POSTs its EventBridge events to our ingest over HTTP, a real worker pulls,
and the HubSpot simulator shows what reached the deal. Reconciliation runs
without events and is judged by the deals, the watermark and HubSpot's call
log.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ingest import create_app
from pcsync import cli
from tests.integration.factories import (
    console_opportunity_request,
    create_company,
    create_contact,
    create_deal,
)
from tests.integration.helpers import route_events_to_ingest, webhook_answer
from tests.integration.stack import wait_for
from workers.engine.times import iso_ms
from workers.sync.reconciliation import WATERMARK_KEY

EVENTS_SECRET = "events-secret-0123456789abcdef"
HEADERS = {"Content-Type": "application/json", "X-PCSync-Events-Secret": EVENTS_SECRET}
HUBSPOT_WRITES = ("PATCH", "POST /crm/v3/objects/deals/batch/update")

AWS_TEAM = [
    {
        "Email": "ada.rep@amazon.com",
        "FirstName": "Ada",
        "LastName": "Rep",
        "BusinessTitle": "AWSSalesRep",
    },
    {
        "Email": "sam.pdm@amazon.com",
        "FirstName": "Sam",
        "LastName": "Pdm",
        "BusinessTitle": "PDM",
    },
]
AWS_TEAM_TEXT = (
    "AWS Sales Rep: Ada Rep <ada.rep@amazon.com>\n"
    "Partner Development Manager: Sam Pdm <sam.pdm@amazon.com>"
)


def pc_event(opportunity_id="O1234567", catalog="Sandbox", **overrides) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Opportunity Updated",
        "source": "aws.partnercentral-selling",
        "account": "123456789012",
        "time": "2025-06-15T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "schemaVersion": "1",
            "catalog": catalog,
            "opportunity": {"identifier": opportunity_id},
        },
        **overrides,
    }


# -- the events endpoint ------------------------------------------------------------------


@pytest.fixture
def app(make_settings, database_url, redis_url):
    return create_app(
        make_settings(
            database_url=database_url, celery_broker_url=redis_url, events_secret=EVENTS_SECRET
        )
    )


def queued_tasks(broker) -> list[tuple[str, list]]:
    """(task name, args) of each message waiting in the Redis broker."""
    messages = [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


def rows(app, sql: str) -> list[dict]:
    with app.extensions["pcsync.db"].engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.text(sql))]


def post(client, payload, headers=HEADERS, body=None):
    data = body if body is not None else json.dumps(payload).encode()
    return client.post("/webhooks/partner-central", data=data, headers=headers)


def test_opportunity_updated_is_recorded_and_queues_one_opportunity_task(app, client, broker):
    event = pc_event("O2000001")
    response = post(client, event)
    assert response.status_code == 200
    # Two queued: the opportunity's sync and its engagement refresh.
    assert response.json == webhook_answer(received=1, recorded=1, queued=2)
    (row,) = rows(app, "SELECT * FROM inbox_events")
    assert row["source"] == "partner_central" and row["dedup_key"] == event["id"]
    assert row["event_type"] == "Opportunity Updated" and row["outcome"] == "queued"
    assert (row["object_type"], row["object_id"]) == ("opportunity", "O2000001")
    assert row["occurred_at_ms"] == 1_749_988_800_000
    pending = "SELECT object_type, object_id, scheduled FROM pending_objects ORDER BY object_type"
    assert rows(app, pending) == [
        {"object_type": "engagement_opp", "object_id": "O2000001", "scheduled": True},
        {"object_type": "opportunity", "object_id": "O2000001", "scheduled": True},
    ]
    assert sorted(queued_tasks(broker)) == [
        ("pcsync.refresh_engagement", ["engagement_opp", "O2000001"]),
        ("pcsync.sync_hubspot_object", ["opportunity", "O2000001"]),
    ]


def test_wrong_or_missing_secret_gives_401_and_writes_nothing(app, client, broker):
    wrong = post(client, pc_event(), headers={**HEADERS, "X-PCSync-Events-Secret": "guess"})
    missing = post(client, pc_event(), headers={"Content-Type": "application/json"})
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert "X-PCSync-Events-Secret" in wrong.json["error"]
    assert rows(app, "SELECT * FROM inbox_events") == []
    assert rows(app, "SELECT * FROM pending_objects") == []
    assert queued_tasks(broker) == []


def test_malformed_json_and_invalid_envelopes_give_400_and_write_nothing(app, client, broker):
    bad_json = post(client, None, body=b'{"id": "1",')
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json["error"]
    no_id = pc_event()
    del no_id["id"]
    invalid = post(client, [pc_event(), no_id])
    assert invalid.status_code == 400
    assert invalid.json["fields"] == {"1": {"id": ["Missing data for required field."]}}
    bad_reference = post(client, pc_event(opportunity_id="not-an-id"))
    assert bad_reference.status_code == 400 and "detail" in bad_reference.json["fields"]["0"]
    assert rows(app, "SELECT * FROM inbox_events") == []
    assert queued_tasks(broker) == []


def test_a_redelivered_event_is_recorded_once_and_queued_once(app, client, broker):
    event = pc_event("O2000002")
    first = post(client, event)
    again = post(client, [event, event])
    assert first.json["recorded"] == 1 and first.json["queued"] == 2
    assert again.status_code == 200
    assert again.json == webhook_answer(received=2, duplicates=2)
    assert len(rows(app, "SELECT * FROM inbox_events")) == 1
    assert len(queued_tasks(broker)) == 2


def test_events_of_another_catalog_or_unknown_type_are_acknowledged_and_ignored(
    app, client, broker
):
    foreign = pc_event("O2000003", catalog="AWS")
    unknown = pc_event(**{"detail-type": "Opportunity Teleported"})
    member = pc_event(
        **{"detail-type": "Engagement Member Added"},
        detail={"catalog": "Sandbox", "engagement": {"id": "eng-1"}},
    )
    response = post(client, [foreign, unknown, member])
    assert response.status_code == 200
    assert response.json["recorded"] == 3 and response.json["ignored"] == 2
    assert response.json["queued"] == 1  # the member event refreshes its engagement
    recorded = {
        r["dedup_key"]: r
        for r in rows(app, "SELECT dedup_key, outcome, ignore_reason FROM inbox_events")
    }
    assert recorded[foreign["id"]]["outcome"] == "ignored"
    assert recorded[foreign["id"]]["ignore_reason"] == "catalog 'AWS' is not ours (Sandbox)"
    assert "is not a Partner Central Selling event" in recorded[unknown["id"]]["ignore_reason"]
    assert recorded[member["id"]]["outcome"] == "recorded"
    assert rows(app, "SELECT object_type, object_id FROM pending_objects") == [
        {"object_type": "engagement", "object_id": "eng-1"}
    ]
    assert queued_tasks(broker) == [("pcsync.refresh_engagement", ["engagement", "eng-1"])]


def test_missing_secret_configuration_gives_503(make_settings, database_url, redis_url):
    app = create_app(
        make_settings(database_url=database_url, celery_broker_url=redis_url, events_secret=None)
    )
    response = post(app.test_client(), pc_event())
    assert response.status_code == 503 and "PCSYNC_EVENTS_SECRET" in response.json["error"]
    assert rows(app, "SELECT * FROM inbox_events") == []


def test_broker_down_gives_503_and_leaves_the_event_pending(make_settings, database_url):
    """Published after the commit: the event is kept and its objects stay
    pending for the sweeper (tasks/pending.py)."""
    app = create_app(
        make_settings(
            database_url=database_url,
            celery_broker_url="redis://127.0.0.1:1/0",
            events_secret=EVENTS_SECRET,
        )
    )
    started = time.monotonic()
    response = post(app.test_client(), pc_event())
    assert response.status_code == 503 and "broker" in response.json["error"]
    assert time.monotonic() - started < 5
    assert len(rows(app, "SELECT * FROM inbox_events")) == 1
    pending = rows(app, "SELECT * FROM pending_objects")
    assert pending and all(row["scheduled"] in (True, 1) for row in pending)


# -- the whole stack -----------------------------------------------------------------------


@pytest.fixture
def stack(stack_with):
    return stack_with(events_secret=EVENTS_SECRET)


def set_stage(stage: str):
    return lambda request: request["LifeCycle"].__setitem__("Stage", stage)


def deal_properties(stack, deal_id: str) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def deal_shows(stack, deal_id: str, **expected):
    def check():
        props = deal_properties(stack, deal_id)
        return props if all(props.get(k) == v for k, v in expected.items()) else None

    return wait_for(check)


def linked_deal(stack, company: str, contact: str, **deal) -> tuple[str, str]:
    deal_id = create_deal(stack.hubspot, company_id=company, contact_ids=[contact], **deal)
    link = wait_for(
        lambda: (
            (
                found := stack.rows(
                    "SELECT opportunity_id FROM opportunity_links WHERE hubspot_deal_id = :d",
                    d=deal_id,
                )
            )
            and found[0]["opportunity_id"]
        )
    )
    deal_shows(stack, deal_id, aws_opportunity_id=link)
    return deal_id, link


def quiet(stack) -> None:
    """Wait until the echoes of pcsync's own writes have been handled."""
    stack.drain()


def hubspot_writes(stack) -> list[dict]:
    return [
        call
        for call in stack.hubspot.calls()
        if call["method"] == "PATCH"
        or (call["method"] == "POST" and call["path"].endswith("/batch/update"))
    ]


def test_partner_central_changes_reach_the_deal_through_events(stack):
    route_events_to_ingest(stack)
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    with stack.worker():
        deal, opportunity = linked_deal(stack, company, contact)

        # A partner user moves the stage in Partner Central; the engine config
        # pulls LifeCycle.Stage (both ways, last write wins).
        stack.aws_edit(opportunity, set_stage("Technical Validation"))
        deal_shows(stack, deal, dealstage="presentationscheduled")
        quiet(stack)
        # Never submitted: AWS keeps no summary for it, so none was asked for.
        assert stack.pc.calls("GetAwsOpportunitySummary") == []
        assert {"outcome": "summary_not_available"} in [
            {"outcome": r["outcome"]}
            for r in stack.rows(
                "SELECT outcome FROM audit_entries WHERE action = 'opportunity.pull'"
            )
        ]

        # AWS reviews: Action Required with comments.
        stack.pc.set_review_status(
            opportunity,
            review_status="Action Required",
            review_comments="Please add the customer's website and expected spend.",
        )
        deal_shows(
            stack,
            deal,
            aws_review_status="Action Required",
            aws_review_comments="Please add the customer's website and expected spend.",
        )

        # AWS fills its side of the opportunity.
        stack.pc.set_aws_summary(
            opportunity,
            InvolvementType="Co-Sell",
            Insights={"EngagementScore": "High", "NextBestActions": "Book an architecture review"},
            OpportunityTeam=AWS_TEAM,
        )
        props = deal_shows(stack, deal, aws_engagement_score="High")
        quiet(stack)

    assert props["aws_involvement_type"] == "Co-Sell"
    assert props["aws_next_best_actions"] == "Book an architecture review"
    assert props["aws_team"] == AWS_TEAM_TEXT
    # The events arrived over HTTP with the secret and were recorded once each.
    delivered = stack.pc.emitter.delivered
    assert delivered and {d["status"] for d in delivered} == {200}
    published = {
        e["id"]
        for e in stack.pc.events()
        if e["detail"].get("opportunity", {}).get("identifier") == opportunity
    }
    inbox = stack.rows(
        "SELECT dedup_key, outcome FROM inbox_events WHERE source = 'partner_central'"
        " AND object_id = :o",
        o=opportunity,
    )
    assert {r["dedup_key"] for r in inbox} == published and len(inbox) == len(published)
    assert {r["outcome"] for r in inbox} == {"queued"}
    pulls = stack.rows(
        "SELECT outcome, source FROM audit_entries WHERE action = 'opportunity.pull'"
        " AND opportunity_id = :o",
        o=opportunity,
    )
    assert {"outcome": "summary_updated", "source": "partner_central"} in pulls
    # Pulling wrote nothing back to Partner Central: the only update is the user's.
    assert len(successful(stack.pc.calls("UpdateOpportunity"))) == 1


def test_reconciliation_pulls_changes_made_without_events_and_then_stays_quiet(stack):
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    from tasks.reconcile import reconcile_opportunities

    with stack.worker():
        deal_a, opportunity_a = linked_deal(stack, company, contact)
        deal_b, opportunity_b = linked_deal(stack, company, contact, dealname="Acme ML #AWS")
        quiet(stack)
        # No event target: these changes are only visible to reconciliation.
        stack.pc.set_aws_summary(
            opportunity_a,
            InvolvementType="Co-Sell",
            Insights={"EngagementScore": "Medium", "NextBestActions": "Share a case study"},
            OpportunityTeam=AWS_TEAM,
        )
        stack.pc.set_review_status(
            opportunity_a, review_status="Action Required", review_comments="Add the website."
        )
        stack.aws_edit(opportunity_b, set_stage("Business Validation"))
        stack.hubspot.clear_calls()

        reconcile_opportunities.delay()
        deal_shows(
            stack,
            deal_a,
            aws_review_status="Action Required",
            aws_review_comments="Add the website.",
            aws_engagement_score="Medium",
            aws_team=AWS_TEAM_TEXT,
        )
        deal_shows(stack, deal_b, dealstage="decisionmakerboughtin")
        quiet(stack)
        first_cycle_writes = hubspot_writes(stack)

        stack.hubspot.clear_calls()
        reconcile_opportunities.delay()
        cycles = wait_for(
            lambda: (
                (
                    found := stack.rows(
                        "SELECT outcome, diff FROM audit_entries"
                        " WHERE action = 'opportunity.reconcile' ORDER BY id"
                    )
                )
                and len(found) == 2
                and found
            )
        )
        quiet(stack)
        second_cycle_writes = hubspot_writes(stack)

    # The summary and the field merge of both deals went out in one batch update.
    (batch,) = [c for c in first_cycle_writes if c["path"].endswith("/batch/update")]
    entries = {entry["id"]: entry["properties"] for entry in batch["json"]["inputs"]}
    assert entries[deal_a]["aws_engagement_score"] == "Medium"
    assert entries[deal_a]["aws_involvement_type"] == "Co-Sell"
    assert entries[deal_b]["dealstage"] == "decisionmakerboughtin"
    assert [c for c in first_cycle_writes if c["method"] == "PATCH"] == []

    first, second = (json_of(c["diff"]) for c in cycles)
    assert [c["outcome"] for c in cycles] == ["pulled", "nothing_changed"]
    assert first["changed"] == 2 and first["merged"] == 2 and first["queued"] == 0
    assert first["summaries_written"] == 1
    latest = max(stack.aws_read(o)["LastModifiedDate"] for o in (opportunity_a, opportunity_b))
    (watermark,) = stack.rows("SELECT value FROM sync_state WHERE key = :k", k=WATERMARK_KEY)
    assert watermark["value"] == iso_ms(latest) == first["watermark_after"]
    assert watermark["value"].endswith("Z") and len(watermark["value"]) == 24
    # AWS's filter is on-or-after: the newest one is listed again, and skipped.
    assert second["listed"] >= 1 and second["changed"] == 0 and second["queued"] == 0
    assert second["watermark_after"] == watermark["value"]
    assert second_cycle_writes == []
    lists = stack.pc.calls("ListOpportunities")
    assert lists[-1]["parameters"]["LastModifiedDate"]["AfterLastModifiedDate"].startswith(
        watermark["value"][:-1]
    )
    assert lists[-1]["parameters"]["Sort"] == {
        "SortBy": "LastModifiedDate",
        "SortOrder": "ASCENDING",
    }
    # Nothing pulled was pushed back: the one update is the user's stage edit.
    assert len(successful(stack.pc.calls("UpdateOpportunity"))) == 1
    # One summary read per pull (the cycle's; its queued merge reads none), and
    # none for opportunity_b, which was never submitted.
    summaries = stack.pc.calls("GetAwsOpportunitySummary")
    assert [c["parameters"]["RelatedOpportunityIdentifier"] for c in summaries] == [opportunity_a]


def test_cli_runs_one_reconciliation_cycle(stack):
    settings = stack.app.extensions["pcsync.settings"]
    close = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    stack.boto().create_opportunity(
        **console_opportunity_request("cli-test-1", close, Origin="Partner Referral")
    )
    result = CliRunner().invoke(
        cli.main, ["sync", "reconcile", "--lookback-hours", "1"], obj=settings
    )
    assert result.exit_code == 0, result.output
    assert "listed 1, linked 0, changed 0" in result.output and "queued 0" in result.output
    (cycle,) = stack.rows(
        "SELECT actor, source FROM audit_entries WHERE action = 'opportunity.reconcile'"
    )
    assert cycle == {"actor": "cli:sync reconcile", "source": "operator"}
    assert stack.rows("SELECT value FROM sync_state WHERE key = :k", k=WATERMARK_KEY)


def successful(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["status"] == 200]


def json_of(value):
    return json.loads(value) if isinstance(value, str) else value
