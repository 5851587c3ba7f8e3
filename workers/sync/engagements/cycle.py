"""The engagement cycle: detect which links changed, then drain.

Detection marks links dirty and advances the watermarks in one short
transaction after Partner Central was read (the listings happen with no
transaction open). What a cycle lists is described in the package's
docstring (workers/sync/engagements/__init__.py).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models.engagements import EngagementState
from models.links import OpportunityLink
from models.sync_state import get_state, set_state
from pcsync import runtime
from workers.engine.engagement_status import PENDING
from workers.engine.engagements import full_pass_due
from workers.engine.times import iso_ms, parse_iso
from workers.pacing import PacedPartnerCentral
from workers.sync.context import Run, audit_cycle, audit_skipped_cycle
from workers.sync.engagements.marking import mark_dirty
from workers.sync.engagements.observation import (
    OPPORTUNITY_PAGE,
    Prefetched,
    latest_invitations,
    list_associations,
    paced_client,
)
from workers.sync.engagements.refresh import (
    DRAIN_TIME_BUDGET_SECONDS,
    LOCK_TTL_SECONDS,
    DrainReport,
    drain,
)

log = logging.getLogger(__name__)

WATERMARK_KEY = "pc.engagements.watermark"
CYCLE_ACTION = "engagement.cycle"
ENGAGEMENT_WATERMARK_KEY = "pc.engagements.engagement_watermark"
# A full pass reads every engagement itself and only searches for the latest
# `ModifiedAt` (the next watermark), looking back this far.
ENGAGEMENT_WATERMARK_OVERLAP = timedelta(minutes=5)
FULL_PASS_KEY = "pc.engagements.last_full_pass"
FULL_PASS_INTERVAL = timedelta(days=1)
SINGLETON_NAME = "sync_engagements"
ENGAGEMENT_PAGE = 100  # SearchEngagements: 1-100


@dataclass
class CycleReport:
    full: bool
    watermark_before: str | None
    watermark_after: str | None
    listed_opportunities: int = 0
    listed_engagements: int = 0
    checked_pending: int = 0
    marked: int = 0
    drain: DrainReport | None = None

    def outcome(self) -> str:
        if self.drain is None:
            return "drain_busy"
        if self.drain.remaining:
            return "continuing"
        return "written" if self.drain.deals_written or self.drain.notes_created else "unchanged"


@dataclass(frozen=True)
class Known:
    """What the database knows before a cycle reads Partner Central."""

    watermark: str | None
    engagement_watermark: str | None
    last_full_pass: str | None
    links: dict[str, int]  # opportunity id -> link id
    states: dict[int, EngagementState]


def run_engagement_sync(
    run: Run, *, full: bool = False, time_budget: float | None = DRAIN_TIME_BUDGET_SECONDS
) -> CycleReport | None:
    """One cycle (detect, then drain), unless another is running: then None,
    audited. `time_budget=None` drains until nothing is dirty (the CLI)."""
    with runtime.locks().beat_singleton(SINGLETON_NAME, LOCK_TTL_SECONDS) as held:
        if not held:
            audit_skipped_cycle(run, CYCLE_ACTION, WATERMARK_KEY)
            log.info("engagements.cycle_skipped", extra={"reason": "previous cycle still running"})
            return None
        report, prefetched = detect(paced_client(run), full)
        report.drain = drain(run, prefetched=prefetched, time_budget=time_budget)
        with runtime.database().transaction() as session:
            audit_cycle(
                session, run, CYCLE_ACTION, WATERMARK_KEY, report.outcome(), diff=asdict(report)
            )
        log.info("engagements.cycle", extra=asdict(report))
        return report


def read_known() -> Known:
    catalog = runtime.settings().pc_catalog
    with runtime.database().transaction() as session:
        links = session.execute(
            select(OpportunityLink.opportunity_id, OpportunityLink.id).where(
                OpportunityLink.catalog == catalog, OpportunityLink.opportunity_id.is_not(None)
            )
        ).all()
        return Known(
            watermark=get_state(session, WATERMARK_KEY),
            engagement_watermark=get_state(session, ENGAGEMENT_WATERMARK_KEY),
            last_full_pass=get_state(session, FULL_PASS_KEY),
            links=dict(links),
            states={s.link_id: s for s in session.scalars(select(EngagementState))},
        )


def detect(pc: PacedPartnerCentral, full: bool) -> tuple[CycleReport, Prefetched]:
    known = read_known()
    last_full = parse_iso(known.last_full_pass) if known.last_full_pass else None
    now = runtime.utc_now()
    full = (
        full
        or known.watermark is None
        or known.engagement_watermark is None
        or full_pass_due(last_full, now, FULL_PASS_INTERVAL)
    )
    report = CycleReport(
        full=full, watermark_before=known.watermark, watermark_after=known.watermark
    )
    prefetched = Prefetched()
    if full:
        dirty, listing, engagement_watermark = full_detection(pc, known, now, report, prefetched)
    else:
        dirty, listing, engagement_watermark = incremental_detection(pc, known, report, prefetched)
    latest = max((item["LastModifiedDate"] for item in listing), default=None)
    with runtime.database().transaction() as session:
        report.marked = mark_dirty(session, dirty)
        if latest is not None:
            report.watermark_after = iso_ms(latest)
            set_state(session, WATERMARK_KEY, report.watermark_after)
        set_state(session, ENGAGEMENT_WATERMARK_KEY, engagement_watermark)
        if full:
            set_state(session, FULL_PASS_KEY, iso_ms(now))
    return report, prefetched


def full_detection(
    pc: PacedPartnerCentral,
    known: Known,
    now: datetime,
    report: CycleReport,
    prefetched: Prefetched,
) -> tuple[set[int], list[dict], str]:
    """Every link is dirty; every opportunity and association is listed once
    for the refresh. Returns (dirty links, listing, engagement watermark)."""
    _, engagement_watermark = moved_engagements(pc, {}, now - ENGAGEMENT_WATERMARK_OVERLAP, report)
    listing = list_opportunities(pc, None, report, prefetched)
    prefetched.associations = list_associations(pc)
    return set(known.links.values()), listing, engagement_watermark


def incremental_detection(
    pc: PacedPartnerCentral, known: Known, report: CycleReport, prefetched: Prefetched
) -> tuple[set[int], list[dict], str]:
    """New links, and those whose opportunity, engagement or pending
    invitation moved. Returns (dirty links, listing, engagement watermark)."""
    dirty = {i for i in known.links.values() if never_refreshed(known.states.get(i))}
    listing = list_opportunities(pc, parse_iso(known.watermark), report, prefetched)
    dirty |= moved_opportunities(listing, known.links, known.states)
    moved, engagement_watermark = moved_engagements(
        pc, known.states, parse_iso(known.engagement_watermark), report
    )
    dirty |= moved
    dirty |= answered_invitations(pc, known.states, report)
    return dirty, listing, engagement_watermark


def never_refreshed(state: EngagementState | None) -> bool:
    return state is None or state.refreshed_at is None


def list_opportunities(
    pc: PacedPartnerCentral, since: datetime | None, report: CycleReport, prefetched: Prefetched
) -> list[dict]:
    """Opportunities modified since `since` (all when None), oldest first; each
    is kept for the refresh, which then needs no read of its own."""
    params: dict = {
        "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "ASCENDING"},
        "MaxResults": OPPORTUNITY_PAGE,
    }
    if since is not None:
        params["LastModifiedDate"] = {"AfterLastModifiedDate": since}
    listing = list(pc.paginate("ListOpportunities", "OpportunitySummaries", **params))
    report.listed_opportunities = len(listing)
    prefetched.opportunities.update({item["Id"]: item for item in listing})
    return listing


def moved_opportunities(
    listing: list[dict], links: dict[str, int], states: dict[int, EngagementState]
) -> set[int]:
    moved = set()
    for item in listing:
        link_id = links.get(item["Id"])
        state = states.get(link_id) if link_id is not None else None
        if state is not None and state.opportunity_modified_at != iso_ms(item["LastModifiedDate"]):
            moved.add(link_id)
    return moved


def moved_engagements(
    pc: PacedPartnerCentral,
    states: dict[int, EngagementState],
    since: datetime,
    report: CycleReport,
) -> tuple[set[int], str]:
    """Links whose engagement moved since `since`, and the new engagement
    watermark (the latest `ModifiedAt` seen, or `since` unchanged). The filter
    is "on or after": the latest engagement is found again next time and
    costs nothing, as its link already saw it."""
    by_engagement: dict[str, list[EngagementState]] = {}
    for state in states.values():
        if state.engagement_id:
            by_engagement.setdefault(state.engagement_id, []).append(state)
    moved, latest = set(), since
    for engagement in pc.paginate(
        "SearchEngagements",
        "EngagementSearchSummaries",
        Filter={"GreaterThanOrEquals": {"Key": "LastModifiedAt", "Value": {"DateValue": since}}},
        Sort={"SortBy": "LastModifiedAt", "SortOrder": "ASCENDING"},
        MaxResults=ENGAGEMENT_PAGE,
    ):
        report.listed_engagements += 1
        if engagement.get("ModifiedAt"):
            latest = max(latest, engagement["ModifiedAt"])
        for state in by_engagement.get(engagement["Id"], ()):
            modified = iso_ms(engagement["ModifiedAt"]) if engagement.get("ModifiedAt") else None
            if (modified, engagement.get("MemberCount")) != (
                state.engagement_modified_at,
                state.member_count,
            ):
                moved.add(state.link_id)
    return moved, iso_ms(latest)


def answered_invitations(
    pc: PacedPartnerCentral, states: dict[int, EngagementState], report: CycleReport
) -> set[int]:
    pending = [s for s in states.values() if s.status == PENDING and s.engagement_id]
    report.checked_pending = len(pending)
    latest = latest_invitations(pc, {s.engagement_id for s in pending})
    return {s.link_id for s in pending if latest.get(s.engagement_id) != s.invitation_status}
