"""AWS engagement lifecycle on deals, against both simulators.

The Partner Central simulator plays AWS (review, AWS summary, other
partners joining, an invitation expiring) and the partner's own earlier
writes (create, associate, submit: the unmodified boto3 client); pcsync's
engagement cycle runs in-process or in a real worker, and the HubSpot
simulator shows what reached the deal: properties, notes and its call log.
Links are seeded as rows (the deal sync that makes them is tested
elsewhere) and HubSpot webhooks are off, so no other sync touches the deals.
"""

from __future__ import annotations

import copy
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner

from models.links import OpportunityLink
from pcsync import cli, runtime
from tasks.engagements import sync_engagements
from tests.integration.stack import until_accepted, wait_for
from tests.simulators.partner_central.valid_requests import VALID_OPPORTUNITY
from workers.sync.context import Run
from workers.sync.engagements import run_engagement_sync

EVENTS_SECRET = "events-secret-0123456789abcdef"
NOTES = "/crm/v3/objects/notes"
BATCH_UPDATE = "/crm/v3/objects/deals/batch/update"
PARTNER = "Example Partner Inc."  # the simulator's partner account
AWS_TEAM = [
    {
        "Email": "ada.rep@amazon.com",
        "FirstName": "Ada",
        "LastName": "Rep",
        "BusinessTitle": "AWSSalesRep",
    }
]


@pytest.fixture
def stack(stack_with):
    built = stack_with(events_secret=EVENTS_SECRET)
    built.hubspot.set_webhook_url(None)  # only the engagement sync touches these deals
    return built


# -- helpers ------------------------------------------------------------------------------


def pc_write(stack, operation: str, **params) -> dict:
    """A write as another Partner Central user; waits out the 1/s write quota."""
    client = stack.boto()
    return until_accepted(
        lambda: getattr(client, operation)(Catalog="Sandbox", **params),
        (client.exceptions.ThrottlingException,),
    )


def opportunity_request(deal_id: str) -> dict:
    """The simulator tests' valid request, for this deal and closing in 90 days."""
    request = copy.deepcopy(VALID_OPPORTUNITY)
    del request["Catalog"]  # pc_write sends it
    request["ClientToken"] = f"engagement-test-{deal_id}"
    request["PartnerOpportunityIdentifier"] = deal_id
    close = datetime.now(UTC) + timedelta(days=90)
    request["LifeCycle"]["TargetCloseDate"] = close.strftime("%Y-%m-%d")
    return request


def linked_opportunity(stack, name: str = "Acme data platform") -> tuple[str, str]:
    """A deal and its opportunity, linked as the deal sync would have left them."""
    deal_id = stack.hubspot.create_object(
        "deals", {"dealname": name, "pipeline": "default", "dealstage": "qualifiedtobuy"}
    )["id"]
    opportunity_id = pc_write(stack, "create_opportunity", **opportunity_request(deal_id))["Id"]
    with stack.app.app_context(), runtime.database().transaction() as session:
        session.add(
            OpportunityLink(
                hubspot_deal_id=deal_id,
                catalog="Sandbox",
                opportunity_id=opportunity_id,
                client_token=f"test-{deal_id}",
            )
        )
    return deal_id, opportunity_id


def submit(stack, opportunity_id: str) -> str:
    """Submit to AWS as the partner did; returns the engagement id."""
    pc_write(
        stack,
        "associate_opportunity",
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier="S-1234567",
    )
    task = pc_write(
        stack,
        "start_engagement_from_opportunity_task",
        Identifier=opportunity_id,
        ClientToken=f"submit-{opportunity_id}",
        AwsSubmission={"InvolvementType": "Co-Sell"},
    )
    assert task["TaskStatus"] == "COMPLETE"
    return task["EngagementId"]


def cycle(stack, full: bool = False):
    run = Run(actor="test", task_id=None, source="schedule", priority="background")
    with stack.app.app_context():
        report = run_engagement_sync(run, full=full)
    assert report is not None and report.drain is not None and report.drain.remaining == 0
    return report


