"""Reading Partner Central for the engagement sync: one observation per link.

A batch of links costs the opportunities' summaries (from the cycle's
listing, else `ListOpportunities` by Identifier, 20 a call), per link its
engagements (`ListEngagementResourceAssociations`, unless a full pass listed
them all), `GetEngagement`, `ListEngagementMembers` and, once submitted,
`GetAwsOpportunitySummary`; and the engagements' latest invitations
(`ListEngagementInvitations`, 10 engagements a call, both directions).
No database access here: the callers record what was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from pcsync import runtime
from workers.engine.batches import batched
from workers.engine.engagement_status import latest_invitation_status
from workers.engine.engagements import (
    Observation,
    ProblemKind,
    RefreshProblem,
    latest_engagement,
    observation_of,
)
from workers.errors import NotFound, PermanentError
from workers.pacing import PacedPartnerCentral
from workers.sync.aws_summary import never_submitted
from workers.sync.aws_summary import team_text as aws_people_text
from workers.sync.context import Run

OPPORTUNITY_PAGE = 100  # ListOpportunities: 1-100
ASSOCIATION_PAGE = 1000  # ListEngagementResourceAssociations: 1-1000
MEMBER_PAGE = 10  # ListEngagementMembers: 1-10
INVITATION_PAGE = 100  # ListEngagementInvitations: 1-100
IDENTIFIERS_PER_LIST = 20  # ListOpportunities Identifier filter: up to 20
ENGAGEMENTS_PER_LIST = 10  # EngagementIdentifier filters: up to 10
PARTICIPANT_TYPES = ("SENDER", "RECEIVER")


@dataclass
class Prefetched:
    """What a cycle's listings already returned, so the refresh need not ask again."""

    opportunities: dict[str, dict] = field(default_factory=dict)  # id -> OpportunitySummary
    associations: dict[str, list[str]] | None = None  # opportunity id -> engagement ids


@dataclass(frozen=True)
class DirtyLink:
    link_id: int
    deal_id: str
    opportunity_id: str
    dirty_since: datetime


@dataclass(frozen=True)
class ReadEngagement:
    """One opportunity's current engagement as read: GetEngagement with its
    members under `_members` ({} for none), and AWS's summary ({} for none)."""

    engagement: dict
    aws: dict


def paced_client(run: Run) -> PacedPartnerCentral:
    return PacedPartnerCentral(runtime.partner_central(), run.priority)


def observe(
    pc: PacedPartnerCentral, batch: list[DirtyLink], prefetched: Prefetched
) -> tuple[dict[int, Observation], dict[int, RefreshProblem]]:
    """Observations for the batch's links, and why the others have none."""
    summaries = opportunity_summaries(pc, [item.opportunity_id for item in batch], prefetched)
    read: dict[int, tuple[dict, ReadEngagement]] = {}
    problems: dict[int, RefreshProblem] = {}
    for item in batch:
        summary = summaries.get(item.opportunity_id)
        if summary is None:
            problems[item.link_id] = RefreshProblem.gone(item.opportunity_id)
            continue
        try:
            engagement = read_engagement(pc, item.opportunity_id, prefetched, summary)
            read[item.link_id] = (summary, engagement)
        except PermanentError as exc:
            problems[item.link_id] = RefreshProblem(ProblemKind.FAILED, exc.api_message or str(exc))
    engagement_ids = {r.engagement["Id"] for _, r in read.values() if r.engagement.get("Id")}
    invitations = latest_invitations(pc, engagement_ids)
    observations = {
        link_id: observation_of(
            summary,
            r.engagement,
            r.aws,
            aws_people_text(r.aws.get("OpportunityTeam")),
            invitations.get(r.engagement.get("Id")),
        )
        for link_id, (summary, r) in read.items()
    }
    return observations, problems


