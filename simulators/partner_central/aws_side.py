"""Controls that play AWS's part: review decisions, the AWS summary, referrals,
engagement members, and the account's registered users.

Everything a control accepts in the model's vocabulary is validated against
the model's shapes, so the simulator never holds data the real API could not
return.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from . import codec, service_model, store, validation
from .errors import ControlError
from .operations.common import add_engagement_member as add_member_to
from .operations.common import publish_opportunity_event, touch_opportunity
from .operations.engagements import engagement_of_opportunity, new_engagement
from .operations.invitations import (
    ACCEPTED,
    PENDING,
    REJECTED,
    expire,
    new_invitation,
    publish_invitation_event,
)

if TYPE_CHECKING:
    from .simulator import Simulator
    from .store import CatalogState

AWS_MEMBER = {
    "CompanyName": store.AWS_COMPANY_NAME,
    "WebsiteUrl": "https://aws.amazon.com",
    "AccountId": store.AWS_ACCOUNT_ALIAS,
}
DEFAULT_REFERRAL_RESPONSIBILITIES = ["Co-Sell Facilitator"]
REFERRAL_LEAD_DAYS = 90  # default TargetCompletionDate: this far after "today"


def _check(shape_name: str, value, prefix: str = "") -> None:
    errors = validation.validate(service_model.shape(shape_name), value, prefix)
    if errors:
        raise ControlError("; ".join(f"{e.field_name}: {e.message}" for e in errors))


def catalog_state(sim: Simulator, catalog: str) -> CatalogState:
    if catalog not in sim.catalogs:
        raise ControlError(f"unknown catalog {catalog!r}; use one of {', '.join(sim.catalogs)}")
    return sim.catalogs[catalog]


def _locate(sim: Simulator, collection: str, resource_id: str) -> tuple[CatalogState, dict]:
    for state in sim.catalogs.values():
        resource = getattr(state, collection).get(resource_id)
        if resource is not None:
            return state, resource
    raise ControlError(f"{resource_id} not found")


# --- review --------------------------------------------------------------------------


def set_review_status(
    sim: Simulator,
    opportunity_id: str,
    review_status: str | None = None,
    review_comments: str | None = None,
    review_status_reason: str | None = None,
) -> dict:
    """AWS's review decision. Approval or rejection also settles the invitation the
    partner sent with its submission, as on AWS."""
    state, record = _locate(sim, "opportunities", opportunity_id)
    lifecycle = {
        key: value
        for key, value in (
            ("ReviewStatus", review_status),
            ("ReviewComments", review_comments),
            ("ReviewStatusReason", review_status_reason),
        )
        if value is not None
    }
    _check("LifeCycle", lifecycle, "LifeCycle")
    record["LifeCycle"].update(lifecycle)
    if review_status in ("Approved", "Rejected"):
        _settle_submission_invitation(sim, state, record, review_status)
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")
    return codec.encode(service_model.shape("GetOpportunityResponse"), record)


def _settle_submission_invitation(
    sim: Simulator, state: CatalogState, record: dict, decision: str
) -> None:
    engagement = engagement_of_opportunity(state, record["Id"])
    if engagement is None:
        return
    for invitation in state.invitations.values():
        if (
            invitation["EngagementId"] == engagement["Id"]
            and invitation["ParticipantType"] == "SENDER"
            and invitation["Status"] == PENDING
        ):
            invitation["Status"] = ACCEPTED if decision == "Approved" else REJECTED
            publish_invitation_event(
                sim, invitation, f"Engagement Invitation {invitation['Status'].capitalize()}"
            )
            if decision == "Approved":
                add_member_to(sim, state.name, engagement, dict(AWS_MEMBER))


# --- AWS summary -----------------------------------------------------------------------

SUMMARY_SHAPE = "GetAwsOpportunitySummaryResponse"
SUMMARY_IDENTITY_MEMBERS = ("Catalog", "RelatedOpportunityId")


def set_aws_summary(sim: Simulator, opportunity_id: str, **summary) -> dict:
    """Merge AWS-side fields (model member names: OpportunityTeam, Insights,
    InvolvementType, LifeCycle, Visibility, ...) into the opportunity's AWS summary."""
    state, record = _locate(sim, "opportunities", opportunity_id)
    unknown = set(summary) & set(SUMMARY_IDENTITY_MEMBERS)
    if unknown:
        raise ControlError(f"{', '.join(sorted(unknown))} cannot be set")
    merged = {**state.aws_summaries.get(opportunity_id, {}), **summary}
    _check(SUMMARY_SHAPE, {**merged, "Catalog": state.name})
    shape = service_model.shape(SUMMARY_SHAPE)
    state.aws_summaries[opportunity_id] = codec.decode(shape, merged)
    publish_opportunity_event(sim, record, "Opportunity Updated")
    return codec.encode(
        shape,
        {
            **state.aws_summaries[opportunity_id],
            "Catalog": state.name,
            "RelatedOpportunityId": opportunity_id,
        },
    )


