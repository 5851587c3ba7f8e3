"""What submitting an opportunity to AWS requires, and what AWS receives.

StartEngagementFromOpportunityTask sends AWS an invitation (and creates an
engagement context) built from the opportunity; the model requires those
shapes' members, so the opportunity fields they come from are required
before submission.
"""

from __future__ import annotations

from .. import rules, service_model, validation
from ..errors import FieldError

# Where the invitation (and engagement context) AWS receives takes each value from
# the opportunity: these are therefore required before an opportunity is submitted.
INVITATION_CUSTOMER_SOURCES = {
    "Industry": "Customer.Account.Industry",
    "CompanyName": "Customer.Account.CompanyName",
    "WebsiteUrl": "Customer.Account.WebsiteUrl",
    "CountryCode": "Customer.Account.Address.CountryCode",
}
INVITATION_PROJECT_SOURCES = {
    "Title": "Project.Title",
    "BusinessProblem": "Project.CustomerBusinessProblem",
    "TargetCompletionDate": "LifeCycle.TargetCloseDate",
    "ExpectedCustomerSpend": "Project.ExpectedCustomerSpend",
}
# What the partner takes on when it submits to AWS for co-selling.
SUBMISSION_RECEIVER_RESPONSIBILITIES = ["Co-Sell Facilitator"]


def _pick(record: dict, sources: dict[str, str]) -> dict:
    picked = {target: rules.value_at(record, source) for target, source in sources.items()}
    return {key: value for key, value in picked.items() if value is not None}


def _invitation_parts(opportunity: dict) -> tuple[dict, dict]:
    return _pick(opportunity, INVITATION_CUSTOMER_SOURCES), _pick(
        opportunity, INVITATION_PROJECT_SOURCES
    )


def submission_payload_errors(opportunity: dict) -> list[FieldError]:
    """The opportunity fields AWS's invitation needs, checked with the invitation's shapes."""
    customer, project = _invitation_parts(opportunity)
    errors = []
    for shape_name, value, sources in (
        ("EngagementCustomer", customer, INVITATION_CUSTOMER_SOURCES),
        ("ProjectDetails", project, INVITATION_PROJECT_SOURCES),
    ):
        for error in validation.validate(service_model.shape(shape_name), value):
            member = (error.field_name or "").split(".")[0].split("[")[0]
            source = sources.get(member, error.field_name)
            errors.append(
                FieldError(source, f"Required to submit to AWS: {error.message}", error.code)
            )
    return errors


def all_submission_errors(opportunity: dict, involvement_type: str | None) -> list[FieldError]:
    return rules.submission_errors(opportunity, involvement_type) + submission_payload_errors(
        opportunity
    )


def opportunity_invitation_payload(opportunity: dict) -> dict:
    customer, project = _invitation_parts(opportunity)
    payload = {
        "ReceiverResponsibilities": SUBMISSION_RECEIVER_RESPONSIBILITIES,
        "Customer": customer,
        "Project": project,
    }
    contacts = [
        {
            k: v
            for k, v in member.items()
            if k in ("Email", "FirstName", "LastName", "BusinessTitle", "Phone")
        }
        for member in opportunity.get("OpportunityTeam", [])
        if member.get("Email")
    ][:3]
    if contacts:
        payload["SenderContacts"] = contacts
    if opportunity.get("OpportunityType"):
        payload["OpportunityType"] = opportunity["OpportunityType"]
    return {"OpportunityInvitation": payload}


def customer_project_context(opportunity: dict) -> dict:
    customer, project = _invitation_parts(opportunity)
    project.pop("ExpectedCustomerSpend", None)
    return {
        "Type": "CustomerProject",
        "Payload": {"CustomerProject": {"Customer": customer, "Project": project}},
    }
