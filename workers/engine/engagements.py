"""What the engagement sync decides, without I/O: the observation of one link,
the deal properties it writes, the notes it reports changes with, and the
problems that leave a link without an observation.

The status, team and kickoff date come from `engagement_status`; the reads
and writes around these decisions are in workers/sync/engagements.
Tested directly (tests/unit/engine/test_engagements.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from .engagement_status import (
    EngagementFacts,
    derive_status,
    kickoff_date,
    team_hash,
    team_text,
)

ENGAGEMENT_PROPERTIES = (
    "aws_engagement_id",
    "aws_engagement_status",
    "aws_engagement_team",
    "aws_engagement_member_count",
    "aws_engagement_kickoff_date",
)
# A note ends with this and the start of its ledger key, so pcsync can find
# a note it may have created before a crash on the deal itself.
NOTE_MARKER = "pcsync ref "
NOTE_REFERENCE_LENGTH = 20
NOT_ENGAGED_TEXT = "not engaged"


@dataclass(frozen=True)
class Observation:
    """One link's engagement as derived from Partner Central."""

    engagement_id: str | None
    status: str
    team: str
    team_hash: str
    member_count: int
    kickoff_date: str
    engagement_modified_at: datetime | None
    opportunity_modified_at: datetime
    invitation_status: str | None

    def properties(self, text_limit: int) -> dict[str, str]:
        """The deal's engagement properties; `text_limit` is HubSpot's for text."""
        engaged = self.engagement_id is not None
        return {
            "aws_engagement_id": self.engagement_id or "",
            "aws_engagement_status": self.status,
            "aws_engagement_team": self.team[:text_limit],
            "aws_engagement_member_count": str(self.member_count) if engaged else "",
            "aws_engagement_kickoff_date": self.kickoff_date,
        }


class SeenEngagement(Protocol):
    """What pcsync last recorded of a link (models.engagements.EngagementState)."""

    status: str | None
    team_hash: str | None
    written: dict | None


class ProblemKind(StrEnum):
    """Why a link has no observation; the value is the audit outcome."""

    GONE = "opportunity_gone"  # Partner Central no longer lists the opportunity to us
    FAILED = "failed"  # a refusal that will repeat (validation, access)


@dataclass(frozen=True)
class RefreshProblem:
    kind: ProblemKind
    message: str

    @classmethod
    def gone(cls, opportunity_id: str) -> RefreshProblem:
        return cls(ProblemKind.GONE, f"{opportunity_id} is not listed by Partner Central")


def latest_engagement(engagements: list[dict]) -> dict:
    """The most recently created engagement ({} for none): the one a deal
    shows. One without `CreatedAt` counts as oldest; the id breaks ties."""

    def created_order(engagement: dict) -> tuple:
        created = engagement.get("CreatedAt")
        return (created is not None, created.timestamp() if created else 0.0, engagement["Id"])

    return max(engagements, key=created_order) if engagements else {}


def observation_of(
    summary: dict,
    engagement: dict,
    aws: dict,
    aws_people: str,
    invitation_status: str | None,
) -> Observation:
    """The observation from the opportunity as listed (`summary`), its
    engagement (GetEngagement, its members under `_members`), AWS's summary
    (`aws`, {} before AWS took the opportunity up) and its people as text,
    and the status of the engagement's latest invitation."""
    lifecycle = summary.get("LifeCycle") or {}
    members = engagement.get("_members") or []
    facts = EngagementFacts(
        engagement_id=engagement.get("Id"),
        engagement_created_at=engagement.get("CreatedAt"),
        member_companies=tuple(m.get("CompanyName") or m.get("AccountId") or "" for m in members),
        member_count=engagement.get("MemberCount") or len(members),
        partner_stage=lifecycle.get("Stage"),
        review_status=lifecycle.get("ReviewStatus"),
        aws_stage=(aws.get("LifeCycle") or {}).get("Stage"),
        invitation_status=invitation_status,
        aws_people=aws_people,
    )
    team = team_text(facts)
    return Observation(
        engagement_id=facts.engagement_id,
        status=derive_status(facts),
        team=team,
        team_hash=team_hash(team),
        member_count=facts.member_count,
        kickoff_date=kickoff_date(facts),
        engagement_modified_at=engagement.get("ModifiedAt"),
        opportunity_modified_at=summary["LastModifiedDate"],
        invitation_status=invitation_status,
    )


def properties_to_write(properties: dict[str, str], written: dict | None) -> dict[str, str]:
    """The properties that differ from what pcsync last wrote. A property
    pcsync never wrote is empty on the deal: writing "" is no change."""
    before = written or {}
    return {name: value for name, value in properties.items() if before.get(name, "") != value}


def noted_change(seen: SeenEngagement, observation: Observation) -> tuple[dict, dict] | None:
    """(before, after) of what a note must report, or None. The first
    observation of a link reports its status (unless "not engaged") but not
    its team, which had no earlier value to change from."""
    before, after = {}, {}
    if (seen.status or "") != observation.status:
        before["status"], after["status"] = seen.status or "", observation.status
    if _team_changed(seen, observation):
        before["team"], after["team"] = seen.team_hash, observation.team_hash
    return (before, after) if after else None


def _team_changed(seen: SeenEngagement, observation: Observation) -> bool:
    return seen.team_hash is not None and seen.team_hash != observation.team_hash


def note_body(seen: SeenEngagement, observation: Observation, note_key: str) -> str:
    """The note as a rep reads it, ending with the ledger reference pcsync
    finds it by after a crash."""
    parts = []
    previous_status = seen.status or ""
    if previous_status != observation.status:
        now = observation.status or NOT_ENGAGED_TEXT
        was = f" (was {html.escape(previous_status)})" if previous_status else ""
        parts.append(f"<p><strong>AWS engagement status: {html.escape(now)}</strong>{was}</p>")
    if _team_changed(seen, observation):
        parts.append("<p><strong>AWS engagement team changed</strong></p>")
        previous_team = (seen.written or {}).get("aws_engagement_team")
        if previous_team:
            parts.append(f"<p>Before:<br>{_lines(previous_team)}</p>")
    if observation.team:
        parts.append(f"<p>Team:<br>{_lines(observation.team)}</p>")
    if observation.engagement_id:
        parts.append(
            f"<p>Engagement {html.escape(observation.engagement_id)}, "
            f"{observation.member_count} member(s)"
            f", kickoff {observation.kickoff_date or 'unknown'}</p>"
        )
    parts.append(f"<p>{note_reference(note_key)}</p>")
    return "".join(parts)


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def note_reference(note_key: str) -> str:
    return NOTE_MARKER + note_key[:NOTE_REFERENCE_LENGTH]


def carries_note(record: dict, note_key: str) -> bool:
    """Whether a HubSpot note record is the one of this ledger key."""
    body = (record.get("properties") or {}).get("hs_note_body") or ""
    return note_reference(note_key) in body


def full_pass_due(last_full: datetime | None, now: datetime, interval: timedelta) -> bool:
    return last_full is None or now - last_full >= interval
