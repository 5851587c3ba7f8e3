"""The engagement sync's pure decisions: observation, properties, notes, problems."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from workers.engine.engagement_status import ACTIVE, CANCELLED, NOT_ENGAGED, PENDING, team_hash
from workers.engine.engagements import (
    NOTE_MARKER,
    Observation,
    ProblemKind,
    RefreshProblem,
    carries_note,
    full_pass_due,
    latest_engagement,
    note_body,
    note_reference,
    noted_change,
    observation_of,
    properties_to_write,
)

MODIFIED = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
CREATED = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
SUMMARY = {
    "Id": "O1234567",
    "LastModifiedDate": MODIFIED,
    "LifeCycle": {"Stage": "Qualified", "ReviewStatus": "Approved"},
}
ENGAGEMENT = {
    "Id": "eng-0000000001",
    "CreatedAt": CREATED,
    "ModifiedAt": MODIFIED,
    "MemberCount": 2,
    "_members": [{"CompanyName": "Example Partner Inc."}, {"CompanyName": "AWS"}],
}
KEY = "a" * 64


@dataclass
class Seen:
    """What pcsync last recorded of a link (as EngagementState holds it)."""

    status: str | None = None
    team_hash: str | None = None
    written: dict | None = None


def observation(**changes) -> Observation:
    base = observation_of(SUMMARY, ENGAGEMENT, {}, "", None)
    return replace(base, **changes)


# -- observation_of ------------------------------------------------------------------------


def test_observation_of_an_engaged_opportunity():
    aws = {"LifeCycle": {"Stage": "Qualified"}}
    seen = observation_of(SUMMARY, ENGAGEMENT, aws, "AWS Sales Rep: Ada", "ACCEPTED")
    assert seen.engagement_id == "eng-0000000001"
    assert seen.status == ACTIVE
    assert seen.team == "Members: AWS; Example Partner Inc.\nAWS Sales Rep: Ada"
    assert seen.team_hash == team_hash(seen.team)
    assert seen.member_count == 2
    assert seen.kickoff_date == "2025-05-01"
    assert seen.engagement_modified_at == MODIFIED
    assert seen.opportunity_modified_at == MODIFIED
    assert seen.invitation_status == "ACCEPTED"


def test_observation_of_an_opportunity_without_engagement():
    seen = observation_of(SUMMARY, {}, {}, "", None)
    assert (seen.engagement_id, seen.status, seen.team) == (None, NOT_ENGAGED, "")
    assert (seen.member_count, seen.kickoff_date, seen.engagement_modified_at) == (0, "", None)


def test_observation_reads_aws_stage_and_counts_listed_members_without_member_count():
    engagement = {**ENGAGEMENT, "MemberCount": None, "_members": [{"AccountId": "123456789012"}]}
    aws = {"LifeCycle": {"Stage": "Closed Lost"}}
    seen = observation_of(
        {**SUMMARY, "LifeCycle": {"ReviewStatus": "Submitted"}}, engagement, aws, "", None
    )
    assert seen.member_count == 1
    assert seen.team == "Members: 123456789012"  # a member without company name: its account
    assert seen.status == CANCELLED  # AWS's stage decides


def test_latest_engagement_is_the_most_recently_created():
    older = {"Id": "eng-b", "CreatedAt": CREATED}
    newer = {"Id": "eng-a", "CreatedAt": CREATED + timedelta(days=1)}
    undated = {"Id": "eng-z"}
    assert latest_engagement([older, newer, undated]) == newer
    assert latest_engagement([undated, {"Id": "eng-y"}]) == undated  # the id breaks ties
    assert latest_engagement([]) == {}


# -- properties ---------------------------------------------------------------------------


def test_properties_truncate_the_team_and_clear_the_count_when_not_engaged():
    engaged = observation(team="x" * 10)
    assert engaged.properties(text_limit=4)["aws_engagement_team"] == "xxxx"
    assert engaged.properties(text_limit=4)["aws_engagement_member_count"] == "2"
    none = observation_of(SUMMARY, {}, {}, "", None).properties(text_limit=100)
    assert none == {
        "aws_engagement_id": "",
        "aws_engagement_status": NOT_ENGAGED,
        "aws_engagement_team": "",
        "aws_engagement_member_count": "",
        "aws_engagement_kickoff_date": "",
    }


def test_properties_to_write_are_the_ones_that_differ_from_the_last_written():
    properties = {"aws_engagement_status": "Active", "aws_engagement_id": ""}
    assert properties_to_write(properties, None) == {"aws_engagement_status": "Active"}
    assert properties_to_write(properties, {"aws_engagement_status": "Active"}) == {}
    assert properties_to_write(properties, {"aws_engagement_id": "eng-1"}) == properties


# -- notes --------------------------------------------------------------------------------


def test_first_observation_notes_its_status_but_not_its_team():
    assert noted_change(Seen(), observation()) == ({"status": ""}, {"status": ACTIVE})


def test_first_observation_of_a_link_not_engaged_is_no_change():
    assert noted_change(Seen(), observation_of(SUMMARY, {}, {}, "", None)) is None


def test_a_team_change_is_noted_by_its_hashes():
    seen = Seen(status=ACTIVE, team_hash="old")
    current = observation()
    assert noted_change(seen, current) == ({"team": "old"}, {"team": current.team_hash})
    assert noted_change(Seen(status=ACTIVE, team_hash=current.team_hash), current) is None


def test_note_body_for_a_status_change():
    body = note_body(Seen(status=PENDING), observation(team=""), KEY)
    assert "<strong>AWS engagement status: Active</strong> (was Pending)" in body
    assert "team changed" not in body
    assert "Engagement eng-0000000001, 2 member(s), kickoff 2025-05-01" in body
    assert body.endswith(f"<p>{NOTE_MARKER}{KEY[:20]}</p>")


def test_note_body_for_a_team_change_shows_before_and_after_escaped():
    seen = Seen(status=ACTIVE, team_hash="old", written={"aws_engagement_team": "A & B\nC"})
    body = note_body(seen, observation(team="Members: <D>"), KEY)
    assert "AWS engagement status" not in body
    assert "<p>Before:<br>A &amp; B<br>C</p>" in body
    assert "<p>Team:<br>Members: &lt;D&gt;</p>" in body


def test_note_body_when_the_engagement_ends():
    body = note_body(Seen(status=ACTIVE), observation_of(SUMMARY, {}, {}, "", None), KEY)
    assert "AWS engagement status: not engaged</strong> (was Active)" in body
    assert "Engagement " not in body


def test_a_note_record_carries_its_ledger_reference():
    record = {"properties": {"hs_note_body": f"<p>...</p><p>{note_reference(KEY)}</p>"}}
    assert carries_note(record, KEY)
    assert not carries_note(record, "b" * 64)
    assert not carries_note({"properties": {"hs_note_body": None}}, KEY)
    assert not carries_note({}, KEY)


# -- problems and the full pass ------------------------------------------------------------


def test_refresh_problems_are_typed_with_their_audit_outcome():
    gone = RefreshProblem.gone("O1234567")
    assert gone.kind is ProblemKind.GONE
    assert gone.kind == "opportunity_gone"
    assert "O1234567" in gone.message
    assert RefreshProblem(ProblemKind.FAILED, "denied").kind == "failed"


@pytest.mark.parametrize(
    ("last_full", "due"),
    [
        (None, True),
        (MODIFIED - timedelta(days=1), True),
        (MODIFIED - timedelta(hours=23, minutes=59), False),
        (MODIFIED, False),
    ],
)
def test_full_pass_due_after_its_interval(last_full, due):
    assert full_pass_due(last_full, MODIFIED, timedelta(days=1)) is due