def opportunity_summaries(
    pc: PacedPartnerCentral, opportunity_ids: list[str], prefetched: Prefetched
) -> dict[str, dict]:
    """OpportunitySummary (stage, review status, LastModifiedDate) per id:
    from the cycle's listing when it has them, else 20 ids a call."""
    found = {
        i: prefetched.opportunities[i] for i in opportunity_ids if i in prefetched.opportunities
    }
    missing = [i for i in opportunity_ids if i not in found]
    for chunk in batched(missing, IDENTIFIERS_PER_LIST):
        for item in pc.paginate(
            "ListOpportunities",
            "OpportunitySummaries",
            Identifier=chunk,
            MaxResults=OPPORTUNITY_PAGE,
        ):
            found[item["Id"]] = item
    return found


def read_engagement(
    pc: PacedPartnerCentral, opportunity_id: str, prefetched: Prefetched, summary: dict
) -> ReadEngagement:
    """The opportunity's current engagement and AWS's summary of it;
    `summary` is the opportunity as listed (its review status)."""
    if prefetched.associations is not None:
        engagement_ids = prefetched.associations.get(opportunity_id, [])
    else:
        engagement_ids = engagements_of_opportunity(pc, opportunity_id)
    engagement = latest_engagement(
        [
            pc.call("GetEngagement", Identifier=engagement_id)
            for engagement_id in dict.fromkeys(engagement_ids)
        ]
    )
    if engagement:
        engagement["_members"] = list(
            pc.paginate(
                "ListEngagementMembers",
                "EngagementMemberList",
                Identifier=engagement["Id"],
                MaxResults=MEMBER_PAGE,
            )
        )
    review_status = (summary.get("LifeCycle") or {}).get("ReviewStatus")
    return ReadEngagement(engagement, aws_summary(pc, opportunity_id, review_status))


def engagements_of_opportunity(pc: PacedPartnerCentral, opportunity_id: str) -> list[str]:
    return [
        item["EngagementId"]
        for item in pc.paginate(
            "ListEngagementResourceAssociations",
            "EngagementResourceAssociationSummaries",
            ResourceType="Opportunity",
            ResourceIdentifier=opportunity_id,
            MaxResults=ASSOCIATION_PAGE,
        )
    ]


def aws_summary(pc: PacedPartnerCentral, opportunity_id: str, review_status: str | None) -> dict:
    """GetAwsOpportunitySummary, or {} while AWS has no side of the opportunity."""
    if never_submitted(review_status):
        return {}  # AWS has no side until the opportunity is submitted
    with suppress(NotFound):  # nor until AWS has taken it up
        return pc.call("GetAwsOpportunitySummary", RelatedOpportunityIdentifier=opportunity_id)
    return {}


def latest_invitations(pc: PacedPartnerCentral, engagement_ids: Iterable[str]) -> dict[str, str]:
    """{engagement id: status of its latest invitation, either direction}."""
    found: dict[str, list[dict]] = {}
    for chunk in batched(sorted(engagement_ids), ENGAGEMENTS_PER_LIST):
        for participant in PARTICIPANT_TYPES:
            for invitation in pc.paginate(
                "ListEngagementInvitations",
                "EngagementInvitationSummaries",
                ParticipantType=participant,
                EngagementIdentifier=chunk,
                MaxResults=INVITATION_PAGE,
            ):
                found.setdefault(invitation.get("EngagementId"), []).append(invitation)
    return {engagement: latest_invitation_status(items) for engagement, items in found.items()}


def list_associations(pc: PacedPartnerCentral) -> dict[str, list[str]]:
    """Every opportunity's engagements, 1000 associations a call (full pass)."""
    associations: dict[str, list[str]] = {}
    for item in pc.paginate(
        "ListEngagementResourceAssociations",
        "EngagementResourceAssociationSummaries",
        ResourceType="Opportunity",
        MaxResults=ASSOCIATION_PAGE,
    ):
        associations.setdefault(item["ResourceId"], []).append(item["EngagementId"])
    return associations


def opportunities_of_engagement_in_pc(pc: PacedPartnerCentral, engagement_id: str) -> list[str]:
    """The opportunities Partner Central associates with an engagement."""
    listing = pc.paginate(
        "ListEngagementResourceAssociations",
        "EngagementResourceAssociationSummaries",
        EngagementIdentifier=engagement_id,
        ResourceType="Opportunity",
        MaxResults=ASSOCIATION_PAGE,
    )
    return sorted({item["ResourceId"] for item in listing})
