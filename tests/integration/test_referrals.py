"""AWS referrals end to end: the Partner Central simulator plays AWS sending an
engagement invitation, the poll task turns it into a HubSpot deal, an
operator decides on the deal (HubSpot simulator, signed webhooks, ingest, a
real worker) or through the API, and Partner Central's call log, the HubSpot
deal and the rows written show what happened."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tasks.hubspot_sync import sync_hubspot_object
from tasks.referrals import poll_invitations
from tests.conftest import TEST_API_TOKEN
from tests.integration.stack import wait_for

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
REFERRAL_PROJECT = {
    "Title": "Initech core banking on AWS",
    "BusinessProblem": "Initech's mainframe costs rise every year and block new products.",
    "ExpectedCustomerSpend": [
        {"Amount": "2500", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ],
}


def refer(stack, **project) -> str:
    invitation = stack.pc.create_invitation(
        customer={"CompanyName": "Initech", "Industry": "Financial Services", "CountryCode": "GB"},
        project={**REFERRAL_PROJECT, **project},
    )
    return invitation["Id"]


def poll(stack) -> str:
    """Run the poll here, in the test (no worker running)."""
    with stack.app.app_context():
        return poll_invitations.apply().get()


def poll_in_worker(stack) -> None:
    """Queue the poll to the running worker and wait for it to finish. (Running a
    task eagerly in the test thread while a worker thread runs can lose the
    worker's messages, so with a worker everything goes through the broker.)"""
    done = "SELECT count(*) AS n FROM audit_entries WHERE action = 'invitations.poll'"
    before = stack.rows(done)[0]["n"]
    with stack.app.app_context():
        poll_invitations.delay()
    wait_for(lambda: stack.rows(done)[0]["n"] > before)


def invitation_row(stack, invitation_id) -> dict | None:
    rows = stack.rows("SELECT * FROM invitations WHERE invitation_id = :i", i=invitation_id)
    return rows[0] if rows else None


def deal(stack, deal_id) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def deal_creates(stack) -> list[dict]:
    return [c for c in stack.hubspot.calls(method="POST") if c["path"] == "/crm/v3/objects/deals"]


def transitions(stack, invitation_id) -> list[tuple[str, str]]:
    rows = stack.rows(
        "SELECT action, outcome, task_id FROM audit_entries"
        " WHERE object_type = 'invitation' AND object_id = :i ORDER BY id",
        i=invitation_id,
    )
    return [(r["action"], r["outcome"]) for r in rows]


def test_pending_referral_becomes_one_deal_showing_its_deadline(stack):
    invitation_id = refer(stack)
    assert poll(stack) == "polled"
    assert poll(stack) == "polled"  # the second run finds it known

    (create,) = deal_creates(stack)
    row = invitation_row(stack, invitation_id)
    assert row["state"] == "pending"
    assert row["hubspot_deal_id"]
    properties = deal(stack, row["hubspot_deal_id"])
    assert properties["dealname"] == "Initech core banking on AWS"
    assert "#aws" not in properties["dealname"].lower()
    assert properties["description"] == REFERRAL_PROJECT["BusinessProblem"]
    # AWS's figure is monthly spend: it lands in the monthly property, not the amount.
    assert float(properties["aws_expected_monthly_spend"]) == 2500
    assert properties.get("amount") is None
    assert properties["aws_invitation_id"] == invitation_id
    assert properties["aws_invitation_status"] == "PENDING"
    assert len(stack.pc.calls("GetEngagementInvitation")) == 1
    expires = datetime.fromisoformat(properties["aws_invitation_expires_at"].replace("Z", "+00:00"))
    # The deadline shown is the one AWS set: 15 days after the invitation.
    assert timedelta(days=14, hours=23) < expires - datetime.now(UTC) <= timedelta(days=15)
    assert create["json"]["properties"]["aws_invitation_id"] == invitation_id
    listed = stack.pc.calls("ListEngagementInvitations")
    assert listed[0]["parameters"]["ParticipantType"] == "RECEIVER"
    assert listed[0]["parameters"]["Status"] == ["PENDING"]
    assert listed[0]["parameters"]["PayloadType"] == ["OpportunityInvitation"]
    assert transitions(stack, invitation_id) == [
        ("invitation.received", "pending"),
        ("invitation.deal", "created"),
    ]


def test_a_deal_made_before_a_crash_is_found_not_made_again(stack):
    # HubSpot's search index lags writes: the deal just made is not searchable yet.
    stack.hubspot.set_search_lag(3600)
    invitation_id = refer(stack)
    poll(stack)
    row = invitation_row(stack, invitation_id)
    # As if the worker died after creating the deal, before storing its id.
    with stack.app.extensions["pcsync.db"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE invitations SET hubspot_deal_id = NULL WHERE invitation_id = :i"),
            {"i": invitation_id},
        )
    poll(stack)
    assert len([c for c in deal_creates(stack) if c["status"] < 300]) == 1
    assert invitation_row(stack, invitation_id)["hubspot_deal_id"] == row["hubspot_deal_id"]
    assert transitions(stack, invitation_id)[-1] == ("invitation.deal", "found")
    # HubSpot refused the second deal (aws_invitation_id is unique); the first was
    # read back by that property.
    assert [c["status"] for c in deal_creates(stack)] == [201, 409]
    reads = stack.hubspot_calls("GET", f"/crm/v3/objects/deals/{invitation_id}")
    assert len(reads) == 1


def test_accept_on_the_deal_creates_and_links_the_opportunity(stack):
    stack.pc.set_task_delay(1)  # the acceptance task is IN_PROGRESS at first: polled
    invitation_id = refer(stack)
    with stack.worker():
        poll_in_worker(stack)
        deal_id = invitation_row(stack, invitation_id)["hubspot_deal_id"]
        stack.hubspot.update_object("deals", deal_id, {"aws_invitation_decision": "accept"})
        row = wait_for(
            lambda: (r := invitation_row(stack, invitation_id)) and r["state"] == "accepted" and r,
            timeout=45,
        )
        wait_for(lambda: deal(stack, deal_id).get("aws_opportunity_id"))
    # Linked with an agreeing base: the deal's next sync has nothing to write.
    with stack.app.app_context():
        assert sync_hubspot_object.apply(("deal", deal_id)).get() in ("unchanged", "deferred")

    (start,) = stack.pc.calls("StartEngagementByAcceptingInvitationTask")
    assert start["parameters"]["Identifier"] == invitation_id
    assert start["parameters"]["ClientToken"]
    polled = stack.pc.calls("ListEngagementByAcceptingInvitationTasks")
    assert polled and polled[0]["parameters"]["TaskIdentifier"] == [row["task_id"]]
    opportunity = stack.aws_read(row["opportunity_id"])
    assert opportunity["Project"]["Title"] == REFERRAL_PROJECT["Title"]
    (link,) = stack.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
    assert link["opportunity_id"] == row["opportunity_id"]
    assert link["engagement_id"] == row["engagement_id"]
    base = link["base_snapshot"]
    base = json.loads(base) if isinstance(base, str) else base  # SQLite hands back text
    assert base["Project.Title"] == REFERRAL_PROJECT["Title"]
    properties = deal(stack, deal_id)
    assert properties["aws_opportunity_id"] == row["opportunity_id"]
    assert properties["aws_invitation_status"] == "ACCEPTED"
    assert properties["aws_review_status"] == "Approved"
    assert stack.pc.calls("UpdateOpportunity") == []
    assert ("invitation.accept", "accepting") in transitions(stack, invitation_id)
    assert transitions(stack, invitation_id)[-1] == ("invitation.accept", "accepted")
    task_ids = stack.rows(
        "SELECT task_id FROM audit_entries WHERE object_id = :i AND action = 'invitation.accept'",
        i=invitation_id,
    )
    assert all(r["task_id"] for r in task_ids)


def test_reject_through_the_api_sends_the_reason_and_shows_on_the_deal(stack):
    invitation_id = refer(stack)
    client = stack.app.test_client()
    with stack.worker():
        poll_in_worker(stack)
        response = client.post(
            f"/api/invitations/{invitation_id}/reject",
            json={"reason": "Unable to support"},
            headers=AUTH,
        )
        assert response.status_code == 202, response.json
        row = wait_for(
            lambda: (r := invitation_row(stack, invitation_id)) and r["state"] == "rejected" and r
        )
    (call,) = stack.pc.calls("RejectEngagementInvitation")
    assert call["parameters"]["Identifier"] == invitation_id
    assert call["parameters"]["RejectionReason"] == "Unable to support"
    assert deal(stack, row["hubspot_deal_id"])["aws_invitation_status"] == "REJECTED"
    assert stack.pc.calls("StartEngagementByAcceptingInvitationTask") == []
    assert transitions(stack, invitation_id)[-3:] == [
        ("invitation.decision", "requested"),
        ("invitation.reject", "rejecting"),
        ("invitation.reject", "rejected"),
    ]
    # Decided: a second decision is refused.
    again = client.post(f"/api/invitations/{invitation_id}/accept", headers=AUTH)
    assert again.status_code == 409


def test_expired_invitations_are_shown_expired(stack):
    expired_by_aws = refer(stack, Title="Expired by AWS")
    past_deadline = refer(stack, Title="Past its deadline")
    poll(stack)
    stack.pc.expire_invitation(expired_by_aws)
    # Our clock passing the deadline is enough, without asking AWS.
    with stack.app.extensions["pcsync.db"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE invitations SET expires_at = :t WHERE invitation_id = :i"),
            {"t": datetime.now(UTC) - timedelta(minutes=1), "i": past_deadline},
        )
    poll(stack)
    for invitation_id in (expired_by_aws, past_deadline):
        row = invitation_row(stack, invitation_id)
        assert row["state"] == "expired"
        assert deal(stack, row["hubspot_deal_id"])["aws_invitation_status"] == "EXPIRED"
    reasons = {
        invitation_id: stack.rows(
            "SELECT message FROM audit_entries WHERE object_id = :i AND outcome = 'expired'",
            i=invitation_id,
        )
        for invitation_id in (expired_by_aws, past_deadline)
    }
    assert reasons[expired_by_aws] == [
        {"message": "Partner Central reports the invitation EXPIRED"}
    ]
    assert reasons[past_deadline] == [{"message": "the 15-day deadline passed"}]
    # The deadline alone needs no call: only the invitation AWS dropped was read.
    reads = [c["parameters"]["Identifier"] for c in stack.pc.calls("GetEngagementInvitation")]
    assert reads.count(past_deadline) == 1 and reads.count(expired_by_aws) == 2
    response = stack.app.test_client().post(
        f"/api/invitations/{past_deadline}/accept", headers=AUTH
    )
    assert response.status_code == 409


def test_nothing_is_accepted_without_a_decision_by_default(stack):
    invitation_id = refer(stack)
    with stack.worker():
        poll_in_worker(stack)
        deal_id = invitation_row(stack, invitation_id)["hubspot_deal_id"]
        # The deal's creation event is synced: a referral deal waits for a decision.
        wait_for(
            lambda: stack.rows(
                "SELECT 1 FROM audit_entries WHERE object_id = :d"
                " AND outcome = 'awaiting_referral_decision'",
                d=deal_id,
            )
        )
    assert stack.pc.calls("StartEngagementByAcceptingInvitationTask") == []
    assert stack.pc.calls("CreateOpportunity") == []
    assert invitation_row(stack, invitation_id)["state"] == "pending"


@pytest.fixture
def auto_accept_stack(stack_with):
    return stack_with(auto_accept_referrals=True)


def test_auto_accept_when_configured(auto_accept_stack):
    stack = auto_accept_stack
    invitation_id = refer(stack)
    with stack.worker():
        poll_in_worker(stack)
        row = wait_for(
            lambda: (r := invitation_row(stack, invitation_id)) and r["state"] == "accepted" and r
        )
    assert len(stack.pc.calls("StartEngagementByAcceptingInvitationTask")) == 1
    assert deal(stack, row["hubspot_deal_id"])["aws_opportunity_id"] == row["opportunity_id"]
    actors = stack.rows(
        "SELECT actor FROM audit_entries WHERE object_id = :i AND outcome = 'accepting'",
        i=invitation_id,
    )
    assert actors == [{"actor": "auto-accept"}]


def test_api_lists_deadlines_and_refuses_bad_requests(stack):
    invitation_id = refer(stack)
    poll(stack)
    client = stack.app.test_client()
    assert client.get("/api/invitations").status_code == 401
    assert client.post(f"/api/invitations/{invitation_id}/accept").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-0123456789"}
    assert client.get("/api/invitations", headers=wrong).status_code == 401

    listed = client.get("/api/invitations", headers=AUTH)
    assert listed.status_code == 200
    (item,) = listed.json
    assert item["invitation_id"] == invitation_id
    assert item["state"] == "pending" and item["decidable"] is True
    assert item["title"] == REFERRAL_PROJECT["Title"]
    assert 14 * 86400 < item["seconds_left"] <= 15 * 86400
    assert item["expires_at"]

    bad_reason = client.post(
        f"/api/invitations/{invitation_id}/reject", json={"reason": "Too busy"}, headers=AUTH
    )
    assert bad_reason.status_code == 400
    assert "reason" in bad_reason.json["errors"]["json"]
    no_reason = client.post(f"/api/invitations/{invitation_id}/reject", json={}, headers=AUTH)
    assert no_reason.status_code == 400
    unknown = client.post("/api/invitations/ei-0000000000000/accept", headers=AUTH)
    assert unknown.status_code == 404
    assert client.get("/api/invitations?state=nonsense", headers=AUTH).status_code == 400
    # Nothing was queued or sent by the refused requests.
    assert invitation_row(stack, invitation_id)["state"] == "pending"
    assert stack.pc.calls("RejectEngagementInvitation") == []


EVENTS_SECRET = "events-secret-0123456789abcdef"


@pytest.fixture
def events_stack(stack_with):
    return stack_with(events_secret=EVENTS_SECRET)


def deliver(stack, detail_type: str) -> dict:
    """POST the simulator's own EventBridge event to the ingest, as an API destination would."""
    (event,) = stack.pc.events(detail_type)
    response = stack.app.test_client().post(
        "/webhooks/partner-central",
        json=event,
        headers={"X-PCSync-Events-Secret": EVENTS_SECRET},
    )
    assert response.status_code == 200, response.json
    return response.json


def test_invitation_events_import_and_expire_without_waiting_for_the_poll(events_stack):
    stack = events_stack
    invitation_id = refer(stack)
    with stack.worker():
        assert deliver(stack, "Engagement Invitation Created")["queued"] == 1
        row = wait_for(
            lambda: (r := invitation_row(stack, invitation_id)) and r["hubspot_deal_id"] and r
        )
        assert deal(stack, row["hubspot_deal_id"])["aws_invitation_status"] == "PENDING"
        stack.pc.expire_invitation(invitation_id)
        deliver(stack, "Engagement Invitation Expired")
        wait_for(lambda: invitation_row(stack, invitation_id)["state"] == "expired")
        wait_for(lambda: deal(stack, row["hubspot_deal_id"])["aws_invitation_status"] == "EXPIRED")
    assert stack.pc.calls("ListEngagementInvitations") == []  # no poll ran
    assert len(deal_creates(stack)) == 1
