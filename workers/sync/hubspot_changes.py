"""What a HubSpot object the ingest marked dirty sets off (the command behind
`pcsync.sync_hubspot_object`).

The message carries only the object's type and id: the command re-reads the
current state, so a burst of events costs one run, and a run redelivered
after a crash does the same thing again without harm. A deal is synced and
its follow-ups run; an opportunity is pulled; a contact or company fans out
to the deals it feeds (one association read, plus the deals whose
opportunity was built from it, which a deleted record no longer shows),
each queued once through the same pending markers as the ingest uses.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select

from models.customer_records import deals_using
from models.links import OpportunityLink
from pcsync import runtime
from workers.dispatch import queue_object_syncs
from workers.errors import PermanentError
from workers.sync.assignment import sync_assignment
from workers.sync.context import Run
from workers.sync.deal_requests import queue_deal_requests
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import find_link, sync_deal
from workers.sync.opportunities import sync_opportunity
from workers.sync.resources import sync_related_entities

log = logging.getLogger(__name__)

PLURAL = {"deal": "deals", "contact": "contacts", "company": "companies"}
# Seconds between the deal syncs one contact or company change fans out to:
# the 1-per-second write quota plus the time a sync takes to reach its write.
FAN_OUT_PACE_SECONDS = 1.5


def sync_hubspot_object(object_type: str, object_id: str, run: Run) -> str:
    if object_type == "deal":
        return sync_linked_deal(object_id, run)
    if object_type == "opportunity":
        return sync_opportunity(
            object_id,
            replace(run, source="partner_central"),
            sync_linked_deal,
        )
    return fan_out_to_deals(object_type, object_id, run)


def sync_linked_deal(deal_id: str, run: Run) -> str:
    try:
        result = sync_deal(deal_id, run)
    except PermanentError as exc:
        surface_failure(deal_id, exc, run)
        raise
    sync_assignment(result, run)  # the opportunity's assignee follows the deal owner
    sync_related_entities(result, run)  # solutions, AWS products, Marketplace offer
    # What the deal asks for besides sync: a referral decision, a submission.
    queue_deal_requests(deal_id, result, run)
    return result.outcome


def surface_gave_up(deal_id: str, exc: Exception, run: Run) -> None:
    """Retries used up on a transient error: the deal says `failed` as for a
    permanent error (which sync_linked_deal has surfaced already)."""
    if not isinstance(exc, PermanentError):
        surface_failure(deal_id, exc, run)


def surface_failure(deal_id: str, exc: Exception, run: Run) -> None:
    """Show a final failure where operators look: in the audit and on the deal."""
    message = getattr(exc, "api_message", None) or str(exc) or type(exc).__name__
    field_errors = getattr(exc, "field_errors", None)
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        run.audit(
            session,
            action="deal.sync",
            outcome="failed",
            object_type="deal",
            object_id=deal_id,
            opportunity_id=link.opportunity_id if link else None,
            diff={"field_errors": field_errors} if field_errors else None,
            message=message,
        )
        if link is None:
            return
        link.sync_status = "failed"
        link.last_error = message
    try:
        send_deal_status(deal_id, {"aws_sync_status": "failed", "aws_sync_error": message[:65000]})
    except Exception:  # the original failure matters more than this one
        log.exception("deal.failure_not_surfaced", extra={"deal_id": deal_id})


def fan_out_to_deals(object_type: str, object_id: str, run: Run) -> str:
    """Queue a sync of every linked deal a contact or company feeds.

    The deals come from one v4 association read, plus those whose
    opportunity was last built from this record (``customer_records``): a
    deleted or merged-away record has no associations left, yet its deals
    must learn that it went. Each deal is queued through the pending markers,
    so a burst of changes to one contact costs one run per deal, and the runs
    are spaced to the write quota so none is refused and re-reads.
    """
    associated = runtime.hubspot().associations(PLURAL[object_type], "deals", [object_id])
    current = {a["id"] for a in associated.get(str(object_id), [])}
    with runtime.database().transaction() as session:
        remembered = set(deals_using(session, object_type, object_id))
        deal_ids = sorted(current | remembered)
        linked = set(
            session.scalars(
                select(OpportunityLink.hubspot_deal_id).where(
                    OpportunityLink.hubspot_deal_id.in_(deal_ids)
                )
            )
        )
        # Paced to the Partner Central write quota: deals synced all at once
        # would be refused write tokens and re-read everything on each retry.
        queued = sum(
            queue_object_syncs(session, [("deal", deal_id)], countdown=slot * FAN_OUT_PACE_SECONDS)
            for slot, deal_id in enumerate(d for d in deal_ids if d in linked)
        )
        run.audit(
            session,
            action=f"hubspot.{object_type}.changed",
            outcome="fanned_out" if linked else "no_linked_deals",
            object_type=object_type,
            object_id=object_id,
            diff={
                "deals": sorted(current),
                "remembered": sorted(remembered),
                "linked": sorted(linked),
                "queued": queued,
            },
        )
    return "fanned_out" if linked else "no_linked_deals"
