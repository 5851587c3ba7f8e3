"""Built-in engine configuration: what applies when no file overrides it.

``pcsync`` deployments review and version their own file (see
:func:`workers.engine.config.default_config_document` for a starting point).
"""

from __future__ import annotations

from .model import OpportunityType, Stage

DEFAULT_PIPELINE = "default"

# HubSpot's default sales pipeline, stage ids as the API returns them.
# Order matters for the pull direction: the first HubSpot stage mapped to a
# Partner Central stage is the one written back (unless "reverse" says otherwise).
DEFAULT_PIPELINES: dict[str, dict[str, str]] = {
    DEFAULT_PIPELINE: {
        "appointmentscheduled": Stage.PROSPECT,
        "qualifiedtobuy": Stage.QUALIFIED,
        "presentationscheduled": Stage.TECHNICAL_VALIDATION,
        "decisionmakerboughtin": Stage.BUSINESS_VALIDATION,
        "contractsent": Stage.COMMITTED,
        "closedwon": Stage.LAUNCHED,
        "closedlost": Stage.CLOSED_LOST,
    }
}

# HubSpot ``dealtype`` options → OpportunityType. Renewals are not told apart
# by HubSpot's defaults; add a ``renewal`` option and map it to Flat Renewal.
DEFAULT_OPPORTUNITY_TYPES: dict[str, str] = {
    "newbusiness": OpportunityType.NET_NEW_BUSINESS,
    "existingbusiness": OpportunityType.EXPANSION,
}

DEFAULT_CURRENCY = "USD"  # Partner Central accepts USD or EUR (EUR only in aws-eusc)
# AWS's field catalogue: "For opportunities with only Annual Recurring revenue,
# distribute ARR across 12 months".
DEFAULT_SPEND_MONTHS = 12
DEFAULT_TIMEZONE = "UTC"
DEFAULT_TITLE_STRIP_TAGS: tuple[str, ...] = ("#AWS",)
