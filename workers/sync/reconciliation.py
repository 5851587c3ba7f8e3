"""The reconciliation cycle: catch what Partner Central events missed.

EventBridge delivery is best effort, so beat periodically lists the
opportunities modified since a stored watermark (`ListOpportunities`,
`LastModifiedDate.AfterLastModifiedDate`, oldest first, every page) and, as
the pages come:

1. keeps the linked opportunities whose `LastModifiedDate` differs from the
   one their link last synced (the rest, including pcsync's own writes, are
   already in agreement);
2. pulls them 100 at a time (`workers.sync.pull_batch`): each opportunity
   read once, the deals, companies and contacts in batch reads, the
   per-deal sync's merge, the deals written with HubSpot batch updates and
   recorded as the per-deal sync records them;
3. marks each `("opportunity", id)` the batch could not settle pending and
   queues its task, the per-deal sync: one whose lock another worker
   holds, or whose merge writes more than the deal (Partner Central, the
   company or contacts, a conflict). Its AWS summary the batch has already
   written: one summary read per pull;
4. in the same transaction as the queueing, advances the watermark to the
   `LastModifiedDate` of the last opportunity pulled (at the end, the latest
   AWS returned), verbatim, ISO 8601 with milliseconds. A failure before
   the commit leaves the watermark where it was, so the next cycle lists
   those opportunities again.

AWS's filter is "on or after", so each cycle lists the newest opportunity of
the previous one again; step 1 is what keeps that from costing anything.
Only a change that moves `LastModifiedDate` is found this way: AWS-summary
changes alone reach pcsync through `Opportunity Updated` events.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from models.links import OpportunityLink
from models.sync_state import get_state, set_state
from pcsync import runtime
from workers.clients.hubspot import BATCH_SIZE
from workers.dispatch import queue_object_syncs
from workers.engine.batches import batched
from workers.engine.times import iso_ms, parse_iso
from workers.sync.context import Run, audit_cycle, audit_skipped_cycle
from workers.sync.opportunities import links_by_opportunity
from workers.sync.pull_batch import BatchOutcome, pull_batch

log = logging.getLogger(__name__)

WATERMARK_KEY = "pc.reconcile.watermark"
CYCLE_ACTION = "opportunity.reconcile"
DEFAULT_LOOKBACK = timedelta(days=1)  # first cycle only: how far back to look
PAGE_SIZE = 100  # ListOpportunities allows 1-100
SINGLETON_NAME = "reconcile_opportunities"
# No cycle outlives the task time limit (celeryconfig.task_time_limit).
SINGLETON_TTL_SECONDS = 900


@dataclass
class CycleReport:
    watermark_before: str | None
    watermark_after: str | None
    listed: int = 0
    linked: int = 0
    changed: int = 0
    merged: int = 0  # pulled in the cycle's batches
    summaries_written: int = 0
    queued: int = 0  # left to their own task


def already_synced(link: OpportunityLink, summary_item: dict) -> bool:
    """The link last synced exactly this version of the opportunity."""
    seen = link.last_modified_date
    return bool(seen) and parse_iso(seen) == summary_item["LastModifiedDate"]


def run_reconciliation(run: Run, lookback: timedelta = DEFAULT_LOOKBACK) -> CycleReport | None:
    """One cycle, unless another is still running (then None, audited)."""
    with runtime.locks().beat_singleton(SINGLETON_NAME, SINGLETON_TTL_SECONDS) as held:
        if not held:
            audit_skipped_cycle(run, CYCLE_ACTION, WATERMARK_KEY)
            return None
        return reconcile_cycle(run, lookback)


def reconcile_cycle(run: Run, lookback: timedelta = DEFAULT_LOOKBACK) -> CycleReport:
    with runtime.database().transaction() as session:
        stored = get_state(session, WATERMARK_KEY)
    since = parse_iso(stored) if stored else runtime.utc_now() - lookback
    report = CycleReport(watermark_before=stored, watermark_after=stored)
    listing = runtime.partner_central().paginate(
        "ListOpportunities",
        "OpportunitySummaries",
        priority=run.priority,
        LastModifiedDate={"AfterLastModifiedDate": since},
        Sort={"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
        MaxResults=PAGE_SIZE,
    )
    pending: list[dict] = []  # changed, not yet pulled, oldest first
    for page in batched(listing, PAGE_SIZE):
        pending += changed_items(page, report)
        # Full batches as they fill, across listing pages; the watermark
        # moves to the last one pulled, so the rest are listed again on failure.
        while len(pending) >= BATCH_SIZE:
            pull_and_advance(pending[:BATCH_SIZE], pending[BATCH_SIZE - 1], run, report)
            pending = pending[BATCH_SIZE:]
        newest = max(page, key=lambda item: item["LastModifiedDate"])
    if report.listed:
        pull_and_advance(pending, newest, run, report)
    with runtime.database().transaction() as session:
        outcome = "pulled" if report.changed else "nothing_changed"
        audit_cycle(session, run, CYCLE_ACTION, WATERMARK_KEY, outcome, diff=asdict(report))
    log.info("reconcile.cycle", extra=asdict(report))
    return report


def changed_items(items: list[dict], report: CycleReport) -> list[dict]:
    """The listed opportunities that are linked and changed since their last sync."""
    ids = [item["Id"] for item in items]
    with runtime.database().transaction() as session:
        links = links_by_opportunity(session, ids)
    changed = [i for i in items if i["Id"] in links and not already_synced(links[i["Id"]], i)]
    report.listed += len(items)
    report.linked += len(links)
    report.changed += len(changed)
    return changed


def pull_and_advance(items: list[dict], newest: dict, run: Run, report: CycleReport) -> None:
    """Pull up to 100 changed opportunities, queue the per-deal sync of those
    the batch left and, in the same transaction, advance the watermark to
    `newest`'s LastModifiedDate (listed items are in ascending order)."""
    pulled = pull_batch([item["Id"] for item in items], run) if items else BatchOutcome()
    report.merged += pulled.merged
    report.summaries_written += pulled.summaries_written
    latest = iso_ms(newest["LastModifiedDate"])
    with runtime.database().transaction() as session:
        report.queued += queue_object_syncs(
            session,
            [("opportunity", opportunity_id) for opportunity_id in pulled.deferred],
            countdown=0,
            priority=run.priority,  # the field merges yield to event work as the cycle does
        )
        set_state(session, WATERMARK_KEY, latest)
    report.watermark_after = latest
