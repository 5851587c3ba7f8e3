"""The derived engagement status: every row of the documented table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.engine.engagement_status import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    NOT_ENGAGED,
    PENDING,
    EngagementFacts,
    derive_status,
    kickoff_date,
    latest_invitation_status,
    team_hash,
    team_text,
    transition_key,
)

ENGAGED = {"engagement_id": "eng-00000000000001", "member_count": 1}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, NOT_ENGAGED),
        ({"partner_stage": "Launched"}, NOT_ENGAGED),  # no engagement: nothing to show
        ({**ENGAGED, "review_status": "Submitted", "invitation_status": "PENDING"}, PENDING),
        ({**ENGAGED, "review_status": "In review"}, PENDING),
        ({**ENGAGED, "review_status": "Action Required"}, PENDING),
        ({"invitation_status": "PENDING"}, PENDING),
        ({**ENGAGED, "invitation_status": "ACCEPTED"}, ACTIVE),
        ({**ENGAGED, "review_status": "Approved"}, ACTIVE),
        ({**ENGAGED, "member_count": 2}, ACTIVE),
        ({**ENGAGED, "review_status": "Approved", "partner_stage": "Launched"}, COMPLETED),
        ({**ENGAGED, "aws_stage": "Completed"}, COMPLETED),
        ({**ENGAGED, "aws_stage": "Launched", "invitation_status": "ACCEPTED"}, COMPLETED),
        ({**ENGAGED, "review_status": "Approved", "partner_stage": "Closed Lost"}, CANCELLED),
        ({**ENGAGED, "aws_stage": "Closed Lost"}, CANCELLED),
        ({**ENGAGED, "aws_stage": "Closed Incomplete"}, CANCELLED),
        ({**ENGAGED, "review_status": "Rejected"}, CANCELLED),
        ({**ENGAGED, "invitation_status": "REJECTED"}, CANCELLED),
        ({**ENGAGED, "invitation_status": "EXPIRED", "member_count": 2}, CANCELLED),
    ],
)
def test_status_table(facts, expected):
    assert derive_status(EngagementFacts(**facts)) == expected


def test_the_latest_invitation_decides():
    older = {"Status": "REJECTED", "InvitationDate": datetime(2025, 6, 1, tzinfo=UTC)}
    newer = {"Status": "PENDING", "InvitationDate": datetime(2025, 6, 9, tzinfo=UTC)}
    assert latest_invitation_status([newer, older]) == "PENDING"
    assert latest_invitation_status([]) is None


def test_team_text_is_stable_and_names_members_and_aws_people():
    facts = EngagementFacts(
        member_companies=("Example Partner Inc.", "AWS", "AWS"),
        aws_people="AWS Sales Rep: Ada Rep <ada@amazon.com>",
    )
    reordered = EngagementFacts(
        member_companies=("AWS", "Example Partner Inc."),
        aws_people="AWS Sales Rep: Ada Rep <ada@amazon.com>",
    )
    assert team_text(facts) == (
        "Members: AWS; Example Partner Inc.\nAWS Sales Rep: Ada Rep <ada@amazon.com>"
    )
    assert team_hash(team_text(facts)) == team_hash(team_text(reordered))
    assert team_text(EngagementFacts()) == ""


def test_kickoff_date_is_the_engagement_creation_day():
    created = datetime(2025, 6, 15, 23, 59, tzinfo=UTC)
    assert kickoff_date(EngagementFacts(engagement_created_at=created)) == "2025-06-15"
    assert kickoff_date(EngagementFacts()) == ""


def test_transition_key_is_deterministic_and_counts_changes():
    before, after = {"status": "Pending"}, {"status": "Active"}
    key = transition_key("101", 3, before, after)
    assert key == transition_key("101", 3, dict(before), dict(after))
    assert key != transition_key("101", 4, before, after)  # the same change, later
    assert key != transition_key("102", 3, before, after)
    assert len(key) == 64
