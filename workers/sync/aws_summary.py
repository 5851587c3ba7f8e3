"""AWS's side of an opportunity (`GetAwsOpportunitySummary`) as pcsync's
output deal properties.

Most of what AWS does to a co-sell opportunity (involvement type, engagement
score, next best actions, the AWS sales team) appears only in this summary,
never in the partner's opportunity (GetAwsOpportunitySummary's documentation).
`write_summary` writes it to one deal (the per-opportunity task); the
reconciliation cycle writes many through HubSpot's batch update
(`summary_changes`). Both write only the values that differ from what
pcsync last wrote to the deal, and remember them on the link.
"""

from __future__ import annotations

from models.links import OpportunityLink
from workers.sync.deal_status import changed_properties, send_deal_status

SUMMARY_PROPERTIES = (
    "aws_involvement_type",
    "aws_engagement_score",
    "aws_next_best_actions",
    "aws_team",
)
TEXTAREA_LIMIT = 65000  # HubSpot text properties hold 65,536 characters

# Readable forms of the model's AwsMemberBusinessTitle values; a title the
# model adds later is shown as AWS spells it.
TEAM_TITLES = {
    "AWSSalesRep": "AWS Sales Rep",
    "AWSAccountOwner": "AWS Account Owner",
    "WWPSPDM": "WWPS Partner Development Manager",
    "PDM": "Partner Development Manager",
    "PSM": "Partner Solutions Manager",
    "ISVSM": "ISV Success Manager",
    "Signatory": "Signatory",
}


# The review status of an opportunity never submitted to AWS (the model's
# ReviewStatus enum). AWS keeps no summary for it: GetAwsOpportunitySummary can
# only answer ResourceNotFoundException, so pcsync does not ask.
NEVER_SUBMITTED = "Pending Submission"


def never_submitted(review_status: str | None) -> bool:
    return review_status == NEVER_SUBMITTED


def team_member_line(member: dict) -> str:
    name = " ".join(p for p in (member.get("FirstName"), member.get("LastName")) if p)
    email = member.get("Email")
    who = f"{name} <{email}>" if name and email else name or email or "(unnamed)"
    title = member.get("BusinessTitle")
    return f"{TEAM_TITLES.get(title, title)}: {who}" if title else who


def team_text(team: list[dict] | None) -> str:
    """One line per AWS team member, in a stable order so that AWS listing
    the same people differently is not a change."""
    return "\n".join(sorted(team_member_line(m) for m in team or []))


def summary_properties(summary: dict) -> dict[str, str]:
    """The deal properties for a GetAwsOpportunitySummary response ("" clears)."""
    insights = summary.get("Insights") or {}
    return {
        "aws_involvement_type": summary.get("InvolvementType") or "",
        "aws_engagement_score": insights.get("EngagementScore") or "",
        "aws_next_best_actions": (insights.get("NextBestActions") or "")[:TEXTAREA_LIMIT],
        "aws_team": team_text(summary.get("OpportunityTeam"))[:TEXTAREA_LIMIT],
    }


def write_summary(deal_id: str, summary: dict) -> dict[str, str]:
    """One deal, outside any transaction: PATCH what changed. Returns what was sent."""
    return send_deal_status(deal_id, summary_properties(summary))


def summary_changes(link: OpportunityLink, summary: dict) -> dict[str, str]:
    """The summary's deal properties that differ from what pcsync last wrote."""
    return changed_properties(link, summary_properties(summary))
