"""Engagement invitations: list, read, accept, reject, and their 15-day expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rules, store
from ..errors import Conflict
from ..timestamps import to_iso
from .common import (
    add_engagement_member,
    by_operation,
    find_invitation,
    page_response,
    partner_member,
    sort_items,
)

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

PENDING, ACCEPTED, REJECTED, EXPIRED = "PENDING", "ACCEPTED", "REJECTED", "EXPIRED"


def new_invitation(
    sim: Simulator,
    state: CatalogState,
    *,
    engagement: dict,
    payload: dict,
    from_aws: bool,
    message: str | None = None,
) -> dict:
    """An invitation between AWS and the partner: AWS invites the partner (the
    partner receives it) or the partner's submission invites AWS (it sent it)."""
    if from_aws:
        sender_account, sender_company = store.AWS_ACCOUNT_ALIAS, store.AWS_COMPANY_NAME
        receiver_account, participant_type = sim.account_id, "RECEIVER"
    else:
        sender_account, sender_company = sim.account_id, store.PARTNER_COMPANY_NAME
        receiver_account, participant_type = store.AWS_ACCOUNT_ALIAS, "SENDER"
    invitation_id = sim.ids.invitation()
    now = sim.clock.now_ms()
    invitation = {
        "Id": invitation_id,
        "Arn": store.arn(sim.account_id, state.name, "engagement-invitation", invitation_id),
        "Catalog": state.name,
        "PayloadType": next(iter(payload)),
        "EngagementId": engagement["Id"],
        "EngagementTitle": engagement["Title"],
        "EngagementDescription": engagement.get("Description"),
        "Status": PENDING,
        "InvitationDate": now,
        "ExpirationDate": now + rules.INVITATION_LIFETIME_SECONDS * 1000,
        "SenderAwsAccountId": sender_account,
        "SenderCompanyName": sender_company,
        "Receiver": {"Account": {"AwsAccountId": receiver_account}},
        "ParticipantType": participant_type,
        "Payload": payload,
        "InvitationMessage": message,
    }
    state.invitations[invitation_id] = invitation
    publish_invitation_event(sim, invitation, "Engagement Invitation Created")
    return invitation


def publish_invitation_event(sim: Simulator, invitation: dict, detail_type: str) -> None:
    detail = {
        "arn": invitation["Arn"],
        "id": invitation["Id"],
        "engagementId": invitation["EngagementId"],
        "senderAccountId": invitation["SenderAwsAccountId"],
        "receiverAccountId": invitation["Receiver"]["Account"]["AwsAccountId"],
        "participantType": invitation["ParticipantType"].capitalize(),
        "payloadType": invitation["PayloadType"],
    }
    if detail_type == "Engagement Invitation Created":
        detail["senderCompanyName"] = invitation["SenderCompanyName"]
        detail["expirationDate"] = to_iso(invitation["ExpirationDate"])
    sim.publish(
        detail_type,
        {"catalog": invitation["Catalog"], "engagementInvitation": detail},
        invitation["Arn"],
    )


def expire_due_invitations(sim: Simulator, state: CatalogState) -> None:
    """Invitations expire 15 days after they were sent (checked lazily, by the sim clock)."""
    now = sim.clock.now_ms()
    for invitation in state.invitations.values():
        if invitation["Status"] == PENDING and now >= invitation["ExpirationDate"]:
            expire(sim, invitation)


def expire(sim: Simulator, invitation: dict) -> None:
    invitation["Status"] = EXPIRED
    publish_invitation_event(sim, invitation, "Engagement Invitation Expired")


def _view(sim: Simulator, state: CatalogState, invitation: dict) -> dict:
    engagement = state.engagements.get(invitation["EngagementId"], {"Members": []})
    return {**invitation, "ExistingMembers": engagement["Members"]}


def get_engagement_invitation(sim: Simulator, state: CatalogState, params: dict) -> dict:
    return _view(sim, state, find_invitation(state, params["Identifier"]))


def list_engagement_invitations(sim: Simulator, state: CatalogState, params: dict) -> dict:
    engagement_ids = {i.rsplit("/", 1)[-1] for i in params.get("EngagementIdentifier", [])}

    def wanted(invitation: dict) -> bool:
        return (
            invitation["ParticipantType"] == params["ParticipantType"]
            and (
                not params.get("PayloadType") or invitation["PayloadType"] in params["PayloadType"]
            )
            and (not params.get("Status") or invitation["Status"] in params["Status"])
            and (not engagement_ids or invitation["EngagementId"] in engagement_ids)
            and (
                not params.get("SenderAwsAccountId")
                or invitation["SenderAwsAccountId"] in params["SenderAwsAccountId"]
            )
        )

    matches = [i for i in state.invitations.values() if wanted(i)]
    keys = {"InvitationDate": lambda i: i["InvitationDate"]}
    ordered = sort_items(matches, params.get("Sort"), keys, "InvitationDate", "DESCENDING")
    return page_response(
        ordered, params, "ListEngagementInvitations", "EngagementInvitationSummaries"
    )


def require_pending_receiver(invitation: dict) -> None:
    if invitation["ParticipantType"] != "RECEIVER":
        raise Conflict(
            f"Invitation {invitation['Id']} was sent by this account; "
            "only its receiver can respond."
        )
    if invitation["Status"] != PENDING:
        raise Conflict(
            f"Invitation {invitation['Id']} is {invitation['Status']} "
            "and can no longer be accepted or rejected."
        )


def accept(sim: Simulator, state: CatalogState, invitation: dict) -> None:
    require_pending_receiver(invitation)
    invitation["Status"] = ACCEPTED
    publish_invitation_event(sim, invitation, "Engagement Invitation Accepted")
    engagement = state.engagements.get(invitation["EngagementId"])
    if engagement is not None:
        add_engagement_member(sim, state.name, engagement, partner_member(sim))


def accept_engagement_invitation(sim: Simulator, state: CatalogState, params: dict) -> None:
    accept(sim, state, find_invitation(state, params["Identifier"]))


def reject_engagement_invitation(sim: Simulator, state: CatalogState, params: dict) -> None:
    invitation = find_invitation(state, params["Identifier"])
    require_pending_receiver(invitation)
    invitation["Status"] = REJECTED
    if "RejectionReason" in params:
        invitation["RejectionReason"] = params["RejectionReason"]
    publish_invitation_event(sim, invitation, "Engagement Invitation Rejected")


HANDLERS = by_operation(
    get_engagement_invitation,
    list_engagement_invitations,
    accept_engagement_invitation,
    reject_engagement_invitation,
)
