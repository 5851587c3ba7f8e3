"""The Partner Central event envelope, what an event means for pcsync, and
how an AWS summary reads on the deal. Pure code: no app, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from ingest.pc_events import interpret, outcome_of
from models.schemas import MAX_EVENTS_PER_REQUEST, load_partner_central_events
from workers.sync.aws_summary import summary_properties, team_text


def envelope(**overrides) -> dict:
    """An event as EventBridge delivers it (shape of the simulator's and AWS's)."""
    event = {
        "version": "0",
        "id": "7f9c2a56-1f3e-4b8e-9d7c-0a1b2c3d4e5f",
        "detail-type": "Opportunity Updated",
        "source": "aws.partnercentral-selling",
        "account": "123456789012",
        "time": "2025-06-15T12:00:00Z",
        "region": "us-east-1",
        "resources": [
            "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/O1"
        ],
        "detail": {
            "schemaVersion": "1",
            "catalog": "Sandbox",
            "opportunity": {"identifier": "O1234567"},
        },
    }
    event.update(overrides)
    return event


def errors_of(payload) -> dict | list | str:
    with pytest.raises(ValidationError) as caught:
        load_partner_central_events(payload)
    return caught.value.messages


def test_a_single_event_object_loads_as_a_list_of_one():
    (event,) = load_partner_central_events(envelope())
    assert event["id"] == "7f9c2a56-1f3e-4b8e-9d7c-0a1b2c3d4e5f"
    assert event["detail_type"] == "Opportunity Updated"
    assert event["time"] == datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    assert event["detail"]["opportunity"] == {"identifier": "O1234567"}


def test_an_array_of_events_loads_and_unknown_envelope_fields_are_dropped():
    events = load_partner_central_events(
        [envelope(), envelope(id="second", **{"replay-name": "nightly"})]
    )
    assert [e["id"] for e in events] == ["7f9c2a56-1f3e-4b8e-9d7c-0a1b2c3d4e5f", "second"]
    assert "replay-name" not in events[1]


def test_time_with_milliseconds_is_accepted():
    (event,) = load_partner_central_events(envelope(time="2025-06-15T12:00:00.123Z"))
    assert event["time"].microsecond == 123000


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("just text", "body must be an event object or an array of events"),
        ([], "body must contain at least one event"),
        ([envelope()] * (MAX_EVENTS_PER_REQUEST + 1), "at most 100 events per request"),
    ],
)
def test_wrong_body_shapes_are_refused(payload, expected):
    assert errors_of(payload) == [expected]


def test_every_missing_envelope_member_is_reported_at_once():
    messages = errors_of({"version": "0"})
    assert set(messages[0]) == {"id", "detail-type", "source", "time", "detail"}


def test_a_time_without_zone_is_refused():
    assert errors_of(envelope(time="2025-06-15T12:00:00"))[0] == {
        "time": ["Not a valid aware datetime."]
    }


@pytest.mark.parametrize(
    "detail",
    [
        {"catalog": "Sandbox"},
        {"catalog": "Sandbox", "opportunity": {}},
        {"catalog": "Sandbox", "opportunity": {"identifier": "12345"}},
        {"catalog": "Sandbox", "opportunity": "O1234567"},
        {"opportunity": {"identifier": "O1234567"}},
    ],
)
def test_an_opportunity_event_needs_an_opportunity_id_and_a_catalog(detail):
    messages = errors_of(envelope(detail=detail))
    assert "detail" in messages[0]


def test_other_detail_types_need_no_opportunity():
    (event,) = load_partner_central_events(
        envelope(**{"detail-type": "Engagement Invitation Created"}, detail={"catalog": "Sandbox"})
    )
    assert event["detail_type"] == "Engagement Invitation Created"


def test_an_overlong_id_is_refused():
    assert "id" in errors_of(envelope(id="x" * 65))[0]


# -- what an event means ----------------------------------------------------------------


def meaning(**overrides):
    (event,) = load_partner_central_events(envelope(**overrides))
    return interpret(event, "Sandbox")


def test_opportunity_updated_in_our_catalog_touches_the_opportunity():
    result = meaning()
    assert result.touched == (("opportunity", "O1234567"),)
    assert result.ignore_reason is None and outcome_of(result) == "queued"


def test_opportunity_created_touches_the_opportunity_too():
    assert meaning(**{"detail-type": "Opportunity Created"}).touched == (
        ("opportunity", "O1234567"),
    )


def test_an_event_of_another_catalog_is_ignored_with_the_reason():
    result = meaning(detail={"catalog": "AWS", "opportunity": {"identifier": "O1"}})
    assert result.touched == ()
    assert result.ignore_reason == "catalog 'AWS' is not ours (Sandbox)"
    assert outcome_of(result) == "ignored"


def test_an_unknown_detail_type_and_a_foreign_source_are_ignored():
    unknown = meaning(**{"detail-type": "Opportunity Teleported"})
    assert unknown.ignore_reason == (
        "detail-type 'Opportunity Teleported' is not a Partner Central Selling event"
    )
    foreign = meaning(source="aws.s3")
    assert foreign.ignore_reason == "source 'aws.s3' is not Partner Central"


def test_a_known_event_nothing_acts_on_is_recorded_not_ignored():
    result = meaning(
        **{"detail-type": "Engagement Member Added"},
        detail={"catalog": "Sandbox", "engagement": {"id": "eng-1"}},
    )
    assert result.touched == () and result.ignore_reason is None
    assert outcome_of(result) == "recorded"


# -- the AWS summary on the deal ----------------------------------------------------------


def test_summary_properties_read_insights_involvement_and_team():
    summary = {
        "InvolvementType": "Co-Sell",
        "Insights": {"EngagementScore": "High", "NextBestActions": "Book a workshop"},
        "OpportunityTeam": [
            {
                "Email": "sam.pdm@amazon.com",
                "FirstName": "Sam",
                "LastName": "Pdm",
                "BusinessTitle": "PDM",
            },
            {
                "Email": "ada.rep@amazon.com",
                "FirstName": "Ada",
                "LastName": "Rep",
                "BusinessTitle": "AWSSalesRep",
            },
        ],
    }
    assert summary_properties(summary) == {
        "aws_involvement_type": "Co-Sell",
        "aws_engagement_score": "High",
        "aws_next_best_actions": "Book a workshop",
        "aws_team": "AWS Sales Rep: Ada Rep <ada.rep@amazon.com>\n"
        "Partner Development Manager: Sam Pdm <sam.pdm@amazon.com>",
    }


def test_an_empty_summary_clears_every_property():
    assert summary_properties({}) == {
        "aws_involvement_type": "",
        "aws_engagement_score": "",
        "aws_next_best_actions": "",
        "aws_team": "",
    }


def test_team_order_from_aws_does_not_change_the_text_and_gaps_are_readable():
    one = {"Email": "a@amazon.com", "BusinessTitle": "PSM"}
    two = {"FirstName": "Bo", "BusinessTitle": "SomethingNew"}
    assert team_text([one, two]) == team_text([two, one])
    assert team_text([one, two]) == "Partner Solutions Manager: a@amazon.com\nSomethingNew: Bo"
