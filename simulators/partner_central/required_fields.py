"""What the real service requires of every opportunity it stores, beyond the model.

The model marks almost every opportunity member optional; the service does
not. `UpdateOpportunity` replaces the whole opportunity, so these rules run
on every update as well as on the create.

Sources, quoted at each rule:
- [model] the `documentation` strings of the botocore service model
  (`partnercentral-selling/2022-07-26/service-2.json`), read here at run time
  where they carry a value list;
- [catalogue] AWS's field catalogue for CRM integrations,
  aws-samples/partner-crm-integration-samples `opportunity-samples/Opportunity-Fields.csv`
  (column "Inbound - Mandatory / Conditionally Mandatory / Optional" and
  "Conditions when Mandatory (Biz Validation)") and
  `opportunity-samples/CountriesWithoutPostalCode.csv`;
- [api] AWS API reference, CreateOpportunity: "There's a set of mandatory
  fields to create opportunities".
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

from . import service_model
from .errors import FieldError

REQUIRED = "REQUIRED_FIELD_MISSING"
INVALID = "INVALID_VALUE"

# [catalogue] CountriesWithoutPostalCode.csv (ISO 3166 alpha-2).
COUNTRIES_WITHOUT_POSTAL_CODE = frozenset(
    [
        "AE",
        "AG",
        "AN",
        "AO",
        "AW",
        "BF",
        "BI",
        "BJ",
        "BO",
        "BQ",
        "BS",
        "BW",
        "BZ",
        "CF",
        "CG",
        "CI",
        "CK",
        "CM",
        "CW",
        "DJ",
        "DM",
        "ER",
        "FJ",
        "GD",
        "GH",
        "GM",
        "GQ",
        "GY",
        "HK",
        "HM",
        "KI",
        "KM",
        "KN",
        "LY",
        "ML",
        "MO",
        "MR",
        "MW",
        "NR",
        "NU",
        "QA",
        "RW",
        "SB",
        "SC",
        "SH",
        "SL",
        "SR",
        "ST",
        "SY",
        "TF",
        "TG",
        "TK",
        "TL",
        "TO",
        "TV",
        "UG",
        "VU",
        "YE",
        "ZW",
    ]
)
# [model] ExpectedCustomerSpend.CurrencyCode: "Accepted values are USD (US Dollars) and EUR".
SPEND_CURRENCIES = frozenset({"USD", "EUR"})


@functools.cache
def documented_values(structure: str, member: str) -> frozenset[str]:
    """The "Valid values: a | b | c" list of a member's documentation."""
    doc = service_model.shape(structure).members[member].documentation
    match = re.search(r"Valid values:\s*<code>(.*?)</code>", doc, re.S)
    if match is None:
        raise LookupError(f"{structure}.{member} documents no value list")
    return frozenset(html.unescape(v).strip() for v in match.group(1).split(" | "))


def value_at(payload: dict, dotted: str):
    value = payload
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _missing(value) -> bool:
    return value is None or value == "" or value == []


def _required(path: str, why: str) -> FieldError:
    return FieldError(path, f"{path} is required: {why}.", REQUIRED)


def _national_security(payload: dict) -> bool:
    return payload.get("NationalSecurity") == "Yes"


# Each rule: payload -> errors. Kept one per documented rule so each is tested alone.
Rule = Callable[[dict], list[FieldError]]


def _always_required(path: str, why: str, *, unless_national_security: bool = False) -> Rule:
    def rule(payload: dict) -> list[FieldError]:
        if unless_national_security and _national_security(payload):
            return []
        return [_required(path, why)] if _missing(value_at(payload, path)) else []

    return rule


def _postal_code(payload: dict) -> list[FieldError]:
    # [catalogue] postalCode: Mandatory, "Exception: Not mandatory for countries
    # without a postal code".
    country = value_at(payload, "Customer.Account.Address.CountryCode")
    if country in COUNTRIES_WITHOUT_POSTAL_CODE or _national_security(payload):
        return []
    path = "Customer.Account.Address.PostalCode"
    if _missing(value_at(payload, path)):
        return [_required(path, f"customers in {country or 'this country'} have postal codes")]
    return []


