"""The AWS engagement status shown on a deal, derived from what the API exposes.

Partner Central has no engagement status: an engagement is only an id,
dates and a member count, and a member only a company name, website and
account id (https://docs.aws.amazon.com/partner-central/latest/developer-guide/).
What a sales rep calls "AWS is engaged" is
spread over the partner opportunity (`LifeCycle.Stage`,
`LifeCycle.ReviewStatus`), AWS's side of it (`GetAwsOpportunitySummary`
`LifeCycle.Stage`), the engagement's invitations (`Status`) and its members.
`derive_status` turns those into one value; the first row that matches wins:

| # | facts (any of them)                                                    | status    |
|---|------------------------------------------------------------------------|-----------|
| 1 | no engagement associated with the opportunity and no invitation        | (empty)   |
| 2 | partner stage `Launched`; AWS stage `Launched` or `Completed`          | Completed |
| 3 | partner stage `Closed Lost`; AWS stage `Closed Lost` or                | Cancelled |
|   | `Closed Incomplete`; review status `Rejected`; the latest invitation   |           |
|   | `REJECTED` or `EXPIRED`                                                |           |
| 4 | the latest invitation `ACCEPTED`; review status `Approved`; a second   | Active    |
|   | member joined the engagement (member count of 2 or more)               |           |
| 5 | anything else with an engagement or invitation: invitation `PENDING`,  | Pending   |
|   | review `Submitted` / `In review` / `Action Required`, us alone          |           |

The team ("with whom") is the engagement's member companies and the AWS
people of the AWS summary; the kickoff date ("since when") is the
engagement's `CreatedAt`, the only start date the API has.

Pure code: no I/O, tested directly (tests/unit/engine/test_engagement_status.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

PENDING, ACTIVE, COMPLETED, CANCELLED = "Pending", "Active", "Completed", "Cancelled"
NOT_ENGAGED = ""
STATUSES = (PENDING, ACTIVE, COMPLETED, CANCELLED)

COMPLETED_PARTNER_STAGES = frozenset({"Launched"})
COMPLETED_AWS_STAGES = frozenset({"Launched", "Completed"})
CANCELLED_PARTNER_STAGES = frozenset({"Closed Lost"})
CANCELLED_AWS_STAGES = frozenset({"Closed Lost", "Closed Incomplete"})
CANCELLED_INVITATIONS = frozenset({"REJECTED", "EXPIRED"})
CANCELLED_REVIEWS = frozenset({"Rejected"})
ACTIVE_REVIEWS = frozenset({"Approved"})


@dataclass(frozen=True)
class EngagementFacts:
    """What Partner Central says about one opportunity's engagement."""

    engagement_id: str | None = None
    engagement_created_at: datetime | None = None
    member_companies: tuple[str, ...] = ()
    member_count: int = 0
    partner_stage: str | None = None
    review_status: str | None = None
    aws_stage: str | None = None
    # The status of the engagement's most recent invitation (either direction).
    invitation_status: str | None = None
    # The AWS people of the AWS summary, one line each (aws_summary.team_text).
    aws_people: str = ""


def derive_status(facts: EngagementFacts) -> str:
    """The status table above, as code."""
    if facts.engagement_id is None and facts.invitation_status is None:
        return NOT_ENGAGED
    if facts.partner_stage in COMPLETED_PARTNER_STAGES or facts.aws_stage in COMPLETED_AWS_STAGES:
        return COMPLETED
    if (
        facts.partner_stage in CANCELLED_PARTNER_STAGES
        or facts.aws_stage in CANCELLED_AWS_STAGES
        or facts.review_status in CANCELLED_REVIEWS
        or facts.invitation_status in CANCELLED_INVITATIONS
    ):
        return CANCELLED
    if (
        facts.invitation_status == "ACCEPTED"
        or facts.review_status in ACTIVE_REVIEWS
        or facts.member_count >= 2
    ):
        return ACTIVE
    return PENDING


def team_text(facts: EngagementFacts) -> str:
    """Who AWS engages with on the deal, one line each, in a stable order so
    that a listing in another order is not a change."""
    lines = []
    if facts.member_companies:
        lines.append("Members: " + "; ".join(sorted(set(facts.member_companies))))
    if facts.aws_people:
        lines.append(facts.aws_people)
    return "\n".join(lines)


def team_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def kickoff_date(facts: EngagementFacts) -> str:
    """`YYYY-MM-DD` (a HubSpot date property), or "" to clear."""
    created = facts.engagement_created_at
    return created.date().isoformat() if created else ""


def latest_invitation_status(invitations: list[dict]) -> str | None:
    """The status of the most recently sent invitation: a resubmission after
    `Action Required` sends a new one, and the new one is what counts."""
    if not invitations:
        return None
    dated = [i for i in invitations if i.get("InvitationDate")]
    latest = max(dated, key=lambda i: i["InvitationDate"]) if dated else invitations[-1]
    return latest.get("Status")


def transition_key(deal_id: str, sequence: int, before: dict, after: dict) -> str:
    """The notes ledger key of one observed change: the deal, how many changes
    it had before, and what changed. A run that repeats after a crash
    observes the same change from the same stored state and so computes the
    same key; a later change back and forth gets a new sequence number."""
    parts = [deal_id, str(sequence)]
    for name in sorted(set(before) | set(after)):
        parts.append(f"{name}:{before.get(name)!s}->{after.get(name)!s}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
