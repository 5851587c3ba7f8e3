"""Partner Central's documented business rules, as data plus small checks.

These run after the model validation passes and fail with
`BUSINESS_VALIDATION_FAILED`. Sources: the Partner Central developer guide
(https://docs.aws.amazon.com/partner-central/latest/developer-guide/) and the API reference
(https://docs.aws.amazon.com/partner-central/latest/APIReference/).
The functions are pure: they take values and return FieldErrors.
"""

from __future__ import annotations

import datetime as dt

from . import service_model
from .errors import FieldError
from .required_fields import required_field_errors, value_at
from .validation import compiled_pattern

# --- Editability by review status -----------------------------------------------------

LOCKED_REVIEW_STATUSES = frozenset({"Submitted", "In review"})

# "Working with opportunity updates"
# (https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-opportunity-updates.html),
# rule 4: in `Action Required` only these fields may change, as the guide lists them
# (its `Address.Country` and `EstimationURL` are the model's `CountryCode` and
# `EstimationUrl`). ExpectedCustomerSpend is a list and changes as a whole: it is
# open because the guide opens its members.
ACTION_REQUIRED_EDITABLE = (
    "Customer.Account.Address.City",
    "Customer.Account.Address.CountryCode",
    "Customer.Account.Address.PostalCode",
    "Customer.Account.Address.StateOrRegion",
    "Customer.Account.Address.StreetAddress",
    "Customer.Account.WebsiteUrl",
    "LifeCycle.TargetCloseDate",
    "Project.ExpectedCustomerSpend.Amount",
    "Project.ExpectedCustomerSpend.CurrencyCode",
    "Project.ExpectedCustomerSpend.EstimationUrl",
    "Project.ExpectedCustomerSpend.Frequency",
    "Project.ExpectedCustomerSpend.TargetCompany",
    "Project.CustomerBusinessProblem",
    "PartnerOpportunityIdentifier",
)

# The same guide, rule 5: after `Approved` these fields cannot be updated. It
# does not name `OtherIndustry`, so the simulator accepts a change to it.
APPROVED_LOCKED_BY_GUIDE = (
    "Customer.Account.Address.CountryCode",
    "Customer.Account.Address.PostalCode",
    "Customer.Account.Industry",
    "Customer.Account.WebsiteUrl",
    "Project.CustomerBusinessProblem",
    "PartnerOpportunityIdentifier",
    "Project.Title",
)
# The field catalogue (Opportunity-Fields.csv, columns "Update - Action Required" /
# "Updates up until Launched/Lost") also marks these two not updatable.
APPROVED_LOCKED_BY_CATALOGUE = (
    "Customer.Account.CompanyName",
    "Customer.Account.Address.StateOrRegion",
)
APPROVED_LOCKED = APPROVED_LOCKED_BY_GUIDE + APPROVED_LOCKED_BY_CATALOGUE

# LifeCycle members AWS owns: never taken from an update payload (ReviewStatus
# is the Sandbox exception, handled by the update operation).
AWS_OWNED_LIFECYCLE_MEMBERS = (
    "ReviewStatus",
    "ReviewComments",
    "ReviewStatusReason",
    "NextStepsHistory",
)

# The data members of an opportunity a partner sends in UpdateOpportunity.
UPDATE_IDENTITY_MEMBERS = ("Catalog", "Identifier", "LastModifiedDate")


def opportunity_data_members() -> tuple[str, ...]:
    names = service_model.member_names("UpdateOpportunityRequest")
    return tuple(name for name in names if name not in UPDATE_IDENTITY_MEMBERS)


def partner_owned_view(record: dict) -> dict:
    """The part of an opportunity a partner's update replaces."""
    view = {name: record[name] for name in opportunity_data_members() if name in record}
    if "LifeCycle" in view:
        lifecycle = {
            key: value
            for key, value in view["LifeCycle"].items()
            if key not in AWS_OWNED_LIFECYCLE_MEMBERS
        }
        view["LifeCycle"] = lifecycle
    return view


def changed_paths(before, after, path: str = "") -> set[str]:
    """Dotted paths whose values differ; lists compare whole, objects member by member."""
    if isinstance(before, dict) or isinstance(after, dict):
        before_map = before if isinstance(before, dict) else {}
        after_map = after if isinstance(after, dict) else {}
        changes: set[str] = set()
        for key in set(before_map) | set(after_map):
            child = f"{path}.{key}" if path else key
            changes |= changed_paths(before_map.get(key), after_map.get(key), child)
        return changes
    return set() if _empty_equal(before, after) else {path}


