"""Resource snapshots of an opportunity inside its engagement, on request.

A resource snapshot is an immutable, template-defined copy of some of the
opportunity's fields that Partner Central shares with the engagement's
members; it is not a file. The request is a row (`ResourceSnapshot`,
status `requested`); the task creates it with a ClientToken derived from
that row, so a redelivered task gets the same snapshot back instead of a
new revision, then reads what was captured and shows the time on the deal
(`aws_last_snapshot_at`).
"""

from __future__ import annotations

import json

from models.resources import ResourceSnapshot
from pcsync import runtime
from workers.engine import client_token
from workers.errors import PermanentError
from workers.sync.context import Run
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import opportunity_lock
from workers.sync.snapshot_requests import audit_snapshot

DEAL_PROPERTY = "aws_last_snapshot_at"


def create_snapshot(snapshot_id: int, run: Run) -> str:
    with runtime.database().transaction() as session:
        row = session.get(ResourceSnapshot, snapshot_id)
        if row is None or row.status != "requested":
            return row.status if row else "gone"
        deal_id = row.hubspot_deal_id
        request = {
            "EngagementIdentifier": row.engagement_id,
            "ResourceType": "Opportunity",
            "ResourceIdentifier": row.opportunity_id,
            "ResourceSnapshotTemplateIdentifier": row.template,
            "ClientToken": client_token(
                runtime.settings().hubspot_portal_id or "0",
                row.hubspot_deal_id,
                f"snapshot-{row.id}",
            ),
        }
    pc = runtime.partner_central()
    with opportunity_lock(request["ResourceIdentifier"]):
        try:
            created = pc.call("CreateResourceSnapshot", priority=run.priority, **request)
            snapshot = pc.call(
                "GetResourceSnapshot",
                priority=run.priority,
                **{k: v for k, v in request.items() if k != "ClientToken"},
                Revision=created["Revision"],
            )
        except PermanentError as exc:
            _failed(snapshot_id, exc.api_message or str(exc), run)
            raise
    return _created(snapshot_id, deal_id, snapshot, run)


def _jsonable(value) -> dict:
    """The response as JSON (its timestamps as ISO 8601)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _created(snapshot_id: int, deal_id: str, snapshot: dict, run: Run) -> str:
    created_at = snapshot.get("CreatedAt")
    # Shown on the deal first: once the row says created, a redelivered task
    # stops early and would not show it.
    if created_at is not None:
        send_deal_status(deal_id, {DEAL_PROPERTY: created_at.isoformat(timespec="milliseconds")})
    with runtime.database().transaction() as session:
        row = session.get(ResourceSnapshot, snapshot_id)
        row.status = "created"
        row.revision = snapshot["Revision"]
        row.arn = snapshot.get("Arn")
        row.payload = _jsonable(snapshot.get("Payload") or {})
        row.created_at = created_at
        details = {"snapshot_id": row.id, "arn": row.arn, "revision": row.revision}
        audit_snapshot(session, run, "created", row, diff=details)
    return "created"


def _failed(snapshot_id: int, message: str, run: Run) -> None:
    with runtime.database().transaction() as session:
        row = session.get(ResourceSnapshot, snapshot_id)
        row.status, row.error = "failed", message
        audit_snapshot(session, run, "failed", row, diff={"snapshot_id": row.id}, message=message)
