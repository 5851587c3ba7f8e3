"""An opportunity's assignment as the management API shows it: light enough
for the ingest (assigning, `workers.sync.assignment`, loads the clients)."""

from __future__ import annotations

from models.links import OpportunityLink

ACTION = "opportunity.assign"


def assignment_view(link: OpportunityLink) -> dict:
    """What the management API shows: the assignee pcsync last set, and the
    last refusal."""
    assignee = link.assignee or None
    return {
        "opportunity_id": link.opportunity_id,
        "hubspot_deal_id": link.hubspot_deal_id,
        "assignee": {
            "email": assignee["Email"],
            "first_name": assignee["FirstName"],
            "last_name": assignee["LastName"],
            "business_title": assignee["BusinessTitle"],
        }
        if assignee
        else None,
        "hubspot_owner_id": link.assignee_owner_id,
        "assigned_at": link.assigned_at,
        "last_error": link.assignment_error,
        "refused_owner_id": link.assignment_failed_owner_id,
        "refused_email": link.assignment_failed_email,
    }