def _empty_equal(before, after) -> bool:
    # An absent list and an empty list mean the same thing to Partner Central.
    if before in (None, []) and after in (None, []):
        return True
    return before == after


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def editability_errors(
    review_status: str, changes: set[str], simulating_review: bool = False
) -> list[FieldError]:
    """Errors for changing `changes` in this review status.

    While Submitted or In review no update is accepted at all, except the
    Sandbox's review simulation (which may change nothing else).
    """
    if review_status in LOCKED_REVIEW_STATUSES:
        if simulating_review and not changes:
            return []
        return [
            FieldError(
                "LifeCycle.ReviewStatus",
                f"The opportunity cannot be updated while its review status is {review_status}.",
                "INVALID_RESOURCE_STATE",
            )
        ]
    if review_status == "Action Required":
        blocked = [p for p in changes if not _opened_in_action_required(p)]
        return [_not_permitted(path, review_status) for path in sorted(blocked)]
    if review_status == "Approved":
        blocked = [p for p in changes if any(_under(p, locked) for locked in APPROVED_LOCKED)]
        return [_not_permitted(path, review_status) for path in sorted(blocked)]
    return []


def _opened_in_action_required(path: str) -> bool:
    # A list path (ExpectedCustomerSpend) is open when the guide opens its members.
    return any(_under(path, opened) or _under(opened, path) for opened in ACTION_REQUIRED_EDITABLE)


def _not_permitted(path: str, review_status: str) -> FieldError:
    return FieldError(
        path,
        f"This field cannot be changed while the review status is {review_status}.",
        "ACTION_NOT_PERMITTED",
    )


# --- Content rules on create and update -----------------------------------------------

SANDBOX_ONLY_ORIGINS = frozenset({"AWS Referral"})


def origin_errors(origin: str | None, catalog: str) -> list[FieldError]:
    if origin in SANDBOX_ONLY_ORIGINS and catalog != "Sandbox":
        return [
            FieldError(
                "Origin", f"{origin} can only be used in the Sandbox catalog.", "INVALID_VALUE"
            )
        ]
    return []


def content_errors(payload: dict, today: dt.date) -> list[FieldError]:
    """Rules over an opportunity payload (create request or full update)."""
    return (
        _industry_errors(payload)
        + _target_close_date_errors(payload, today)
        + _national_security_errors(payload)
        + required_field_errors(payload)
    )


def _industry_errors(payload: dict) -> list[FieldError]:
    account = payload.get("Customer", {}).get("Account", {})
    if account.get("Industry") == "Other" and not account.get("OtherIndustry"):
        return [
            FieldError(
                "Customer.Account.OtherIndustry",
                "OtherIndustry is required when Industry is Other.",
                "REQUIRED_FIELD_MISSING",
            )
        ]
    return []


def _target_close_date_errors(payload: dict, today: dt.date) -> list[FieldError]:
    value = payload.get("LifeCycle", {}).get("TargetCloseDate")
    if value is None:
        return []
    field_name = "LifeCycle.TargetCloseDate"
    try:
        target = dt.date.fromisoformat(value)
    except ValueError:
        return [FieldError(field_name, f"{value} is not a calendar date.", "INVALID_VALUE")]
    if target < today:
        return [FieldError(field_name, "TargetCloseDate must not be in the past.", "INVALID_VALUE")]
    return []


def _national_security_errors(payload: dict) -> list[FieldError]:
    industry = payload.get("Customer", {}).get("Account", {}).get("Industry")
    if payload.get("NationalSecurity") == "Yes" and industry != "Government":
        return [
            FieldError(
                "NationalSecurity",
                "NationalSecurity can be Yes only when Industry is Government.",
                "INVALID_VALUE",
            )
        ]
    return []


# --- Associations ------------------------------------------------------------------------

ASSOCIATION_LIMITS = {
    "AwsProducts": 20,
    "Solutions": 10,
    "AwsMarketplaceSolutions": 10,
    "AwsMarketplaceProducts": 10,
    "AwsMarketplaceOffers": 1,
    "AwsMarketplaceOfferSets": 1,
}
# An opportunity carries one private offer or one offer set, never both. Sources:
# the quotas page ("1 Marketplace private offer" per opportunity) and the model's
# RelatedEntityIdentifiers.AwsMarketplaceOffers doc string ("Takes one value per
# opportunity").
MUTUALLY_EXCLUSIVE_ASSOCIATIONS = ("AwsMarketplaceOffers", "AwsMarketplaceOfferSets")
# What counts as "a solution" for submission.
SUBMISSION_SOLUTION_TYPES = ("Solutions", "AwsMarketplaceSolutions")