def _state_or_region(payload: dict) -> list[FieldError]:
    # [catalogue] state: "Conditionally Mandatory: When country = United States";
    # "Value to this field will be accepted only when country is United States.
    # Any value outside the permitted list will receive an Invalid Value Error."
    # [model] Address.StateOrRegion documents the permitted list.
    path = "Customer.Account.Address.StateOrRegion"
    state = value_at(payload, path)
    country = value_at(payload, "Customer.Account.Address.CountryCode")
    if country != "US":
        if _missing(state):
            return []
        return [FieldError(path, "StateOrRegion is accepted only for the United States.", INVALID)]
    if _missing(state):
        if _national_security(payload):
            return []
        return [_required(path, "the customer is in the United States")]
    if state not in documented_values("Address", "StateOrRegion"):
        return [FieldError(path, f"{state!r} is not one of the documented states.", INVALID)]
    return []


def _customer_use_case(payload: dict) -> list[FieldError]:
    # [catalogue] Project.CustomerUseCase: Mandatory. [model] "Valid values: ...".
    path = "Project.CustomerUseCase"
    value = value_at(payload, path)
    if _missing(value):
        return [_required(path, "the use case of the workload")]
    if value not in documented_values("Project", "CustomerUseCase"):
        return [FieldError(path, f"{value!r} is not one of the documented use cases.", INVALID)]
    return []


def _expected_spend(payload: dict) -> list[FieldError]:
    # [catalogue] expectedMonthlyAwsRevenue: Mandatory, "Greater than 0", monthly
    # ("distribute ARR across 12 months"). [model] Amount: "estimated monthly
    # revenue"; CurrencyCode: "Accepted values are USD ... and EUR".
    path = "Project.ExpectedCustomerSpend"
    entries = value_at(payload, path)
    if _missing(entries):
        return [_required(path, "the expected monthly AWS spend")]
    errors = []
    for index, entry in enumerate(entries):
        at = f"{path}[{index}]"
        if not _positive(entry.get("Amount")):
            errors.append(FieldError(f"{at}.Amount", "Amount must be greater than 0.", INVALID))
        if entry.get("CurrencyCode") not in SPEND_CURRENCIES:
            errors.append(
                FieldError(f"{at}.CurrencyCode", "CurrencyCode must be USD or EUR.", INVALID)
            )
        if entry.get("TargetCompany") == "AWS" and entry.get("Frequency") != "Monthly":
            errors.append(
                FieldError(f"{at}.Frequency", "AWS spend is expected per month.", INVALID)
            )
    return errors


def _positive(amount) -> bool:
    try:
        return float(amount) > 0
    except (TypeError, ValueError):
        return False


def _marketing(payload: dict) -> list[FieldError]:
    # [catalogue] IsOppFromMarketingActivity (Marketing.Source): Mandatory; "When
    # this field is No the fields marketingActivityChannel, marketingActivityUsecase,
    # isMarketingDevelopmentFunded and awsSFCampaignName must be null";
    # isMarketingDevelopmentFunded: "Conditionally Mandatory When
    # IsOppFromMarketingActivity = Yes". [model] UseCases: "Must be empty when
    # Marketing.AWSFundingUsed = No".
    marketing = payload.get("Marketing") or {}
    source = marketing.get("Source")
    if _missing(source):
        return [_required("Marketing.Source", "Marketing Activity or None")]
    if source == "None":
        return [
            FieldError(f"Marketing.{name}", f"{name} must be empty when Source is None.", INVALID)
            for name in ("CampaignName", "Channels", "UseCases", "AwsFundingUsed")
            if not _missing(marketing.get(name))
        ]
    errors = []
    if _missing(marketing.get("AwsFundingUsed")):
        errors.append(_required("Marketing.AwsFundingUsed", "the source is a marketing activity"))
    if marketing.get("AwsFundingUsed") == "No" and not _missing(marketing.get("UseCases")):
        errors.append(
            FieldError(
                "Marketing.UseCases", "UseCases must be empty when AwsFundingUsed is No.", INVALID
            )
        )
    return errors


