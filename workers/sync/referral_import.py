"""AWS referrals become HubSpot deals: each pending engagement invitation
addressed to us gets its row and the deal that shows it.

Crash safety: the row is committed (state pending, no deal) before the deal
is created, and the deal carries the invitation id in a unique-value
property, so HubSpot refuses a second one after a crash between the two and
the first is read back by that property.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models.invitations import Invitation
from pcsync import runtime
from workers.clients.hubspot import AlreadyExists
from workers.engine import extract_pc_fields, pc_to_hubspot
from workers.engine.times import as_utc, iso_ms
from workers.sync.context import Run
from workers.sync.referral_state import (
    INVITATION,
    STATUS_PROPERTY,
    invitation_lock,
    status_value,
)
from workers.sync.rules import REFERRAL_PROPERTY

EXPIRES_PROPERTY = "aws_invitation_expires_at"


def _jsonable(value: Any) -> Any:
    """A boto3 response as JSON (timestamps become ISO strings)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def list_pending_invitation_ids(run: Run) -> list[str]:
    """Every pending AWS referral addressed to us, all pages."""
    summaries = runtime.partner_central().paginate(
        "ListEngagementInvitations",
        "EngagementInvitationSummaries",
        priority=run.priority,
        ParticipantType="RECEIVER",
        Status=["PENDING"],
        PayloadType=["OpportunityInvitation"],
        MaxResults=100,
    )
    return list(dict.fromkeys(s["Id"] for s in summaries))


def referral_deal_properties(invitation: dict) -> dict[str, str]:
    """The HubSpot deal that shows one referral.

    The invitation's project is read as an opportunity and pulled through the
    engine's own field mapping, so amount, close date, stage and description
    land in HubSpot exactly as a later sync would write them. The name is the
    project title and deliberately not tagged #AWS: the deal must not create
    an opportunity of its own.
    """
    payload = (invitation.get("Payload") or {}).get("OpportunityInvitation") or {}
    project = payload.get("Project") or {}
    as_opportunity = {
        "Project": {
            "CustomerBusinessProblem": project.get("BusinessProblem"),
            "ExpectedCustomerSpend": project.get("ExpectedCustomerSpend"),
        },
        # Partner Central opens an accepted referral at Prospect.
        "LifeCycle": {"Stage": "Prospect", "TargetCloseDate": project.get("TargetCompletionDate")},
    }
    config = runtime.engine_config()
    pulled = pc_to_hubspot(extract_pc_fields(as_opportunity, config), config).get("deal") or {}
    title = project.get("Title") or invitation.get("EngagementTitle") or "AWS referral"
    properties = {name: value for name, value in pulled.items() if value}
    properties.update(
        {
            "dealname": title,
            "pipeline": config.default_pipeline,
            REFERRAL_PROPERTY: invitation["Id"],
            STATUS_PROPERTY: status_value("pending"),
        }
    )
    expires = as_utc(invitation.get("ExpirationDate"))
    if expires:
        properties[EXPIRES_PROPERTY] = iso_ms(expires)
    return properties


def create_referral_deal(invitation: dict) -> tuple[str, bool]:
    """The deal that shows the referral: (deal id, whether an earlier run had
    made it already). ``aws_invitation_id`` is a unique-value property, so
    HubSpot itself refuses a second deal for one invitation; the one a run
    that crashed before storing its id made is then read by that property
    (at once: the search index lags writes and cannot be trusted for this)."""
    hubspot = runtime.hubspot()
    try:
        created = hubspot.create_object("deals", referral_deal_properties(invitation))
    except AlreadyExists:
        existing = hubspot.get_object_by("deals", REFERRAL_PROPERTY, invitation["Id"])
        if existing is None:
            raise
        return str(existing["id"]), True
    return str(created["id"]), False


def _record_invitation(invitation: dict, run: Run) -> Invitation:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation["Id"])
        if row is None:
            row = Invitation(
                invitation_id=invitation["Id"],
                catalog=runtime.settings().pc_catalog,
                engagement_id=invitation.get("EngagementId"),
                state="pending",
                expires_at=as_utc(invitation.get("ExpirationDate")),
                payload={"invitation": _jsonable(invitation)},
            )
            session.add(row)
            session.flush()
            INVITATION.audit(
                session,
                run,
                row,
                action="invitation.received",
                outcome="pending",
                diff={"expires_at": row.expires_at.isoformat() if row.expires_at else None},
                message=(invitation.get("EngagementTitle") or "")[:255] or None,
            )
        return row


def _record_deal(invitation_id: str, deal_id: str, found: bool, run: Run) -> None:
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        row.hubspot_deal_id = deal_id
        INVITATION.audit(
            session,
            run,
            row,
            action="invitation.deal",
            outcome="found" if found else "created",
            message="deal made by an earlier run found by aws_invitation_id" if found else None,
        )


def import_invitation(invitation_id: str, run: Run) -> str:
    """Make sure a pending invitation has its row and its deal. Idempotent.

    Returns "imported", "known" (already has a deal), "busy" (another worker
    holds it: it will finish the job) or "not_pending" (nothing to show).
    """
    with invitation_lock(invitation_id) as held:
        if not held:
            return "busy"
        with runtime.database().transaction() as session:
            row = session.get(Invitation, invitation_id)
        if row is not None and row.hubspot_deal_id:
            return "known"
        if row is None:
            invitation = runtime.partner_central().call(
                "GetEngagementInvitation", priority=run.priority, Identifier=invitation_id
            )
            if (
                invitation.get("Status") != "PENDING"
                or invitation.get("PayloadType") != "OpportunityInvitation"
            ):
                return "not_pending"
            row = _record_invitation(invitation, run)
        invitation = (row.payload or {}).get("invitation") or {"Id": invitation_id}
        deal_id, found = create_referral_deal(invitation)
        _record_deal(invitation_id, deal_id, found, run)
    return "imported"
