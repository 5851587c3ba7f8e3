"""Which Partner Central events refresh which engagement (pure mapping)."""

from __future__ import annotations

import pytest

from tasks.engagements import ENGAGEMENT_KEY, OPPORTUNITY_KEY, engagement_event_key


def event(detail_type: str, detail: dict, catalog: str = "Sandbox") -> dict:
    return {"detail-type": detail_type, "detail": {"catalog": catalog, **detail}}


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
    assert engagement_event_key(event(detail_type, detail), "Sandbox") == expected


def test_events_of_another_catalog_refresh_nothing():
    other = event("Engagement Member Added", {"engagement": {"id": "eng-1"}}, catalog="AWS")
    assert engagement_event_key(other, "Sandbox") is None