def _closed_lost_reason(payload: dict) -> list[FieldError]:
    # [catalogue] closedLostReason: Conditionally Mandatory when the stage is
    # Closed Lost. [model] LifeCycle.ClosedLostReason: "the reason code when an
    # opportunity is marked as Closed Lost".
    path = "LifeCycle.ClosedLostReason"
    if value_at(payload, "LifeCycle.Stage") == "Closed Lost" and _missing(value_at(payload, path)):
        return [_required(path, "the stage is Closed Lost")]
    return []


def _other_competitors(payload: dict) -> list[FieldError]:
    # [catalogue] otherCompetitorNames: Conditionally Mandatory when
    # competitorName is "*Other". [model] OtherCompetitorNames: "Only allowed
    # when CompetitorNames has Other selected".
    path = "Project.OtherCompetitorNames"
    if value_at(payload, "Project.CompetitorName") == "*Other":
        return (
            [_required(path, "the competitor is *Other")]
            if _missing(value_at(payload, path))
            else []
        )
    if not _missing(value_at(payload, path)):
        return [FieldError(path, "Only allowed when CompetitorName is *Other.", INVALID)]
    return []


def _parent_of_renewal(payload: dict) -> list[FieldError]:
    # [catalogue] parentOppId (Project.RelatedOpportunityIdentifier):
    # Conditionally Mandatory 'When Opportunity Type is set to "Flat Renewal"'.
    path = "Project.RelatedOpportunityIdentifier"
    if payload.get("OpportunityType") == "Flat Renewal" and _missing(value_at(payload, path)):
        return [_required(path, "a Flat Renewal names the opportunity it renews")]
    return []


def _at_least_one(path: str, why: str) -> Rule:
    return _always_required(path, f"at least one value ({why})")


RULES: tuple[Rule, ...] = (
    # Customer.Account.CompanyName is a required member of the model's Account
    # shape, so model validation refuses its absence before these rules run.
    # [model] Account.Industry: "This is a required field."
    _always_required("Customer.Account.Industry", "the customer's industry"),
    # [model] Account.WebsiteUrl: "required in all cases except when the
    # opportunity is related to national security".
    _always_required(
        "Customer.Account.WebsiteUrl", "the customer's website", unless_national_security=True
    ),
    # [catalogue] country: Mandatory.
    _always_required("Customer.Account.Address.CountryCode", "the customer's country"),
    _postal_code,
    _state_or_region,
    # [catalogue] partnerProjectTitle: Mandatory.
    _always_required("Project.Title", "the opportunity's title"),
    # [catalogue] projectDescription: Mandatory, "Must be minimum 20 characters"
    # (the length itself is the model's pattern, checked before these rules).
    _always_required("Project.CustomerBusinessProblem", "the customer's business problem"),
    _customer_use_case,
    # [catalogue] deliveryModel: Mandatory.
    _at_least_one("Project.DeliveryModels", "how the solution is delivered"),
    # [catalogue] salesActivities: Mandatory.
    _at_least_one("Project.SalesActivities", "what was done with the customer"),
    _expected_spend,
    # [catalogue] partnerPrimaryNeedFromAws: Mandatory.
    _at_least_one("PrimaryNeedsFromAws", "what the partner needs from AWS"),
    _marketing,
    # [catalogue] targetCloseDate: Mandatory (the date check is in rules.py).
    _always_required("LifeCycle.TargetCloseDate", "the expected close date"),
    _closed_lost_reason,
    _other_competitors,
    _parent_of_renewal,
)


def required_field_errors(payload: dict) -> list[FieldError]:
    """Every broken rule of an opportunity payload (create request or full update)."""
    return [error for rule in RULES for error in rule(payload)]
