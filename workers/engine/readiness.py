"""Pre-flight: would Partner Central accept this opportunity, and if not, what must a rep fill?

The service enforces business rules the model does not carry (mandatory
fields, value lists kept in documentation, US-only states, submission
readiness). A payload that breaks one is refused whole, and because
``UpdateOpportunity`` replaces the whole opportunity, one refusal would block
every other field of the deal. So pcsync checks each create, update and
submission first, and sends nothing that would be refused.

Sources (this is pcsync's own reading of them, kept apart from the simulator):
the model's member documentation ("This is a required field", "Valid values",
"only allowed when"), the API reference of CreateOpportunity ("There's a set of
mandatory fields"), AWS's field catalogue for CRM integrations
(aws-samples/partner-crm-integration-samples, opportunity-samples/Opportunity-Fields.csv,
CountriesWithoutPostalCode.csv) and the model doc of ``LifeCycle.Stage`` on
submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from . import model
from .deal_inputs import DEAL_INPUTS_BY_NAME
from .paths import get_path

# AWS's list of countries whose addresses have no postal code.
COUNTRIES_WITHOUT_POSTAL_CODE = frozenset(
    (
        "AE", "AG", "AN", "AO", "AW", "BF", "BI", "BJ", "BO", "BQ", "BS", "BW", "BZ", "CF", "CG",
        "CI", "CK", "CM", "CW", "DJ", "DM", "ER", "FJ", "GD", "GH", "GM", "GQ", "GY", "HK", "HM",
        "KI", "KM", "KN", "LY", "ML", "MO", "MR", "MW", "NR", "NU", "QA", "RW", "SB", "SC", "SH",
        "SL", "SR", "ST", "SY", "TF", "TG", "TK", "TL", "TO", "TV", "UG", "VU", "YE", "ZW",
    )
)  # fmt: skip

MISSING, INVALID, PAST, NOT_YET = "missing", "invalid", "past", "not_yet"


@dataclass(frozen=True)
class Gap:
    """One thing Partner Central would refuse, by the path of the value it needs."""

    path: str
    problem: str = MISSING

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "problem": self.problem}


class NeedsInput(Exception):
    """The deal lacks what AWS requires; nothing was sent. Picklable (gaps in args)."""

    def __init__(self, gaps: list[Gap], message: str):
        super().__init__(gaps, message)

    @property
    def gaps(self) -> list[Gap]:
        return self.args[0]

    @property
    def message(self) -> str:
        return self.args[1]

    def __str__(self) -> str:
        return self.message


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _national_security(document: dict) -> bool:
    return document.get("NationalSecurity") == "Yes"


# --- create and every update ----------------------------------------------------------------

# Always required (catalogue "Mandatory"; the model doc of Industry).
ALWAYS_REQUIRED = (
    "Customer.Account.CompanyName",
    "Customer.Account.Industry",
    "Customer.Account.Address.CountryCode",
    "Project.Title",
    "Project.CustomerBusinessProblem",
    "Project.CustomerUseCase",
    "Project.DeliveryModels",
    "Project.SalesActivities",
    "Project.ExpectedCustomerSpend",
    "PrimaryNeedsFromAws",
    "Marketing.Source",
    "LifeCycle.TargetCloseDate",
)

# path → (the member that makes it required, the values that do).
CONDITIONALLY_REQUIRED = {
    "Customer.Account.OtherIndustry": ("Customer.Account.Industry", {model.INDUSTRY_OTHER}),
    "LifeCycle.ClosedLostReason": ("LifeCycle.Stage", {"Closed Lost"}),
    "Project.OtherCompetitorNames": ("Project.CompetitorName", {"*Other"}),
    "Project.RelatedOpportunityIdentifier": ("OpportunityType", {"Flat Renewal"}),
    "Marketing.AwsFundingUsed": ("Marketing.Source", {"Marketing Activity"}),
}


def opportunity_gaps(document: dict[str, Any], *, today: date) -> list[Gap]:
    """What Partner Central would refuse in a create request or a full update
    (a nested opportunity document), in a stable order."""
    no_company = _empty(get_path(document, "Customer.Account"))
    gaps = [Gap("Customer.Account")] if no_company else []
    gaps += [
        Gap(path)
        for path in ALWAYS_REQUIRED
        if _empty(get_path(document, path)) and not (no_company and path in COMPANY_NEEDS)
    ]
    for path, (trigger, values) in CONDITIONALLY_REQUIRED.items():
        if get_path(document, trigger) in values and _empty(get_path(document, path)):
            gaps.append(Gap(path))
    gaps += _website_gaps(document) + _address_gaps(document) + _value_gaps(document, today)
    return gaps


def _website_gaps(document: dict) -> list[Gap]:
    # Model doc of WebsiteUrl: "required in all cases except when the
    # opportunity is related to national security".
    path = "Customer.Account.WebsiteUrl"
    if _national_security(document) or not _empty(get_path(document, path)):
        return []
    return [Gap(path)]


def _address_gaps(document: dict) -> list[Gap]:
    country = get_path(document, "Customer.Account.Address.CountryCode")
    postal_code = get_path(document, "Customer.Account.Address.PostalCode")
    state = get_path(document, "Customer.Account.Address.StateOrRegion")
    gaps = []
    if country and country not in COUNTRIES_WITHOUT_POSTAL_CODE and _empty(postal_code):
        gaps.append(Gap("Customer.Account.Address.PostalCode"))
    state_path = "Customer.Account.Address.StateOrRegion"
    if country == "US" and _empty(state) and not _national_security(document):
        gaps.append(Gap(state_path))
    elif not _empty(state) and (country != "US" or state not in model.US_STATES):
        gaps.append(Gap(state_path, INVALID))
    return gaps


def _value_gaps(document: dict, today: date) -> list[Gap]:
    gaps = []
    use_case = get_path(document, "Project.CustomerUseCase")
    if not _empty(use_case) and use_case not in model.CUSTOMER_USE_CASES:
        gaps.append(Gap("Project.CustomerUseCase", INVALID))
    spend = get_path(document, "Project.ExpectedCustomerSpend") or []
    if any(not _acceptable_spend(entry) for entry in spend):
        gaps.append(Gap("Project.ExpectedCustomerSpend", INVALID))
    close = get_path(document, "LifeCycle.TargetCloseDate")
    if close and close < today.isoformat():
        gaps.append(Gap("LifeCycle.TargetCloseDate", PAST))
    return gaps


def _acceptable_spend(entry: dict) -> bool:
    try:
        positive = Decimal(str(entry.get("Amount"))) > 0
    except InvalidOperation:
        positive = False
    return positive and entry.get("CurrencyCode") in model.SPEND_CURRENCIES


# --- submission ------------------------------------------------------------------------------

# Model doc of LifeCycle.Stage: "A lead and a prospect must be further matured to
# a Qualified opportunity before submission. Opportunities that were closed/lost
# before submission aren't suitable for submission."
UNSUBMITTABLE_STAGES = frozenset({"Prospect", "Closed Lost"})
# Catalogue, partnerPrimaryNeedFromAws: to co-sell, AWS needs "Specific needs to
# Co-sell, Pre-sales activities, Next steps, Customer contact".
CO_SELL_NEEDS = (
    "PrimaryNeedsFromAws",
    "Project.SalesActivities",
    "LifeCycle.NextSteps",
    "Customer.Contacts",
)


def submission_gaps(fields: dict[str, Any], involvement_type: str) -> list[Gap]:
    """What stops a submission, from synced field values by path (a base
    snapshot, or :func:`~workers.engine.mapping.extract_pc_fields` of the opportunity)."""
    gaps = []
    if fields.get("LifeCycle.Stage") in UNSUBMITTABLE_STAGES:
        gaps.append(Gap("LifeCycle.Stage", NOT_YET))
    if involvement_type == "Co-Sell":
        gaps += [Gap(path) for path in CO_SELL_NEEDS if _empty(fields.get(path))]
    return gaps


# --- in a sales rep's words ------------------------------------------------------------------

# HubSpot's own deal properties, by the label reps see.
HUBSPOT_DEAL_LABELS = {
    "dealname": "Deal name",
    "description": "Deal description",
    "closedate": "Close date",
    "amount": "Amount",
    "dealstage": "Deal stage",
    "dealtype": "Deal type",
    "hs_next_step": "Next step",
}
# What the associated company lacks, as a rep would say it.
COMPANY_NEEDS = {
    "Customer.Account.CompanyName": "a name",
    "Customer.Account.Industry": "an industry",
    "Customer.Account.OtherIndustry": "an industry",
    "Customer.Account.WebsiteUrl": "a website",
    "Customer.Account.Address.CountryCode": "a country",
    "Customer.Account.Address.PostalCode": "a postal code",
    "Customer.Account.Address.StateOrRegion": "a US state",
}
# Hints that are not "fill this property".
SPECIAL_HINTS = {
    ("LifeCycle.TargetCloseDate", PAST): "move 'Close date' to a future date",
    ("Customer.Account.Address.StateOrRegion", INVALID): (
        "the company's state is sent only for US companies, as a US state name or code"
    ),
    ("Project.ExpectedCustomerSpend", INVALID): (
        "set 'AWS expected monthly spend' (AWS takes a monthly figure above 0 in USD or EUR)"
    ),
    ("Customer.Contacts", MISSING): "associate a contact with the deal",
    ("Customer.Account", MISSING): "associate a company with the deal",
    ("Project.RelatedOpportunityIdentifier", MISSING): (
        "a Flat Renewal needs the opportunity it renews, which pcsync does not set: "
        "choose another deal type"
    ),
}
STAGE_HINTS = {
    "Prospect": "move the deal past Prospect: AWS takes submissions from Qualified on",
    "Closed Lost": "a Closed Lost deal cannot be submitted to AWS",
}


def _label(property_name: str) -> str:
    item = DEAL_INPUTS_BY_NAME.get(property_name)
    return item.label if item else HUBSPOT_DEAL_LABELS.get(property_name, property_name)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def sales_rep_message(gaps: list[Gap], config, stage: str | None = None) -> str:
    """One sentence naming each HubSpot property to fill, e.g. "Set 'AWS use
    case' and 'AWS delivery models'; the company needs a postal code"."""
    to_set: list[str] = []
    company: list[str] = []
    other: list[str] = []
    for gap in gaps:
        if gap.path == "LifeCycle.Stage":
            other.append(STAGE_HINTS.get(stage or "", "the deal's stage cannot be submitted"))
        elif (gap.path, gap.problem) in SPECIAL_HINTS:
            other.append(SPECIAL_HINTS[gap.path, gap.problem])
        elif gap.path in COMPANY_NEEDS:
            company.append(COMPANY_NEEDS[gap.path])
        elif gap.path in config.fields:
            to_set.append(f"'{_label(config.settings(gap.path).properties[0])}'")
        else:
            other.append(f"Partner Central needs {gap.path}")
    parts = []
    if to_set:
        parts.append(f"Set {_joined(list(dict.fromkeys(to_set)))}")
    if company:
        parts.append(f"the company needs {_joined(list(dict.fromkeys(company)))}")
    parts += list(dict.fromkeys(other))
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:]