# --- referrals ---------------------------------------------------------------------------


def create_referral_invitation(
    sim: Simulator,
    catalog: str,
    customer: dict | None = None,
    project: dict | None = None,
    sender_contacts: list[dict] | None = None,
    receiver_responsibilities: list[str] | None = None,
    opportunity_type: str | None = None,
    message: str | None = None,
    engagement_title: str | None = None,
) -> dict:
    """An AWS referral: an engagement AWS owns and an OpportunityInvitation to this partner.

    `customer` and `project` use the model's OpportunityInvitationPayload members;
    missing members get plausible defaults.
    """
    state = catalog_state(sim, catalog)
    payload = {
        "ReceiverResponsibilities": receiver_responsibilities or DEFAULT_REFERRAL_RESPONSIBILITIES,
        "Customer": {**_default_customer(), **(customer or {})},
        "Project": {**_default_project(sim), **(project or {})},
    }
    if sender_contacts:
        payload["SenderContacts"] = sender_contacts
    if opportunity_type:
        payload["OpportunityType"] = opportunity_type
    payload = {"OpportunityInvitation": payload}
    _check("Payload", payload, "Payload")
    if message is not None:
        _check("InvitationMessage", message, "InvitationMessage")
    title = engagement_title or payload["OpportunityInvitation"]["Project"]["Title"][:40]
    engagement = new_engagement(
        sim,
        state,
        title=title,
        description=None,
        contexts=[],
        created_by=store.AWS_ACCOUNT_ALIAS,
        first_member=dict(AWS_MEMBER),
    )
    invitation = new_invitation(
        sim, state, engagement=engagement, payload=payload, from_aws=True, message=message
    )
    return _invitation_view(invitation)


def _default_customer() -> dict:
    return {
        "Industry": "Software and Internet",
        "CompanyName": "Referred Customer Ltd",
        "WebsiteUrl": "https://customer.example.com",
        "CountryCode": "US",
    }


def _default_project(sim: Simulator) -> dict:
    target = sim.today() + dt.timedelta(days=REFERRAL_LEAD_DAYS)
    return {
        "Title": "AWS referral",
        "BusinessProblem": "The customer wants to migrate its workloads to AWS.",
        "TargetCompletionDate": target.isoformat(),
        "ExpectedCustomerSpend": [
            {
                "Amount": "1000",
                "CurrencyCode": "USD",
                "Frequency": "Monthly",
                "TargetCompany": "AWS",
            }
        ],
    }


def _invitation_view(invitation: dict) -> dict:
    return codec.encode(service_model.shape("GetEngagementInvitationResponse"), invitation)


def expire_invitation(sim: Simulator, invitation_id: str) -> dict:
    _, invitation = _locate(sim, "invitations", invitation_id)
    if invitation["Status"] != PENDING:
        raise ControlError(f"invitation {invitation_id} is {invitation['Status']}, not PENDING")
    expire(sim, invitation)
    return _invitation_view(invitation)


# --- engagements and users ---------------------------------------------------------------


def add_engagement_member(
    sim: Simulator,
    engagement_id: str,
    company_name: str,
    account_id: str,
    website_url: str | None = None,
) -> dict:
    state, engagement = _locate(sim, "engagements", engagement_id)
    member = {"CompanyName": company_name, "AccountId": account_id}
    if website_url is not None:
        member["WebsiteUrl"] = website_url
    _check("EngagementMember", member)
    if not add_member_to(sim, state.name, engagement, member):
        raise ControlError(f"account {account_id} is already a member of {engagement_id}")
    return {"EngagementId": engagement_id, "MemberCount": len(engagement["Members"])}


def register_partner_user(
    sim: Simulator, email: str, first_name: str, last_name: str, business_title: str
) -> dict:
    user = {
        "Email": email,
        "FirstName": first_name,
        "LastName": last_name,
        "BusinessTitle": business_title,
    }
    _check("AssigneeContact", user)
    sim.partner_users[email] = user
    return user


def add_solution(
    sim: Simulator,
    state: CatalogState,
    solution_id: str,
    name: str,
    status: str = "Active",
    category: str = "Software Product",
) -> dict:
    solution = {
        "Catalog": state.name,
        "Id": solution_id,
        "Name": name,
        "Status": status,
        "Category": category,
        "CreatedDate": sim.clock.now_ms(),
    }
    shape = service_model.shape("SolutionBase")
    _check("SolutionBase", codec.encode(shape, solution))
    state.solutions[solution_id] = solution
    return codec.encode(shape, solution)