def deal(stack, deal_id: str) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def notes(stack, deal_id: str) -> list[str]:
    """Bodies of the deal's notes, oldest first."""
    targets = stack.hubspot.associations.targets("deals", deal_id, "notes")
    return [stack.hubspot.get_object("notes", i)["properties"]["hs_note_body"] for i, _ in targets]


def note_creates(stack, since: float) -> list[dict]:
    """Note creations, one by one or in batches."""
    paths = (NOTES, NOTES + "/batch/create")
    return [c for c in stack.hubspot_calls("POST", NOTES, since) if c["path"] in paths]


def hubspot_writes(stack, since: float) -> list[dict]:
    calls = stack.hubspot_calls("POST", BATCH_UPDATE, since) + note_creates(stack, since)
    return calls + stack.hubspot_calls("PATCH", "/crm/v3/objects/deals", since)


def assert_second_run_is_quiet(stack, deal_id: str) -> None:
    before = len(notes(stack, deal_id))
    since = time.time()
    report = cycle(stack)
    assert hubspot_writes(stack, since) == []
    assert report.drain.deals_written == 0 and report.drain.notes_created == 0
    assert len(notes(stack, deal_id)) == before


def invitation_of(stack, engagement_id: str) -> str:
    with stack.pc.lock:
        (invitation,) = [
            i
            for i in stack.pc.catalogs["Sandbox"].invitations.values()
            if i["EngagementId"] == engagement_id and i["ParticipantType"] == "SENDER"
        ]
        return invitation["Id"]


def last_line(result) -> str:
    """The command's summary (log lines may come before it)."""
    return result.output.strip().splitlines()[-1]


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# -- tests -------------------------------------------------------------------------------


