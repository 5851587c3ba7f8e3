"""`pcsync hubspot setup`: create pcsync's property group and deal properties.

Idempotent: what exists is left alone (and reported), what is missing is
created. HubSpot refuses writes to properties that do not exist, so this
runs before the first sync.
"""

from __future__ import annotations

from pcsync.deal_properties import DEAL_PROPERTIES
from pcsync.hubspot_properties import GROUP
from workers.clients.hubspot import HubSpot


def ensure_deal_properties(hubspot: HubSpot) -> dict[str, list[str]]:
    report: dict[str, list[str]] = {"created": [], "existing": []}
    if hubspot.get_property_group("deals", GROUP["name"]) is None:
        hubspot.create_property_group("deals", GROUP)
        report["created"].append(f"group {GROUP['name']}")
    else:
        report["existing"].append(f"group {GROUP['name']}")
    for definition in DEAL_PROPERTIES:
        if hubspot.get_property("deals", definition["name"]) is None:
            hubspot.create_property("deals", definition)
            report["created"].append(definition["name"])
        else:
            report["existing"].append(definition["name"])
    return report
