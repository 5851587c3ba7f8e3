"""Write pcsync's own status properties to a deal, only when they change.

The link remembers what was last written, so a sync that changes nothing
costs no HubSpot call, and pcsync never echoes an unchanged value.

Send, then record: the PATCH never goes out inside a database transaction
(on SQLite that would hold the single write lock across an HTTP call with its
timeout and retries). A `StatusWrite` is decided from the link (pure), sent
after the transaction that read it has closed, and what was sent is then
remembered on the link in a short transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from models.inbox import InboxEvent
from models.links import OpportunityLink
from pcsync import runtime
from workers.clients.hubspot import HubSpot

# HubSpot names the user behind a UI change as sourceId "userId:<id>" (seen in
# webhook payloads, not in the documented field table: optional).
HUBSPOT_USER_SOURCE = "userId:"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def changed_properties(link: OpportunityLink, values: dict[str, str]) -> dict[str, str]:
    written = link.hubspot_written or {}
    return {name: value for name, value in values.items() if written.get(name) != value}


@dataclass(frozen=True)
class StatusWrite:
    """One PATCH of a deal, decided before it is sent."""

    deal_id: str
    # pcsync's properties whose value differs from what it last wrote
    changes: dict[str, str] = field(default_factory=dict)
    # what goes to HubSpot: the changes, field values and aws_last_sync; {}: nothing
    payload: dict[str, str] = field(default_factory=dict)

    def send(self, hubspot: HubSpot) -> dict[str, str]:
        """The PATCH, outside any transaction. Returns what was sent."""
        if self.payload:
            hubspot.update_object("deals", self.deal_id, self.payload)
        return self.payload

    def remember(self, link: OpportunityLink | None) -> None:
        """Record on the link (in the caller's transaction) what was sent."""
        if link is not None and self.changes:
            link.hubspot_written = {**(link.hubspot_written or {}), **self.changes}


def plan_deal_status(
    link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> StatusWrite:
    """The PATCH of `values` that differ from what pcsync last wrote, plus
    `extra` (mapped field values, always written when given)."""
    changes = changed_properties(link, values)
    payload = {**changes, **(extra or {})}
    if payload:
        payload["aws_last_sync"] = now_iso()
    return StatusWrite(link.hubspot_deal_id, changes, payload)


def find_link(session, deal_id: str) -> OpportunityLink | None:
    return session.scalar(select(OpportunityLink).where(OpportunityLink.hubspot_deal_id == deal_id))


def send_deal_status(deal_id: str, values: dict[str, str], *, extra: dict | None = None) -> dict:
    """Read what pcsync last wrote, PATCH the differences, remember them: each
    database step a short transaction of its own, the call between them.
    For a deal whose link is committed; returns what was sent ({} when the
    deal has no link)."""
    database = runtime.database()
    with database.transaction() as session:
        link = find_link(session, deal_id)
        if link is None:
            return {}
        write = plan_deal_status(link, values, extra=extra)
    if not write.send(runtime.hubspot()):
        return {}
    with database.transaction() as session:
        write.remember(find_link(session, deal_id))
    return write.payload


def write_deal_status(
    hubspot: HubSpot, link: OpportunityLink, values: dict[str, str], *, extra: dict | None = None
) -> dict[str, str]:
    """Plan, send and remember on the link the caller holds, in one step.
    Sending inside the caller's transaction is what the module docstring
    warns against: new code uses `send_deal_status` or the three steps.
    Returns what was sent."""
    write = plan_deal_status(link, values, extra=extra)
    write.send(hubspot)
    write.remember(link)
    return write.payload


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
