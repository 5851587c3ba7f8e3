"""Write pcsync's own status properties to a deal, only when they change.

The link remembers what was last written, so a sync that changes nothing
costs no HubSpot call, and pcsync never echoes an unchanged value.

Send, then record: the PATCH never goes out inside a database transaction
(on SQLite that would hold the single write lock across an HTTP call with its
timeout and retries). What to send is decided from the link
(`pending_deal_status`, no I/O), sent after the transaction that read it has
closed, and then remembered on the link (`remember_deal_status`) in a short
transaction of its own.
"""

from __future__ import annotations

from sqlalchemy import select

from models.inbox import InboxEvent
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine.times import iso_ms
from workers.sync.links import find_link

# HubSpot names the user behind a UI change as sourceId "userId:<id>" (seen in
# webhook payloads, not in the documented field table: optional).
HUBSPOT_USER_SOURCE = "userId:"


def now_iso() -> str:
    return iso_ms(runtime.utc_now())


def changed_properties(link: OpportunityLink, values: dict[str, str]) -> dict[str, str]:
    written = link.hubspot_written or {}
    return {name: value for name, value in values.items() if written.get(name) != value}


def pending_deal_status(
    link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> dict[str, str]:
    """The PATCH of `values` that differ from what pcsync last wrote, plus
    `extra` (mapped field values, always written when given); {}: nothing to
    send. The first step of a write made outside the transaction that reads
    the link."""
    payload = {**changed_properties(link, values), **(extra or {})}
    if payload:
        payload["aws_last_sync"] = now_iso()
    return payload


def remember_deal_status(link: OpportunityLink, values: dict[str, str]) -> None:
    """Record `values` as written to the deal (those unchanged were already)."""
    link.hubspot_written = {**(link.hubspot_written or {}), **values}


def send_deal_status(deal_id: str, values: dict[str, str], *, extra: dict | None = None) -> dict:
    """Read what pcsync last wrote, PATCH the differences, remember them: each
    database step a short transaction of its own, the call between them.
    For a deal whose link is committed; returns what was sent ({} when the
    deal has no link)."""
    database = runtime.database()
    with database.transaction() as session:
        link = find_link(session, deal_id)
        payload = pending_deal_status(link, values, extra=extra) if link is not None else {}
    if not payload:
        return {}
    runtime.hubspot().update_object("deals", deal_id, payload)
    with database.transaction() as session:
        remember_deal_status(find_link(session, deal_id), values)
    return payload


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
            # Events of the same millisecond: the later batch, then any one.
            .order_by(
                InboxEvent.occurred_at_ms.desc(),
                InboxEvent.received_at.desc(),
                InboxEvent.dedup_key,
            )
            .limit(1)
        )
        source_id = str((event.payload or {}).get("sourceId") or "") if event else ""
        if source_id.startswith(HUBSPOT_USER_SOURCE):
            return "hubspot-user:" + source_id.removeprefix(HUBSPOT_USER_SOURCE)
    return "pcsync"
