"""Every deal property pcsync creates in HubSpot: its own (pcsync/hubspot_properties.py)
and one for each thing AWS requires on an opportunity that HubSpot has no
field for, filled by reps, whose options are Partner Central's own values."""

from __future__ import annotations

from pcsync.hubspot_properties import (
    INPUT_DEAL_PROPERTIES,
    OUTPUT_DEAL_PROPERTIES,
    property_definition,
)
from workers.engine.deal_inputs import DEAL_INPUTS, DealInput


def _aws_requirement(item: DealInput) -> dict:
    # Option values are Partner Central's own values: what a rep picks is sent as is.
    options = tuple((value, value) for value in item.options)
    return property_definition(item.name, item.label, item.description, item.kind, options)


# What AWS requires on an opportunity that HubSpot has no field for (filled by reps).
AWS_REQUIREMENT_DEAL_PROPERTIES: tuple[dict, ...] = tuple(
    _aws_requirement(item) for item in DEAL_INPUTS
)

DEAL_PROPERTIES = OUTPUT_DEAL_PROPERTIES + INPUT_DEAL_PROPERTIES + AWS_REQUIREMENT_DEAL_PROPERTIES