def related_identifier_errors(entity_type: str, identifier: str) -> list[FieldError]:
    """Check the identifier's format with the pattern the model gives its list member."""
    list_shape = service_model.member_shape("RelatedEntityIdentifiers", entity_type)
    pattern = list_shape.member.metadata.get("pattern")
    if pattern and not compiled_pattern(pattern).fullmatch(identifier):
        return [
            FieldError(
                "RelatedEntityIdentifier",
                f"Not a valid {entity_type} identifier (pattern {pattern}).",
                "INVALID_STRING_FORMAT",
            )
        ]
    return []


def association_errors(related: dict, entity_type: str, identifier: str) -> list[FieldError]:
    current = related.get(entity_type, [])
    if identifier in current:
        return []
    if len(current) >= ASSOCIATION_LIMITS[entity_type]:
        return [
            FieldError(
                "RelatedEntityIdentifier",
                f"An opportunity can have at most {ASSOCIATION_LIMITS[entity_type]} {entity_type}.",
                "TOO_MANY_VALUES",
            )
        ]
    if entity_type in MUTUALLY_EXCLUSIVE_ASSOCIATIONS:
        (other,) = (t for t in MUTUALLY_EXCLUSIVE_ASSOCIATIONS if t != entity_type)
        if related.get(other):
            return [
                FieldError(
                    "RelatedEntityType",
                    f"An opportunity can have {entity_type} or {other}, not both.",
                    "ACTION_NOT_PERMITTED",
                )
            ]
    return []


def solution_status_errors(solution: dict) -> list[FieldError]:
    """Only Active solutions are associated: the model's SolutionBase.Status doc
    string says "Filter for Active solutions for association to an opportunity"
    (Inactive and Draft are its other values)."""
    if solution.get("Status") == "Active":
        return []
    return [
        FieldError(
            "RelatedEntityIdentifier",
            f"Solution {solution['Id']} is {solution.get('Status')}; only Active solutions"
            " can be associated.",
            "INVALID_RESOURCE_STATE",
        )
    ]


def has_solution(related: dict) -> bool:
    return any(related.get(kind) for kind in SUBMISSION_SOLUTION_TYPES)


# --- Submission -----------------------------------------------------------------------

SUBMITTABLE_REVIEW_STATUSES = frozenset({"Pending Submission", "Action Required"})
# Model doc of LifeCycle.Stage: "A lead and a prospect must be further matured to
# a Qualified opportunity before submission. Opportunities that were closed/lost
# before submission aren't suitable for submission."
UNSUBMITTABLE_STAGES = frozenset({"Prospect", "Closed Lost"})
# Field catalogue, partnerPrimaryNeedFromAws: "To change an opportunity to Co-sell
# with AWS ... you need to provide the following information: Specific needs to
# Co-sell, Pre-sales activities, Next steps, Customer contact".
CO_SELL_REQUIREMENTS = {
    "PrimaryNeedsFromAws": "the specific needs to co-sell",
    "Project.SalesActivities": "the pre-sales activities",
    "LifeCycle.NextSteps": "the next steps",
    "Customer.Contacts": "a customer contact",
}


def readiness_errors(record: dict, involvement_type: str | None) -> list[FieldError]:
    """The stage and, for Co-Sell, the details AWS needs to work the opportunity."""
    errors = []
    stage = value_at(record, "LifeCycle.Stage")
    if stage in UNSUBMITTABLE_STAGES:
        errors.append(
            FieldError(
                "LifeCycle.Stage",
                f"An opportunity in stage {stage} cannot be submitted; it must be Qualified "
                "or later.",
                "INVALID_RESOURCE_STATE",
            )
        )
    if involvement_type == "Co-Sell":
        errors += [
            FieldError(path, f"Co-Sell needs {what}.", "REQUIRED_FIELD_MISSING")
            for path, what in CO_SELL_REQUIREMENTS.items()
            if not value_at(record, path)
        ]
    return errors


def submission_errors(record: dict, involvement_type: str | None = None) -> list[FieldError]:
    errors = readiness_errors(record, involvement_type)
    status = record.get("LifeCycle", {}).get("ReviewStatus")
    if status not in SUBMITTABLE_REVIEW_STATUSES:
        errors.append(
            FieldError(
                "LifeCycle.ReviewStatus",
                f"An opportunity in review status {status} cannot be submitted.",
                "INVALID_RESOURCE_STATE",
            )
        )
    if not has_solution(record.get("RelatedEntityIdentifiers", {})):
        errors.append(
            FieldError(
                "RelatedEntityIdentifiers.Solutions",
                "Associate at least one solution before submitting the opportunity.",
                "NOT_ENOUGH_VALUES",
            )
        )
    return errors


# --- Invitations ----------------------------------------------------------------------

INVITATION_LIFETIME_SECONDS = 15 * 24 * 60 * 60