def test_each_status_transition_sets_the_properties_and_adds_exactly_one_note(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    since = time.time()
    first = cycle(stack)
    assert first.full  # no watermark yet: the first cycle reads everything
    assert hubspot_writes(stack, since) == []  # not engaged: nothing to show, nothing written
    assert notes(stack, deal_id) == []

    # Submitted: an engagement with the partner alone, an invitation pending.
    engagement_id = submit(stack, opportunity_id)
    report = cycle(stack)
    assert not report.full and report.marked == 1
    shown = deal(stack, deal_id)
    assert shown["aws_engagement_id"] == engagement_id
    assert shown["aws_engagement_status"] == "Pending"
    assert shown["aws_engagement_member_count"] == "1"
    assert shown["aws_engagement_team"] == f"Members: {PARTNER}"
    assert shown["aws_engagement_kickoff_date"] == today()
    assert shown["aws_last_engagement_sync"]
    (note,) = notes(stack, deal_id)
    assert "AWS engagement status: Pending" in note and engagement_id in note
    assert_second_run_is_quiet(stack, deal_id)

    # AWS approves: its invitation is accepted and AWS joins the engagement.
    stack.pc.set_review_status(opportunity_id, review_status="Approved")
    cycle(stack)
    shown = deal(stack, deal_id)
    assert shown["aws_engagement_status"] == "Active"
    assert shown["aws_engagement_member_count"] == "2"
    assert shown["aws_engagement_team"] == f"Members: AWS; {PARTNER}"
    assert len(notes(stack, deal_id)) == 2
    assert "AWS engagement status: Active</strong> (was Pending)" in notes(stack, deal_id)[1]
    assert "team changed" in notes(stack, deal_id)[1]
    assert_second_run_is_quiet(stack, deal_id)

    # AWS names its sales rep on its side only: no timestamp moves, so the
    # incremental cycle cannot see it (the event would); the full pass does.
    stack.pc.set_aws_summary(opportunity_id, OpportunityTeam=AWS_TEAM)
    assert_second_run_is_quiet(stack, deal_id)
    assert cycle(stack, full=True).drain.notes_created == 1
    shown = deal(stack, deal_id)
    assert shown["aws_engagement_status"] == "Active"
    assert shown["aws_engagement_team"] == (
        f"Members: AWS; {PARTNER}\nAWS Sales Rep: Ada Rep <ada.rep@amazon.com>"
    )
    assert "team changed" in notes(stack, deal_id)[2] and "Ada Rep" in notes(stack, deal_id)[2]
    assert_second_run_is_quiet(stack, deal_id)

    # The partner launches: the stage moves LastModifiedDate past the watermark.
    stack.aws_edit(opportunity_id, lambda r: r["LifeCycle"].update(Stage="Launched"))
    cycle(stack)
    assert deal(stack, deal_id)["aws_engagement_status"] == "Completed"
    assert len(notes(stack, deal_id)) == 4
    assert "AWS engagement status: Completed</strong> (was Active)" in notes(stack, deal_id)[3]
    assert_second_run_is_quiet(stack, deal_id)
    outcomes = stack.rows(
        "SELECT outcome FROM audit_entries WHERE action = 'engagement.note' AND object_id = :d",
        d=deal_id,
    )
    assert [r["outcome"] for r in outcomes] == ["created"] * 4


def test_an_expired_invitation_cancels_a_pending_engagement(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    engagement_id = submit(stack, opportunity_id)
    cycle(stack)
    assert deal(stack, deal_id)["aws_engagement_status"] == "Pending"

    # Expiry moves no timestamp: the cycle re-checks pending engagements' invitations.
    stack.pc.expire_invitation(invitation_of(stack, engagement_id))
    since = time.time()
    report = cycle(stack)
    assert report.checked_pending == 1 and report.marked == 1
    assert deal(stack, deal_id)["aws_engagement_status"] == "Cancelled"
    assert len(notes(stack, deal_id)) == 2
    assert "AWS engagement status: Cancelled</strong> (was Pending)" in notes(stack, deal_id)[1]
    checks = stack.pc_calls("ListEngagementInvitations", since)
    assert {tuple(c["parameters"]["EngagementIdentifier"]) for c in checks} == {(engagement_id,)}
    assert_second_run_is_quiet(stack, deal_id)


def test_more_than_ten_members_are_read_page_by_page(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    engagement_id = submit(stack, opportunity_id)
    others = [f"Partner {n:02d} Ltd" for n in range(11)]
    for n, company in enumerate(others):
        stack.pc.add_engagement_member(
            engagement_id=engagement_id, company_name=company, account_id=f"1000000000{n:02d}"
        )
    since = time.time()
    cycle(stack)
    shown = deal(stack, deal_id)
    assert shown["aws_engagement_member_count"] == "12"
    assert shown["aws_engagement_team"] == "Members: " + "; ".join(sorted([*others, PARTNER]))
    pages = stack.pc_calls("ListEngagementMembers", since)
    assert [c["parameters"]["MaxResults"] for c in pages] == [10, 10]
    assert "NextToken" not in pages[0]["parameters"] and pages[1]["parameters"]["NextToken"]


def test_two_overlapping_beat_triggers_do_the_work_once(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    submit(stack, opportunity_id)
    # Every Partner Central answer takes a while, so the first run is still
    # going when the second trigger arrives.
    stack.pc.set_faults(latency_ms=700)
    start = threading.Barrier(2)
    results: list[str] = []

    def trigger() -> None:
        with stack.app.app_context():
            start.wait()
            results.append(sync_engagements.apply().get())

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stack.pc.set_faults()
    assert sorted(results) == ["marked 1, full", "skipped"]
    assert len(notes(stack, deal_id)) == 1
    assert len(stack.hubspot_calls("POST", BATCH_UPDATE)) == 1
    assert len(stack.pc_calls("GetEngagement")) == 1
    cycles = stack.rows(
        "SELECT outcome FROM audit_entries WHERE action = 'engagement.cycle' ORDER BY outcome"
    )
    assert [r["outcome"] for r in cycles] == ["skipped", "written"]


def test_a_member_event_refreshes_the_deal_through_the_ingest_and_a_worker(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    engagement_id = submit(stack, opportunity_id)
    cycle(stack)
    stack.pc.add_engagement_member(
        engagement_id=engagement_id, company_name="Globex Partners", account_id="222233334444"
    )
    (event,) = [
        e
        for e in stack.pc.events("Engagement Member Added")
        if e["detail"]["engagementMember"]["accountId"] == "222233334444"
    ]
    settings = stack.app.extensions["pcsync.settings"]
    with stack.worker():
        response = requests.post(
            f"{settings.public_url}/webhooks/partner-central",
            json=[event, event],  # a duplicate in the same delivery
            headers={"X-PCSync-Events-Secret": EVENTS_SECRET},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["queued"] == 1
        wait_for(lambda: deal(stack, deal_id)["aws_engagement_member_count"] == "2", 60)
        wait_for(lambda: len(notes(stack, deal_id)) == 2, 30)
    shown = deal(stack, deal_id)
    assert shown["aws_engagement_status"] == "Active"  # a second member joined
    assert shown["aws_engagement_team"] == f"Members: {PARTNER}; Globex Partners"
    refreshes = stack.rows(
        "SELECT outcome, source FROM audit_entries WHERE action = 'engagement.refresh'"
        " AND object_id = :d ORDER BY id",
        d=deal_id,
    )
    assert refreshes[-1] == {"outcome": "updated", "source": "partner_central"}


def test_a_note_created_just_before_a_crash_is_found_not_added_again(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    submit(stack, opportunity_id)
    cycle(stack)
    (created,) = stack.rows("SELECT id, note_id, attempted_at FROM engagement_notes")
    assert created["note_id"] and created["attempted_at"]
    # The crash: HubSpot made the note, the worker died before marking it.
    with stack.app.extensions["pcsync.db"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE engagement_notes SET state = 'intended', note_id = NULL WHERE id = :i"),
            {"i": created["id"]},
        )
    since = time.time()
    report = cycle(stack)
    assert report.drain.notes_created == 0
    assert note_creates(stack, since) == []
    assert len(notes(stack, deal_id)) == 1
    (row,) = stack.rows("SELECT state, note_id FROM engagement_notes")
    assert row == {"state": "created", "note_id": created["note_id"]}


def test_cli_runs_one_cycle_and_full_forces_a_full_pass(stack):
    deal_id, opportunity_id = linked_opportunity(stack)
    engagement_id = submit(stack, opportunity_id)
    settings = stack.app.extensions["pcsync.settings"]
    first = CliRunner().invoke(cli.main, ["sync", "engagements"], obj=settings)
    assert first.exit_code == 0, first.output
    assert last_line(first).startswith("full pass: marked 1, refreshed 1, deals written 1")
    assert deal(stack, deal_id)["aws_engagement_id"] == engagement_id
    since = time.time()
    again = CliRunner().invoke(cli.main, ["sync", "engagements"], obj=settings)
    assert last_line(again).startswith("incremental: marked 0, refreshed 0, deals written 0")
    # Nothing changed: one listing of opportunities, one search of engagements,
    # and (the engagement still waits for AWS) its invitations in both directions.
    nothing_changed = [c["operation"] for c in stack.pc.calls() if c["time"] >= since]
    assert sorted(nothing_changed) == [
        "ListEngagementInvitations",
        "ListEngagementInvitations",
        "ListOpportunities",
        "SearchEngagements",
    ]
    forced = CliRunner().invoke(cli.main, ["sync", "engagements", "--full"], obj=settings)
    assert last_line(forced).startswith("full pass: marked 1, refreshed 1, deals written 0")
    assert hubspot_writes(stack, since) == []
    assert len(stack.pc_calls("GetEngagement", since)) == 1  # only the full pass re-read it
