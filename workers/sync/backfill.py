"""Bring what existed before pcsync under sync: `pcsync backfill`.

Two passes, opportunities first so that a deal an existing opportunity
already names is adopted, never created a second time:

1. **Opportunities.** Every Partner Central opportunity (`ListOpportunities`,
   all pages) whose `PartnerOpportunityIdentifier` names an existing HubSpot
   deal that has no link is *adopted*: a link row with the base snapshot
   taken from `GetOpportunity`, the opportunity id written to the deal. No
   `CreateOpportunity`.
2. **Deals.** Every deal that matches the sync rule (HubSpot search: the
   `#AWS` tag or `aws_sync_enabled`): linked ones get a sync queued; unlinked
   ones get a sync queued that creates their opportunity. Both go through the
   normal `pcsync.sync_hubspot_object` task with `priority="background"`, so
   they yield the last of the daily write budget to event-driven work.

A dry run reads but never writes: it reports, per deal and opportunity, what
would happen and, for linked deals, the field-level changes the merge would
make (`workers/sync/backfill_preview.py`).

The backfill runs in the operator's terminal, not in a worker, so where a
task would retry later it waits instead: a limiter refusal or throttling
sleeps for the hinted time and tries the same call again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models.audit import record_audit
from models.links import OpportunityLink
from pcsync import runtime
from workers.clients.hubspot import SEARCH_RESULT_CAP
from workers.dispatch import queue_object_syncs
from workers.engine import client_token, extract_pc_fields
from workers.engine.batches import batched
from workers.errors import PermanentError, RetryableError
from workers.pacing import Pacer, hinted_wait, paced_pages, wait_out
from workers.sync.backfill_preview import planned_create_fields, planned_sync_changes
from workers.sync.context import Run
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import audit, find_link
from workers.sync.hubspot_state import read_deal_state
from workers.sync.rules import OPT_IN_PROPERTY, REFERRAL_PROPERTY, SYNC_TAG, deal_wants_sync

RUN = Run(actor="cli:backfill", task_id=None, source="operator", priority="background")

# HubSpot search: at most 200 results a page, 10,000 per query, and 5
# requests per second per account. Stay a little under the rate.
SEARCH_PAGE_SIZE = 200
SEARCH_INTERVAL_SECONDS = 0.25
LIST_PAGE_SIZE = 100  # ListOpportunities MaxResults maximum
CHUNK = 100  # deals looked up / queued per database transaction
MAX_WAITS = 8  # consecutive refusals before the backfill gives up on a call

DEAL, OPPORTUNITY = "deal", "opportunity"
CREATE, SYNC, ADOPT, SKIP, ERROR = "create", "sync", "adopt", "skip", "error"


@dataclass(frozen=True)
class BackfillOptions:
    dry_run: bool = False
    limit: int | None = None  # at most this many deals, and this many opportunities
    deals: bool = True
    opportunities: bool = True


@dataclass
class Planned:
    """One decision about one deal or opportunity (done, or planned in a dry run)."""

    kind: str  # DEAL | OPPORTUNITY
    object_id: str
    action: str  # CREATE | SYNC | ADOPT | SKIP | ERROR
    reason: str = ""
    deal_id: str | None = None
    opportunity_id: str | None = None
    # Dry run: "partner_central Project.Title: 'a' -> 'b'" and the like.
    changes: list[str] = field(default_factory=list)


Report = Callable[[Planned], None]


# -- waiting instead of retrying later ---------------------------------------------------


def patiently(call: Callable[..., Any], *args: Any, sleep=time.sleep, **kwargs: Any) -> Any:
    """`call` again after the hinted wait while it is refused for now.

    Only for calls that are safe to repeat: reads, and writes our limiter
    refused before anything was sent.
    """
    return wait_out(partial(call, *args, **kwargs), hinted_wait, MAX_WAITS, sleep=sleep)


# -- reading both sides ---------------------------------------------------------------------


def list_opportunities(pc) -> Iterator[dict]:
    """Every opportunity summary, all pages, as background reads.

    Pages by hand (not `PartnerCentral.paginate`) so a refused page is waited
    for and asked again with the same NextToken instead of ending the listing.
    """
    token = None
    while True:
        params = {"MaxResults": LIST_PAGE_SIZE, **({"NextToken": token} if token else {})}
        page = patiently(pc.call, "ListOpportunities", priority="background", **params)
        yield from page.get("OpportunitySummaries", [])
        token = page.get("NextToken")
        if not token:
            return


def _rule_filter_groups(after_id: str) -> list[dict]:
    """The sync rule as search filter groups (ORed), each from `after_id` on."""
    after = {"propertyName": "hs_object_id", "operator": "GT", "value": after_id}
    return [
        {
            "filters": [
                {"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": SYNC_TAG},
                after,
            ]
        },
        {"filters": [{"propertyName": OPT_IN_PROPERTY, "operator": "EQ", "value": "true"}, after]},
    ]


def search_rule_deals(hubspot, pacer: Pacer | None = None) -> Iterator[dict]:
    """Deals matching the sync rule, by ascending id, paced under HubSpot's
    search limit. A query yields at most 10,000 results, so the search starts
    again after the last id seen; a refused page (429, our limiter) resumes
    there too after the hinted wait."""
    pacer = pacer or Pacer(SEARCH_INTERVAL_SECONDS)
    last_id, refusals = "0", 0
    while True:
        body = {
            "filterGroups": _rule_filter_groups(last_id),
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": ["dealname", OPT_IN_PROPERTY, REFERRAL_PROPERTY],
            "limit": SEARCH_PAGE_SIZE,
        }
        seen = 0
        try:
            pages = hubspot.search("deals", body, priority="background")
            for deal in paced_pages(pages, SEARCH_PAGE_SIZE, pacer):
                seen += 1
                refusals = 0
                last_id = str(deal["id"])
                yield deal
        except RetryableError as exc:
            refusals += 1
            if refusals > MAX_WAITS:
                raise
            pacer.pause(hinted_wait(exc))
            continue
        if seen < SEARCH_RESULT_CAP:
            return


def _links_by_deal(session, deal_ids: Iterable[str]) -> dict[str, OpportunityLink]:
    ids = list(dict.fromkeys(deal_ids))
    if not ids:
        return {}
    links = session.scalars(select(OpportunityLink).where(OpportunityLink.hubspot_deal_id.in_(ids)))
    return {link.hubspot_deal_id: link for link in links}


def _links_by_opportunity(session, catalog: str, opportunity_ids: Iterable[str]) -> dict:
    ids = list(dict.fromkeys(opportunity_ids))
    if not ids:
        return {}
    links = session.scalars(
        select(OpportunityLink).where(
            OpportunityLink.catalog == catalog, OpportunityLink.opportunity_id.in_(ids)
        )
    )
    return {link.opportunity_id: link for link in links}


def _limited(items: Iterable, limit: int | None) -> Iterator:
    for count, item in enumerate(items):
        if limit is not None and count >= limit:
            return
        yield item


# -- adoption -----------------------------------------------------------------------------


def adopt_opportunity(deal_id: str, opportunity_id: str, run: Run = RUN) -> Planned:
    """Link `deal_id` to an opportunity that already exists, with the
    opportunity's own values as the base snapshot, and show its id on the deal."""
    settings, config = runtime.settings(), runtime.engine_config()
    opportunity = patiently(
        runtime.partner_central().call,
        "GetOpportunity",
        priority=run.priority,
        Identifier=opportunity_id,
    )
    base = extract_pc_fields(opportunity, config)
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    try:
        with runtime.database().transaction() as session:
            existing = find_link(session, deal_id)
            if existing is not None:  # linked since the listing was read
                return _skip_linked(deal_id, opportunity_id, existing)
            link = OpportunityLink(
                hubspot_deal_id=deal_id,
                catalog=settings.pc_catalog,
                opportunity_id=opportunity_id,
                # Never sent: the opportunity exists. The column needs a value.
                client_token=client_token(settings.hubspot_portal_id or "0", deal_id, "adopt"),
                create_attempt=1,
                last_modified_date=opportunity["LastModifiedDate"].isoformat(),
                review_status=review_status,
                base_snapshot=base,
                deferred_fields={},
                sync_status="adopted",
            )
            session.add(link)
            audit(
                session,
                run,
                "opportunity.adopt",
                "adopted",
                deal_id,
                opportunity_id=opportunity_id,
                diff={"partner_central": {k: v for k, v in sorted(base.items()) if v is not None}},
                message="existing opportunity names this deal; linked without creating",
            )
    except IntegrityError:  # a unique-constraint race, found before HubSpot is written
        return Planned(
            OPPORTUNITY, opportunity_id, SKIP, "linked by another process meanwhile", deal_id
        )
    # After the link's commit (which decides the race): were this write lost,
    # the pair's next sync shows its opportunity id and status.
    send_deal_status(
        deal_id,
        {
            "aws_opportunity_id": opportunity_id,
            "aws_review_status": review_status or "",
            "aws_sync_status": "adopted",
            "aws_sync_error": "",
        },
    )
    return Planned(
        OPPORTUNITY, opportunity_id, ADOPT, "PartnerOpportunityIdentifier names the deal", deal_id
    )


