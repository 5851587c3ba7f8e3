"""The one declared table of synced fields.

Each row names a Partner Central path, the HubSpot object and properties it
comes from, how a HubSpot string becomes a Partner Central value (push), how
that value becomes a HubSpot string again (pull, where it makes sense), and
its default direction and conflict strategy. Configuration may turn rows
off, change directions/strategies and source properties, but not add rows:
every path here is known to the payload builder and the editability rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from . import deal_inputs as inputs
from . import model
from . import normalise as norm
from .industries import PC_TO_HUBSPOT_INDUSTRY
from .outcome import EMPTY, Normalised, accepted, rejected
from .strategies import Direction, Strategy
from .us_states import us_state

if TYPE_CHECKING:
    from .config import EngineConfig

DEAL, COMPANY, CONTACTS = "deal", "company", "contacts"
MARKETING_ACTIVITY = "Marketing Activity"
DEAL_AMOUNT = "amount"

# Contact members we map, in Partner Central's vocabulary, with the HubSpot
# contact properties each is read from (first non-empty wins; the first is
# the one written when a Partner Central edit flows back).
CONTACT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "Email": ("email",),
    "FirstName": ("firstname",),
    "LastName": ("lastname",),
    "Phone": ("phone", "mobilephone"),
    "BusinessTitle": ("jobtitle",),
}
CONTACT_MEMBERS = tuple(CONTACT_PROPERTIES)


@dataclass(frozen=True)
class PushContext:
    """What a normaliser may look at besides its own raw value."""

    deal: dict[str, str]
    company: dict[str, str] | None
    contacts: list[dict]
    today: date
    config: EngineConfig

    @property
    def pipeline(self) -> str:
        return (self.deal.get("pipeline") or "").strip() or self.config.default_pipeline

    @property
    def company_country(self) -> str | None:
        return norm.country_code((self.company or {}).get("country"))


@dataclass(frozen=True)
class PullContext:
    config: EngineConfig
    pipeline: str
    # Sibling values being pulled in the same batch (Industry needs OtherIndustry).
    fields: dict[str, Any] = field(default_factory=dict)


ToPartnerCentral = Callable[[str | None, PushContext], Normalised]
# Returns the HubSpot string, "" to clear, or None when it cannot be expressed.
ToHubSpot = Callable[[Any, PullContext], str | None]


@dataclass(frozen=True)
class FieldSpec:
    path: str
    source: str  # DEAL, COMPANY or CONTACTS
    properties: tuple[str, ...]  # first non-empty wins; the first is written on pull
    to_pc: ToPartnerCentral
    to_hubspot: ToHubSpot | None
    direction: Direction
    strategy: Strategy
    # Partner Central needs a value: an empty HubSpot property leaves the
    # current value alone instead of clearing it.
    required: bool = False


# --- push converters -------------------------------------------------------------


def _text(root: str, member: str) -> ToPartnerCentral:
    limit = model.max_length(root, member)
    return lambda raw, _ctx: norm.normalise_text(raw, limit)


def _postal_code(raw: str | None, _ctx: PushContext) -> Normalised:
    # A shortened postal code is a different postal code: reject instead of cutting.
    result = norm.normalise_text(raw, None)
    limit = model.max_length("Address", "PostalCode")
    if result.value is not None and len(result.value) > limit:
        return rejected(f"postal code longer than {limit} characters")
    return result


def _title(raw: str | None, ctx: PushContext) -> Normalised:
    text = raw or ""
    for tag in ctx.config.title_strip_tags:
        text = re.sub(rf"(?<!\S){re.escape(tag)}(?!\S)", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text)
    return norm.normalise_text(text, model.max_length("Project", "Title"))


def _business_problem(raw: str | None, _ctx: PushContext) -> Normalised:
    return norm.normalise_business_problem(raw)


def _expected_spend(raw: str | None, ctx: PushContext) -> Normalised:
    """Monthly recurring AWS spend, USD or EUR (model doc of ExpectedCustomerSpend:
    "estimated monthly revenue"; CurrencyCode: "Accepted values are USD ... and
    EUR"). ``aws_expected_monthly_spend`` is taken as is; otherwise the deal
    amount is spread over the configured months (AWS: "distribute ARR across 12
    months"), and only when the deal is in USD or EUR."""
    deal_currency = (ctx.deal.get("deal_currency_code") or "").strip().upper()
    if _monthly_figure_given(ctx):
        monthly = norm.normalise_amount(raw)
        currency = deal_currency if deal_currency in model.SPEND_CURRENCIES else ctx.config.currency
    else:
        currency = deal_currency or ctx.config.currency
        if raw and currency not in model.SPEND_CURRENCIES:
            return rejected(f"deal currency {currency} is neither USD nor EUR")
        monthly = norm.spread_amount(raw, ctx.config.spend_months)
    if monthly.value is None:
        return monthly
    entry = {
        "Amount": monthly.value,
        "CurrencyCode": currency,
        "Frequency": model.PAYMENT_FREQUENCIES[0],
        "TargetCompany": "AWS",
    }
    return Normalised([entry], monthly.reason)


def _monthly_figure_given(ctx: PushContext) -> bool:
    """Whether a spend property other than the deal amount holds a value: such a
    property is a monthly figure already (``aws_expected_monthly_spend`` by default)."""
    names = ctx.config.settings("Project.ExpectedCustomerSpend").properties
    return any((ctx.deal.get(n) or "").strip() for n in names if n != DEAL_AMOUNT)


def _choice(item: inputs.DealInput) -> ToPartnerCentral:
    def convert(raw: str | None, _ctx: PushContext) -> Normalised:
        text = (raw or "").strip()
        if not text:
            return EMPTY
        if inputs.unknown_choices(item, text):
            return rejected(f"{text!r} is not an option of {item.name}")
        return accepted(text)

    return convert


def _choices(item: inputs.DealInput) -> ToPartnerCentral:
    def convert(raw: str | None, _ctx: PushContext) -> Normalised:
        chosen = inputs.split_choices(raw)
        if not chosen:
            return EMPTY
        unknown = inputs.unknown_choices(item, raw or "")
        if unknown:
            return rejected(f"{unknown} are not options of {item.name}")
        return accepted(chosen)

    return convert


def _only_when(item: inputs.DealInput, value: str, convert: ToPartnerCentral) -> ToPartnerCentral:
    """A member the service accepts only when another input has ``value``
    (e.g. campaign details only for a marketing activity): empty otherwise."""

    def guarded(raw: str | None, ctx: PushContext) -> Normalised:
        if (ctx.deal.get(item.name) or "").strip() != value:
            return EMPTY
        return convert(raw, ctx)

    return guarded


def _us_state(raw: str | None, ctx: PushContext) -> Normalised:
    """Only for US customers, as the documented full name (model doc of
    Address.StateOrRegion; the field catalogue: "accepted only when country is
    United States"). Elsewhere the state is left out."""
    if ctx.company_country != "US" or not (raw or "").strip():
        return EMPTY
    name = us_state(raw)
    if name is None:
        return rejected(f"{raw.strip()!r} is not a US state")
    return accepted(name)


def _stage(raw: str | None, ctx: PushContext) -> Normalised:
    dealstage = (raw or "").strip()
    if not dealstage:
        return EMPTY
    stages = ctx.config.pipelines.get(ctx.pipeline)
    if stages is None:
        return rejected(f"pipeline {ctx.pipeline!r} has no stage table")
    if dealstage not in stages:
        return rejected(f"deal stage {dealstage!r} of pipeline {ctx.pipeline!r} is not mapped")
    return accepted(stages[dealstage])


def _close_date(raw: str | None, ctx: PushContext) -> Normalised:
    return norm.normalise_close_date(raw, today=ctx.today, timezone=ctx.config.hubspot_timezone)


def _opportunity_type(raw: str | None, ctx: PushContext) -> Normalised:
    dealtype = (raw or "").strip()
    if not dealtype:
        return EMPTY
    if dealtype in ctx.config.opportunity_types:
        return accepted(ctx.config.opportunity_types[dealtype])
    return rejected(f"deal type {dealtype!r} is not mapped")


def _industry(raw: str | None, ctx: PushContext) -> Normalised:
    return norm.normalise_industry(raw, ctx.config.industry_overrides)


def _other_industry(raw: str | None, ctx: PushContext) -> Normalised:
    return norm.normalise_other_industry(raw, ctx.config.industry_overrides)


def _website(raw: str | None, _ctx: PushContext) -> Normalised:
    return norm.normalise_website(raw)


def _country(raw: str | None, _ctx: PushContext) -> Normalised:
    return norm.normalise_country(raw)


def _deal_id(raw: str | None, _ctx: PushContext) -> Normalised:
    return norm.normalise_text(
        raw, model.max_length("UpdateOpportunityRequest", "PartnerOpportunityIdentifier")
    )


# --- contacts ----------------------------------------------------------------------


def contact_order(contact: dict) -> tuple:
    """Primary first, then by id (numerically when ids are numbers)."""
    contact_id = str(contact.get("id", ""))
    numeric = contact_id.isdigit()
    return (
        not contact.get("primary", False),
        not numeric,
        int(contact_id) if numeric else 0,
        contact_id,
    )


def _first(properties: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = (properties.get(name) or "").strip()
        if value:
            return value
    return None


def contact_members(contact: dict, ctx: PushContext) -> dict[str, Normalised]:
    """Each Partner Central ``Contact`` member of one HubSpot contact, as
    normalised (value, or empty, or rejected with a reason)."""
    props = contact.get("properties") or {}
    region = norm.country_code(props.get("country")) or ctx.company_country
    return {
        "Email": norm.normalise_email(props.get("email")),
        "FirstName": norm.normalise_text(
            props.get("firstname"), model.max_length("Contact", "FirstName")
        ),
        "LastName": norm.normalise_text(
            props.get("lastname"), model.max_length("Contact", "LastName")
        ),
        "Phone": norm.normalise_phone(_first(props, "phone", "mobilephone"), region),
        "BusinessTitle": norm.normalise_text(
            props.get("jobtitle"), model.max_length("Contact", "BusinessTitle")
        ),
    }


def map_contact(contact: dict, ctx: PushContext) -> tuple[dict[str, str], list[str]]:
    """One HubSpot contact as a Partner Central ``Contact`` plus the reasons
    for anything left out."""
    results = contact_members(contact, ctx)
    mapped = {member: r.value for member, r in results.items() if r.value is not None}
    reasons = [f"{member}: {r.reason}" for member, r in results.items() if r.reason]
    return mapped, reasons


def _contacts(_raw: str | None, ctx: PushContext) -> Normalised:
    entries: list[dict[str, str]] = []
    reasons: list[str] = []
    for contact in sorted(ctx.contacts, key=contact_order):
        mapped, problems = map_contact(contact, ctx)
        label = f"contact {contact.get('id')}"
        reasons.extend(f"{label} {problem}" for problem in problems)
        if mapped:
            entries.append(mapped)
        else:
            reasons.append(f"{label} skipped: nothing usable")
    if not entries:
        return rejected("; ".join(reasons)) if reasons else EMPTY
    return Normalised(entries, "; ".join(reasons) or None)


# --- pull converters -----------------------------------------------------------------


def _as_is(value: Any, _ctx: PullContext) -> str | None:
    return "" if value is None else str(value)


def _spend_to_hubspot(value: Any, _ctx: PullContext) -> str | None:
    if not value:
        return ""
    return value[0].get("Amount") or ""


def _stage_to_hubspot(value: Any, ctx: PullContext) -> str | None:
    if value is None:
        return None  # a deal always has a stage: never clear it
    return ctx.config.dealstage_for(ctx.pipeline, value)


def _close_date_to_hubspot(value: Any, ctx: PullContext) -> str | None:
    if value is None:
        return None  # HubSpot requires closedate on many pipelines; keep it
    return norm.close_date_to_hubspot(value, ctx.config.hubspot_timezone)


def _industry_to_hubspot(value: Any, ctx: PullContext) -> str | None:
    if value is None:
        return ""
    if value == model.INDUSTRY_OTHER:
        return None  # the original is not recoverable from "Other"
    return PC_TO_HUBSPOT_INDUSTRY.get(value)


def _country_to_hubspot(value: Any, _ctx: PullContext) -> str | None:
    return "" if value is None else norm.country_name(value)


# --- the table -------------------------------------------------------------------------


def _field(
    path: str,
    source: str,
    properties: tuple[str, ...],
    to_pc: ToPartnerCentral,
    to_hubspot: ToHubSpot | None = None,
    *,
    both_ways: bool = False,
    required: bool = False,
) -> FieldSpec:
    """Defaults: push-only with HubSpot winning; two-way fields settle
    conflicts by the latest write."""
    if both_ways:
        return FieldSpec(
            path,
            source,
            properties,
            to_pc,
            to_hubspot,
            Direction.BOTH,
            Strategy.LAST_WRITE_WINS,
            required,
        )
    return FieldSpec(
        path, source, properties, to_pc, to_hubspot, Direction.PUSH, Strategy.HUBSPOT_WINS, required
    )


# Company fields are push-only by default: one company backs many deals, so
# letting each opportunity write it back would make them fight. The
# ``Customer.Contacts`` list is push-only too (the deal's associations decide
# who is on it); the details of each listed contact merge both ways, member
# by member, in :mod:`contacts` under ``EngineConfig.contact_fields``.
def _from_marketing_activity(
    path: str, item: inputs.DealInput, convert: ToPartnerCentral
) -> FieldSpec:
    """A Marketing field sent only for a deal from marketing activity (null otherwise)."""
    return _field(
        path, DEAL, (item.name,), _only_when(inputs.MARKETING_SOURCE, MARKETING_ACTIVITY, convert)
    )


FIELD_SPECS: tuple[FieldSpec, ...] = (
    _field("PartnerOpportunityIdentifier", DEAL, ("hs_object_id",), _deal_id, required=True),
    _field("OpportunityType", DEAL, ("dealtype",), _opportunity_type),
    _field("Project.Title", DEAL, ("dealname",), _title, required=True),
    _field(
        "Project.CustomerBusinessProblem",
        DEAL,
        ("description",),
        _business_problem,
        _as_is,
        both_ways=True,
        required=True,
    ),
    _field(
        "Project.ExpectedCustomerSpend",
        DEAL,
        (inputs.EXPECTED_MONTHLY_SPEND.name, DEAL_AMOUNT),
        _expected_spend,
        _spend_to_hubspot,
        both_ways=True,
        required=True,
    ),
    _field(
        "LifeCycle.Stage",
        DEAL,
        ("dealstage",),
        _stage,
        _stage_to_hubspot,
        both_ways=True,
        required=True,
    ),
    _field(
        "LifeCycle.TargetCloseDate",
        DEAL,
        ("closedate",),
        _close_date,
        _close_date_to_hubspot,
        both_ways=True,
        required=True,
    ),
    _field(
        "LifeCycle.NextSteps",
        DEAL,
        ("hs_next_step",),
        _text("LifeCycle", "NextSteps"),
        _as_is,
        both_ways=True,
    ),
    _field(
        "Customer.Account.CompanyName",
        COMPANY,
        ("name",),
        _text("Account", "CompanyName"),
        _as_is,
        required=True,
    ),
    _field(
        "Customer.Account.Industry",
        COMPANY,
        ("industry",),
        _industry,
        _industry_to_hubspot,
        required=True,
    ),
    _field("Customer.Account.OtherIndustry", COMPANY, ("industry",), _other_industry),
    _field(
        "Customer.Account.WebsiteUrl",
        COMPANY,
        ("website", "domain"),
        _website,
        _as_is,
        required=True,
    ),
    _field(
        "Customer.Account.Address.CountryCode",
        COMPANY,
        ("country",),
        _country,
        _country_to_hubspot,
        required=True,
    ),
    _field("Customer.Account.Address.PostalCode", COMPANY, ("zip",), _postal_code, _as_is),
    _field("Customer.Account.Address.City", COMPANY, ("city",), _text("Address", "City"), _as_is),
    _field("Customer.Account.Address.StateOrRegion", COMPANY, ("state",), _us_state, _as_is),
    _field(
        "Customer.Account.Address.StreetAddress",
        COMPANY,
        ("address",),
        _text("Address", "StreetAddress"),
        _as_is,
    ),
    _field(
        "Project.CustomerUseCase",
        DEAL,
        (inputs.CUSTOMER_USE_CASE.name,),
        _choice(inputs.CUSTOMER_USE_CASE),
    ),
    _field(
        "Project.DeliveryModels",
        DEAL,
        (inputs.DELIVERY_MODELS.name,),
        _choices(inputs.DELIVERY_MODELS),
    ),
    _field(
        "Project.SalesActivities",
        DEAL,
        (inputs.SALES_ACTIVITIES.name,),
        _choices(inputs.SALES_ACTIVITIES),
    ),
    _field(
        "PrimaryNeedsFromAws", DEAL, (inputs.PRIMARY_NEEDS.name,), _choices(inputs.PRIMARY_NEEDS)
    ),
    _field(
        "LifeCycle.ClosedLostReason",
        DEAL,
        (inputs.CLOSED_LOST_REASON.name,),
        _choice(inputs.CLOSED_LOST_REASON),
    ),
    _field("Project.CompetitorName", DEAL, (inputs.COMPETITOR.name,), _choice(inputs.COMPETITOR)),
    # Model doc of OtherCompetitorNames: "Only allowed when CompetitorNames has Other selected".
    _field(
        "Project.OtherCompetitorNames",
        DEAL,
        (inputs.OTHER_COMPETITORS.name,),
        _only_when(inputs.COMPETITOR, "*Other", _text("Project", "OtherCompetitorNames")),
    ),
    _field(
        "Marketing.Source",
        DEAL,
        (inputs.MARKETING_SOURCE.name,),
        _choice(inputs.MARKETING_SOURCE),
    ),
    # Field catalogue, IsOppFromMarketingActivity: with "No" (Source None) the
    # campaign, channels, use cases and funding "must be null".
    _from_marketing_activity(
        "Marketing.CampaignName", inputs.MARKETING_CAMPAIGN, _text("Marketing", "CampaignName")
    ),
    _from_marketing_activity(
        "Marketing.Channels", inputs.MARKETING_CHANNELS, _choices(inputs.MARKETING_CHANNELS)
    ),
    _from_marketing_activity(
        "Marketing.AwsFundingUsed",
        inputs.MARKETING_FUNDING_USED,
        _choice(inputs.MARKETING_FUNDING_USED),
    ),
    # Model doc of Marketing.UseCases: "Must be empty when Marketing.AWSFundingUsed = No".
    _from_marketing_activity(
        "Marketing.UseCases",
        inputs.MARKETING_USE_CASES,
        _only_when(inputs.MARKETING_FUNDING_USED, "Yes", _choices(inputs.MARKETING_USE_CASES)),
    ),
    _field(
        "Customer.Contacts",
        CONTACTS,
        ("email", "firstname", "lastname", "phone", "mobilephone", "jobtitle", "country"),
        _contacts,
    ),
)

FIELDS_BY_PATH: dict[str, FieldSpec] = {spec.path: spec for spec in FIELD_SPECS}
