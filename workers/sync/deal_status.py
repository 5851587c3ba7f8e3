"""Write pcsync's own status properties to a deal, only when they change.

The link remembers what was last written, so a sync that changes nothing
costs no HubSpot call, and pcsync never echoes an unchanged value.
"""

from __future__ import annotations

from datetime import UTC, datetime

from models.links import OpportunityLink
from workers.clients.hubspot import HubSpot


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def changed_properties(link: OpportunityLink, values: dict[str, str]) -> dict[str, str]:
    written = link.hubspot_written or {}
    return {name: value for name, value in values.items() if written.get(name) != value}


def write_deal_status(
    hubspot: HubSpot, link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> dict[str, str]:
    """PATCH the deal with `values` that differ from what pcsync last wrote
    (plus `extra`, mapped field values that are always written when given);
    remember them on the link. Returns what was sent."""
    changes = changed_properties(link, values)
    payload = {**changes, **(extra or {})}
    if not payload:
        return {}
    payload["aws_last_sync"] = now_iso()
    hubspot.update_object("deals", link.hubspot_deal_id, payload)
    link.hubspot_written = {**(link.hubspot_written or {}), **changes}
    return payload
