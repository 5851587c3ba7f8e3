"""Snapshots as the management API asks for and shows them: recorded here,
created by the worker (`workers.sync.snapshots`), which loads the clients."""

from __future__ import annotations

from sqlalchemy import select

from models.links import OpportunityLink
from models.resources import ResourceSnapshot
from workers.sync.context import Run, audit

ACTION = "opportunity.snapshot"
# The template names the EventBridge events documentation uses for the two
# snapshot payload views (CreateResourceSnapshotRequest's
# ResourceSnapshotTemplateIdentifier must name "an existing and valid
# template"; AWS publishes no other list).
TEMPLATES = ("OpportunitySummaryView", "AwsOpportunitySummaryFullView")


def request_snapshot(session, link: OpportunityLink, template: str, run: Run) -> ResourceSnapshot:
    """Record a request in the caller's transaction."""
    row = ResourceSnapshot(
        hubspot_deal_id=link.hubspot_deal_id,
        opportunity_id=link.opportunity_id,
        engagement_id=link.engagement_id,
        template=template,
        status="requested",
        requested_by=run.actor,
    )
    session.add(row)
    session.flush()
    details = {"snapshot_id": row.id, "template": template, "engagement_id": link.engagement_id}
    audit_snapshot(session, run, "requested", row, diff=details)
    return row


def audit_snapshot(session, run: Run, outcome: str, row: ResourceSnapshot, **details) -> None:
    deal_id, opportunity_id = row.hubspot_deal_id, row.opportunity_id
    audit(session, run, ACTION, outcome, deal_id, opportunity_id=opportunity_id, **details)


def snapshot_view(row: ResourceSnapshot, with_payload: bool = False) -> dict:
    view = {
        "id": row.id,
        "template": row.template,
        "engagement_id": row.engagement_id,
        "status": row.status,
        "revision": row.revision,
        "arn": row.arn,
        "error": row.error,
        "requested_at": row.requested_at.isoformat(),
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
    if with_payload:
        view["payload"] = row.payload
    return view


def snapshots_of(session, opportunity_id: str) -> list[dict]:
    rows = session.scalars(
        select(ResourceSnapshot)
        .where(ResourceSnapshot.opportunity_id == opportunity_id)
        .order_by(ResourceSnapshot.id)
    )
    return [snapshot_view(row) for row in rows]
