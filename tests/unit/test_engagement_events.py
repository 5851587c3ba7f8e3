"""What a Partner Central event asks for, through the ingest's one routing
table (ingest/pc_events.py): the engagement refresh and the referral import.
Pure mapping."""

from __future__ import annotations

import pytest

from ingest.pc_events import ROUTES, interpret
from models.schemas import PC_OPPORTUNITY_CHANGES, load_partner_central_events
from workers.dispatch import ENGAGEMENT_KEY
from workers.dispatch import ENGAGEMENT_OPPORTUNITY_KEY as OPPORTUNITY_KEY


def event(detail_type: str, detail: dict, catalog: str = "Sandbox") -> dict:
    """The event as the ingest has validated it."""
    (loaded,) = load_partner_central_events(
        {
            "id": "ev-1",
            "detail-type": detail_type,
            "source": "aws.partnercentral-selling",
            "time": "2025-06-15T12:00:00Z",
            "detail": {"catalog": catalog, **detail},
        }
    )
    return loaded


@pytest.mark.parametrize(
    ("detail_type", "detail", "expected"),
    [
        ("Opportunity Updated", {"opportunity": {"identifier": "O1"}}, (OPPORTUNITY_KEY, "O1")),
        (
            "Engagement Created",
            {"engagement": {"engagementId": "eng-1"}},
            (ENGAGEMENT_KEY, "eng-1"),
        ),
        (
            "Engagement Updated",
            {"engagement": {"engagementId": "eng-2"}},
            (ENGAGEMENT_KEY, "eng-2"),
        ),
        ("Engagement Member Added", {"engagement": {"id": "eng-3"}}, (ENGAGEMENT_KEY, "eng-3")),
        ("Engagement Member Joined", {"engagement": {"id": "eng-4"}}, (ENGAGEMENT_KEY, "eng-4")),
        (
            "Engagement Invitation Accepted",
            {"engagementInvitation": {"id": "engi-1", "engagementId": "eng-5"}},
            (ENGAGEMENT_KEY, "eng-5"),
        ),
        (
            "Engagement Invitation Rejected",
            {"engagementInvitation": {"engagementId": "eng-6"}},
            (ENGAGEMENT_KEY, "eng-6"),
        ),
        (
            "Engagement Invitation Expired",
            {"engagementInvitation": {"engagementId": "eng-7"}},
            (ENGAGEMENT_KEY, "eng-7"),
        ),
        # The referral import handles a new invitation; nothing to refresh yet.
        ("Engagement Invitation Created", {"engagementInvitation": {"engagementId": "e"}}, None),
        ("Opportunity Created", {"opportunity": {"identifier": "O1"}}, None),
        ("Engagement Member Added", {"engagement": {}}, None),
    ],
)
def test_event_keys(detail_type, detail, expected):
    assert interpret(event(detail_type, detail), "Sandbox").refresh == expected


def test_events_of_another_catalog_refresh_nothing():
    other = event("Engagement Member Added", {"engagement": {"id": "eng-1"}}, catalog="AWS")
    assert interpret(other, "Sandbox").refresh is None


def invitation(**members) -> dict:
    return {"engagementInvitation": {"id": "engi-1", "participantType": "RECEIVER", **members}}


@pytest.mark.parametrize(
    ("detail_type", "detail", "expected"),
    [
        ("Engagement Invitation Created", invitation(), ("engi-1", False)),
        ("Engagement Invitation Expired", invitation(), ("engi-1", True)),
        # participantType as the simulator spells it
        (
            "Engagement Invitation Created",
            invitation(participantType="Receiver"),
            ("engi-1", False),
        ),
        # our own submissions' invitations, and other payloads, are not referrals
        ("Engagement Invitation Created", invitation(participantType="SENDER"), None),
        ("Engagement Invitation Created", invitation(payloadType="LeadInvitation"), None),
        ("Engagement Invitation Created", invitation(id=""), None),
        ("Engagement Invitation Accepted", invitation(), None),
        ("Opportunity Created", {"opportunity": {"identifier": "O1"}}, None),
    ],
)
def test_referral_events(detail_type, detail, expected):
    assert interpret(event(detail_type, detail), "Sandbox").invitation == expected


def test_an_expired_referral_both_expires_the_invitation_and_refreshes_its_engagement():
    expired = interpret(
        event("Engagement Invitation Expired", invitation(engagementId="eng-9")), "Sandbox"
    )
    assert expired.invitation == ("engi-1", True)
    assert expired.refresh == (ENGAGEMENT_KEY, "eng-9")
    assert expired.pending_keys() == [(ENGAGEMENT_KEY, "eng-9"), ("invitation", "engi-1")]


def test_an_ignored_event_asks_for_nothing():
    foreign = interpret(
        event("Engagement Invitation Created", invitation(), catalog="AWS"), "Sandbox"
    )
    assert (foreign.touched, foreign.refresh, foreign.invitation) == ((), None, None)
    assert foreign.ignore_reason == "catalog 'AWS' is not ours (Sandbox)"


def test_the_opportunity_changes_the_schema_checks_are_the_routes_that_sync_one():
    assert {kind for kind, route in ROUTES.items() if route.syncs_opportunity} == set(
        PC_OPPORTUNITY_CHANGES
    )
