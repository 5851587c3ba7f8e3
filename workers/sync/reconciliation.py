"""The reconciliation cycle: catch what Partner Central events missed.

EventBridge delivery is best effort, so beat periodically lists the
opportunities modified since a stored watermark (`ListOpportunities`,
`LastModifiedDate.AfterLastModifiedDate`, oldest first, every page) and,
page by page:

1. keeps the linked opportunities whose `LastModifiedDate` differs from the
   one their link last synced (the rest, including pcsync's own writes, are
   already in agreement);
2. reads the AWS summaries of those ever submitted (AWS keeps none for the
   others) and writes the changed summary properties with HubSpot batch
   updates (100 deals a call), each opportunity under its lock;
3. marks each `("opportunity", id)` pending and queues its task, which runs
   the per-deal field merge (stage, close date, next steps, review status)
   and leaves the summary to this cycle: one summary read per pull;
4. in the same transaction as the queueing, advances the watermark to the
   latest `LastModifiedDate` AWS returned (verbatim, ISO 8601 with
   milliseconds). A failure before the commit leaves the watermark where it
   was, so the next cycle lists the page again.

AWS's filter is "on or after", so each cycle lists the newest opportunity of
the previous one again; step 1 is what keeps that from costing anything.
Only a change that moves `LastModifiedDate` is found this way: AWS-summary
changes alone reach pcsync through `Opportunity Updated` events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import select

from models.links import OpportunityLink
from models.sync_state import get_state, set_state
from pcsync import runtime
from tasks.hubspot_sync import queue_object_syncs
from workers.clients.hubspot import BATCH_SIZE
from workers.locks import opportunity_lock_name
from workers.sync.aws_summary import never_submitted, write_summaries
from workers.sync.context import Run
from workers.sync.deals import LOCK_TTL_SECONDS
from workers.sync.opportunities import audit_pull, read_summary

log = logging.getLogger(__name__)

WATERMARK_KEY = "pc.reconcile.watermark"
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
    summaries_written: int = 0
    queued: int = 0


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of `size` items (itertools.batched before Python 3.12)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def iso_ms(moment: datetime) -> str:
    """The watermark as stored: UTC, ISO 8601, milliseconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def already_synced(link: OpportunityLink, summary_item: dict) -> bool:
    """The link last synced exactly this version of the opportunity."""
    seen = link.last_modified_date
    return bool(seen) and parse_iso(seen) == summary_item["LastModifiedDate"]


def run_reconciliation(run: Run, lookback: timedelta = DEFAULT_LOOKBACK) -> CycleReport | None:
    """One cycle, unless another is still running (then None, audited)."""
    with runtime.locks().beat_singleton(SINGLETON_NAME, SINGLETON_TTL_SECONDS) as held:
        if not held:
            with runtime.database().transaction() as session:
                audit_cycle(session, run, "skipped", message="a previous cycle is still running")
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
    for page in batched(listing, PAGE_SIZE):
        reconcile_page(page, run, report)
    with runtime.database().transaction() as session:
        outcome = "queued" if report.queued else "nothing_changed"
        audit_cycle(session, run, outcome, diff=asdict(report))
    log.info("reconcile.cycle", extra=asdict(report))
    return report


def reconcile_page(items: list[dict], run: Run, report: CycleReport) -> None:
    ids = [item["Id"] for item in items]
    with runtime.database().transaction() as session:
        links = {
            link.opportunity_id: link
            for link in session.scalars(
                select(OpportunityLink).where(
                    OpportunityLink.catalog == runtime.settings().pc_catalog,
                    OpportunityLink.opportunity_id.in_(ids),
                )
            )
        }
    changed = [i["Id"] for i in items if i["Id"] in links and not already_synced(links[i["Id"]], i)]
    report.listed += len(items)
    report.linked += len(links)
    report.changed += len(changed)
    submitted = [
        i["Id"]
        for i in items
        if i["Id"] in changed and not never_submitted(i.get("LifeCycle", {}).get("ReviewStatus"))
    ]
    report.summaries_written += pull_summaries(submitted, run)
    latest = iso_ms(max(item["LastModifiedDate"] for item in items))
    with runtime.database().transaction() as session:
        report.queued += queue_object_syncs(
            session,
            [("opportunity", opportunity_id) for opportunity_id in changed],
            countdown=0,
            priority=run.priority,  # the field merges yield to event work as the cycle does
        )
        set_state(session, WATERMARK_KEY, latest)
    report.watermark_after = latest


def pull_summaries(opportunity_ids: list[str], run: Run) -> int:
    """AWS summaries of changed opportunities into their deals, 100 deals per
    HubSpot call. An opportunity whose lock is held is left to its queued
    task, which pulls the summary itself. Returns the deals written."""
    written = 0
    for chunk in batched(opportunity_ids, BATCH_SIZE):
        with ExitStack() as held_locks:
            mine = [oid for oid in chunk if held_locks.enter_context(_try_lock(oid))]
            summaries = read_summaries(mine, run)
            with runtime.database().transaction() as session:
                links = session.scalars(
                    select(OpportunityLink).where(
                        OpportunityLink.catalog == runtime.settings().pc_catalog,
                        OpportunityLink.opportunity_id.in_(list(summaries)),
                    )
                ).all()
                pairs = [(link, summaries[link.opportunity_id]) for link in links]
                sent = write_summaries(runtime.hubspot(), pairs, priority=run.priority)
                for link in links:
                    if link.hubspot_deal_id in sent:
                        audit_pull(
                            session,
                            run,
                            "summary_updated",
                            link.opportunity_id,
                            link.hubspot_deal_id,
                            diff={"hubspot": sent[link.hubspot_deal_id]},
                        )
            written += len(sent)
    return written


def _try_lock(opportunity_id: str):
    name = opportunity_lock_name(runtime.settings().pc_catalog, opportunity_id)
    return runtime.locks().try_lock(name, LOCK_TTL_SECONDS, heartbeat=True)


def read_summaries(opportunity_ids: list[str], run: Run) -> dict[str, dict]:
    """{opportunity id: summary}; those AWS has no summary for are left out."""
    summaries = {oid: read_summary(oid, run) for oid in opportunity_ids}
    return {oid: summary for oid, summary in summaries.items() if summary is not None}


def audit_cycle(session, run: Run, outcome: str, **details) -> None:
    run.audit(
        session,
        action="opportunity.reconcile",
        outcome=outcome,
        object_type="sync_state",
        object_id=WATERMARK_KEY,
        **details,
    )
