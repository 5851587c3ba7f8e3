"""The deal properties a sales rep fills for what AWS requires and HubSpot has no field for.

One declared table: `pcsync hubspot setup` creates these properties with
exactly these options, the field map reads them, the engine configuration
may give organisation-wide defaults for them, and the pre-flight check names
them by their label when one is missing. Option values are the service
model's enum values (or, for the use cases, the list in the member's
documentation), so what a rep picks is what Partner Central accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model

SELECT, CHECKBOXES, NUMBER, TEXT = "select", "checkboxes", "number", "text"
# HubSpot stores a multiple-checkboxes value as the chosen option values joined by ";".
CHECKBOX_SEPARATOR = ";"


@dataclass(frozen=True)
class DealInput:
    name: str
    label: str
    kind: str
    description: str
    options: tuple[str, ...] = ()


CUSTOMER_USE_CASE = DealInput(
    "aws_customer_use_case",
    "AWS use case",
    SELECT,
    "The workload the customer runs on AWS (Partner Central: Project.CustomerUseCase)",
    model.CUSTOMER_USE_CASES,
)
DELIVERY_MODELS = DealInput(
    "aws_delivery_models",
    "AWS delivery models",
    CHECKBOXES,
    "How your solution is delivered (Project.DeliveryModels)",
    model.enum_values("DeliveryModel"),
)
SALES_ACTIVITIES = DealInput(
    "aws_sales_activities",
    "AWS sales activities",
    CHECKBOXES,
    "What you have done with the customer so far (Project.SalesActivities)",
    model.enum_values("SalesActivity"),
)
PRIMARY_NEEDS = DealInput(
    "aws_primary_needs",
    "AWS primary needs",
    CHECKBOXES,
    "What you need from AWS on this deal (PrimaryNeedsFromAws)",
    model.enum_values("PrimaryNeedFromAws"),
)
EXPECTED_MONTHLY_SPEND = DealInput(
    "aws_expected_monthly_spend",
    "AWS expected monthly spend",
    NUMBER,
    "Monthly recurring AWS spend of the customer, in the deal's currency when that is USD or "
    "EUR, otherwise in pcsync's configured currency. Empty: the deal amount divided by the "
    "configured number of months (USD or EUR deals only)",
)
CLOSED_LOST_REASON = DealInput(
    "aws_closed_lost_reason",
    "AWS closed lost reason",
    SELECT,
    "Why the deal was lost; required by AWS when the deal is Closed Lost",
    model.enum_values("ClosedLostReason"),
)
COMPETITOR = DealInput(
    "aws_competitor",
    "AWS competitor",
    SELECT,
    "The main competitor (Project.CompetitorName); *Other needs 'AWS other competitors'",
    model.enum_values("CompetitorName"),
)
OTHER_COMPETITORS = DealInput(
    "aws_other_competitors",
    "AWS other competitors",
    TEXT,
    "Competitors not in the list, when 'AWS competitor' is *Other",
)
MARKETING_SOURCE = DealInput(
    "aws_marketing_source",
    "AWS marketing source",
    SELECT,
    "Marketing Activity when an AWS marketing activity brought the deal, otherwise None",
    model.enum_values("MarketingSource"),
)
MARKETING_CAMPAIGN = DealInput(
    "aws_marketing_campaign",
    "AWS marketing campaign",
    TEXT,
    "AWS campaign code (only with marketing source Marketing Activity)",
)
MARKETING_CHANNELS = DealInput(
    "aws_marketing_channels",
    "AWS marketing channels",
    CHECKBOXES,
    "Channels of the marketing activity (only with marketing source Marketing Activity)",
    model.enum_values("Channel"),
)
MARKETING_USE_CASES = DealInput(
    "aws_marketing_use_cases",
    "AWS marketing use cases",
    CHECKBOXES,
    "Use cases of the marketing activity (only when AWS marketing funds were used)",
    model.MARKETING_USE_CASES,
)
MARKETING_FUNDING_USED = DealInput(
    "aws_marketing_funding_used",
    "AWS marketing funds used",
    SELECT,
    "Whether the marketing activity was funded by AWS (MDF); required with Marketing Activity",
    model.enum_values("AwsFundingUsed"),
)

DEAL_INPUTS: tuple[DealInput, ...] = (
    CUSTOMER_USE_CASE,
    DELIVERY_MODELS,
    SALES_ACTIVITIES,
    PRIMARY_NEEDS,
    EXPECTED_MONTHLY_SPEND,
    CLOSED_LOST_REASON,
    COMPETITOR,
    OTHER_COMPETITORS,
    MARKETING_SOURCE,
    MARKETING_CAMPAIGN,
    MARKETING_CHANNELS,
    MARKETING_USE_CASES,
    MARKETING_FUNDING_USED,
)
DEAL_INPUTS_BY_NAME: dict[str, DealInput] = {item.name: item for item in DEAL_INPUTS}


def split_choices(raw: str | None) -> list[str]:
    """The chosen values of a multiple-checkboxes string, in order, once each."""
    parts = (part.strip() for part in (raw or "").split(CHECKBOX_SEPARATOR))
    return list(dict.fromkeys(part for part in parts if part))


def unknown_choices(item: DealInput, raw: str) -> list[str]:
    """Values of ``raw`` that are not options of ``item`` (empty for free inputs)."""
    if not item.options:
        return []
    chosen = split_choices(raw) if item.kind == CHECKBOXES else [raw.strip()]
    return [value for value in chosen if value not in item.options]