def _skip_linked(deal_id: str, opportunity_id: str, link: OpportunityLink) -> Planned:
    other = link.opportunity_id or f"an opportunity being created ({link.sync_status})"
    return Planned(
        OPPORTUNITY, opportunity_id, SKIP, f"deal {deal_id} is already linked to {other}", deal_id
    )


# -- the two passes ---------------------------------------------------------------------------


@dataclass
class Backfill:
    options: BackfillOptions
    report: Report
    counts: Counter = field(default_factory=Counter)
    # deal id -> opportunity ids that name it (PartnerOpportunityIdentifier)
    named: dict[str, list[str]] = field(default_factory=dict)
    planned_adoptions: set[str] = field(default_factory=set)

    def emit(self, item: Planned) -> None:
        self.counts[(item.kind, item.action)] += 1
        self.report(item)

    def run(self) -> Counter:
        summaries = list(list_opportunities(runtime.partner_central()))
        for summary in summaries:
            deal_id = (summary.get("PartnerOpportunityIdentifier") or "").strip()
            if deal_id:
                self.named.setdefault(deal_id, []).append(summary["Id"])
        if self.options.opportunities:
            self.adopt_pass(summaries)
        if self.options.deals:
            self.deal_pass()
        if not self.options.dry_run:
            self.audit_run()
        return self.counts

    # pass 1 ---------------------------------------------------------------------------------

    def adopt_pass(self, summaries: list[dict]) -> None:
        catalog = runtime.settings().pc_catalog
        for chunk in batched(_limited(summaries, self.options.limit), CHUNK):
            named_ids = [(s.get("PartnerOpportunityIdentifier") or "").strip() for s in chunk]
            deal_ids = [d for d in named_ids if d.isdigit()]
            with runtime.database().transaction() as session:
                by_deal = _links_by_deal(session, deal_ids)
                by_opportunity = _links_by_opportunity(session, catalog, [s["Id"] for s in chunk])
            existing = (
                patiently(
                    runtime.hubspot().batch_read,
                    "deals",
                    deal_ids,
                    ["dealname"],
                    priority="background",
                )
                if deal_ids
                else {}
            )
            for summary, deal_id in zip(chunk, named_ids, strict=True):
                self.emit(self.adoption(summary["Id"], deal_id, by_deal, by_opportunity, existing))

    def adoption(self, opportunity_id, deal_id, by_deal, by_opportunity, existing) -> Planned:
        def skip(reason: str) -> Planned:
            return Planned(OPPORTUNITY, opportunity_id, SKIP, reason, deal_id or None)

        if opportunity_id in by_opportunity:
            linked_deal = by_opportunity[opportunity_id].hubspot_deal_id
            return skip(f"already linked to deal {linked_deal}")
        if not deal_id:
            return skip("no PartnerOpportunityIdentifier")
        if not deal_id.isdigit():
            return skip(f"PartnerOpportunityIdentifier {deal_id!r} is not a HubSpot deal id")
        if deal_id in by_deal:
            return _skip_linked(deal_id, opportunity_id, by_deal[deal_id])
        if deal_id not in existing:
            return skip(f"HubSpot has no deal {deal_id}")
        if len(self.named.get(deal_id, [])) > 1:
            others = ", ".join(self.named[deal_id])
            return skip(f"ambiguous: opportunities {others} all name deal {deal_id}")
        if self.options.dry_run:
            self.planned_adoptions.add(deal_id)
            return Planned(
                OPPORTUNITY,
                opportunity_id,
                ADOPT,
                "PartnerOpportunityIdentifier names the deal",
                deal_id,
                opportunity_id,
                [f"hubspot deal.aws_opportunity_id: -> {opportunity_id!r}"],
            )
        try:
            return adopt_opportunity(deal_id, opportunity_id)
        except PermanentError as exc:
            return Planned(OPPORTUNITY, opportunity_id, ERROR, str(exc), deal_id)

    # pass 2 ---------------------------------------------------------------------------------

    def deal_pass(self) -> None:
        deals = _limited(search_rule_deals(runtime.hubspot()), self.options.limit)
        for chunk in batched(deals, CHUNK):
            with runtime.database().transaction() as session:
                links = _links_by_deal(session, [str(d["id"]) for d in chunk])
            plans = []
            for deal in chunk:
                plan = self.deal_plan(str(deal["id"]), deal.get("properties") or {}, links)
                plans.append(plan)
                if self.options.dry_run:  # a dry run reads per deal: report as it goes
                    self.emit(plan)
            if self.options.dry_run:
                continue
            # Report only what was really queued.
            self.queue_syncs([p.deal_id for p in plans if p.action in (CREATE, SYNC)])
            for plan in plans:
                self.emit(plan)

    def queue_syncs(self, deal_ids: list[str]) -> None:
        """One background sync per deal through the normal task and pending
        markers (a deal that already has one queued is not queued twice)."""
        if not deal_ids:
            return
        with runtime.database().transaction() as session:
            queue_object_syncs(
                session, [("deal", d) for d in deal_ids], countdown=0, priority="background"
            )

    def deal_plan(self, deal_id: str, properties: dict, links: dict) -> Planned:
        def plan(action: str, reason: str, **details) -> Planned:
            return Planned(DEAL, deal_id, action, reason, deal_id, **details)

        link = links.get(deal_id)
        if link is not None and link.opportunity_id:
            return self.with_changes(plan(SYNC, "linked", opportunity_id=link.opportunity_id), link)
        if link is not None:
            return plan(CREATE, f"earlier create did not finish ({link.sync_status})")
        if not deal_wants_sync(properties):
            return plan(SKIP, "does not match the sync rule")
        if properties.get(REFERRAL_PROPERTY):
            return plan(SKIP, "AWS referral awaiting the operator's decision")
        if deal_id in self.planned_adoptions:
            return plan(SKIP, "an existing opportunity will be adopted (see above)")
        if deal_id in self.named:
            opportunities = ", ".join(self.named[deal_id])
            return plan(SKIP, f"opportunity {opportunities} names this deal; adopt it instead")
        return self.with_changes(plan(CREATE, "tagged, not linked"), None)

    def with_changes(self, item: Planned, link: OpportunityLink | None) -> Planned:
        """In a dry run, add what the sync would change (reads both sides)."""
        if not self.options.dry_run:
            return item
        try:
            state = patiently(
                read_deal_state, runtime.hubspot(), item.object_id, runtime.engine_config()
            )
            if state is None:
                return Planned(DEAL, item.object_id, SKIP, "deal deleted meanwhile", item.deal_id)
            if link is None:
                item.changes = planned_create_fields(state, RUN.today)
                return item
            opportunity = patiently(
                runtime.partner_central().call,
                "GetOpportunity",
                priority="background",
                Identifier=link.opportunity_id,
            )
            item.changes = planned_sync_changes(link, state, opportunity, RUN.today) or [
                "no changes"
            ]
        except PermanentError as exc:
            return Planned(DEAL, item.object_id, ERROR, str(exc), item.deal_id)
        return item

    def audit_run(self) -> None:
        counts = {f"{kind}.{action}": n for (kind, action), n in sorted(self.counts.items())}
        with runtime.database().transaction() as session:
            record_audit(
                session,
                action="backfill.run",
                outcome="completed",
                source=RUN.source,
                actor=RUN.actor,
                diff={"counts": counts, "limit": self.options.limit},
            )


def run_backfill(options: BackfillOptions, report: Report) -> Counter:
    """Run both passes (or one), calling `report` for every decision; returns
    counts by (kind, action)."""
    return Backfill(options, report).run()
