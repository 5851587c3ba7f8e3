"""Referrals (engagement invitations) as the management API and the console
show them, and the reasons an operator may give to reject one: light enough
for the ingest, which loads no client."""

from __future__ import annotations

from datetime import datetime

from models.invitations import Invitation
from pcsync import runtime
from workers.engine.invitations import Undecidable, why_undecidable
from workers.engine.times import as_utc

# RejectEngagementInvitation.RejectionReason: the model only bounds it (1-80
# printable characters); these are the values AWS documents ("Responding to
# an invitation", https://docs.aws.amazon.com/partner-central/latest/developer-guide/).
REJECTION_REASONS = (
    "Customer problem unclear",
    "Next steps unclear",
    "Unable to support",
    "Duplicate of partner referral",
    "Other",
)


def undecidable(row: Invitation, now: datetime | None = None) -> Undecidable | None:
    """Why the invitation may not be decided now (workers.engine.invitations), or None."""
    return why_undecidable(
        row.state, row.hubspot_deal_id is not None, as_utc(row.expires_at), now or runtime.utc_now()
    )


def invitation_view(row: Invitation, now: datetime | None = None) -> dict:
    invitation = (row.payload or {}).get("invitation") or {}
    project = ((invitation.get("Payload") or {}).get("OpportunityInvitation") or {}).get(
        "Project"
    ) or {}
    expires = as_utc(row.expires_at)
    now = now or runtime.utc_now()
    return {
        "invitation_id": row.invitation_id,
        "state": row.state,
        "title": project.get("Title") or invitation.get("EngagementTitle"),
        "hubspot_deal_id": row.hubspot_deal_id,
        "opportunity_id": row.opportunity_id,
        "engagement_id": row.engagement_id,
        "expires_at": expires,
        "seconds_left": max(0, int((expires - now).total_seconds())) if expires else None,
        "decidable": undecidable(row, now) is None,
        "last_error": row.last_error,
    }
