"""Write pcsync's own status properties to a deal, only when they change.

The link remembers what was last written, so a sync that changes nothing
costs no HubSpot call, and pcsync never echoes an unchanged value.
"""

from __future__ import annotations

from sqlalchemy import select

from models.inbox import InboxEvent
from models.links import OpportunityLink
from pcsync import runtime
from workers.clients.hubspot import HubSpot

# HubSpot names the user behind a UI change as sourceId "userId:<id>" (seen in
# webhook payloads, not in the documented field table: optional).
HUBSPOT_USER_SOURCE = "userId:"


def now_iso() -> str:
    return runtime.utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def changed_properties(link: OpportunityLink, values: dict[str, str]) -> dict[str, str]:
    written = link.hubspot_written or {}
    return {name: value for name, value in values.items() if written.get(name) != value}


def write_deal_status(
    hubspot: HubSpot, link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> dict[str, str]:
    """PATCH the deal with `values` that differ from what pcsync last wrote
    (plus `extra`, mapped field values that are always written when given);
    remember them on the link. Returns what was sent."""
    payload = pending_deal_status(link, values, extra=extra)
    if payload:
        hubspot.update_object("deals", link.hubspot_deal_id, payload)
        remember_deal_status(link, values)
    return payload


def pending_deal_status(
    link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> dict[str, str]:
    """What `write_deal_status` would send ({}: nothing), without sending it:
    the first step of a write made outside the transaction that reads the link."""
    payload = {**changed_properties(link, values), **(extra or {})}
    if payload:
        payload["aws_last_sync"] = now_iso()
    return payload


def remember_deal_status(link: OpportunityLink, values: dict[str, str]) -> None:
    """Record `values` as written to the deal (those unchanged were already)."""
    link.hubspot_written = {**(link.hubspot_written or {}), **values}


def changed_by(session, run, deal_id: str) -> str:
    """aws_last_sync_by: the operator who asked for this run, the HubSpot
    user the deal's latest change event names, or pcsync itself."""
    if run.source == "operator":
        return run.actor
    if run.source == "hubspot":
        event = session.scalar(
            select(InboxEvent)
            .where(
                InboxEvent.source == "hubspot",
                InboxEvent.object_type == "deal",
                InboxEvent.object_id == deal_id,
                InboxEvent.outcome == "queued",
            )
            .order_by(InboxEvent.occurred_at_ms.desc(), InboxEvent.id.desc())
            .limit(1)
        )
        source_id = str((event.payload or {}).get("sourceId") or "") if event else ""
        if source_id.startswith(HUBSPOT_USER_SOURCE):
            return "hubspot-user:" + source_id.removeprefix(HUBSPOT_USER_SOURCE)
    return "pcsync"
