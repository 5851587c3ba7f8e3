"""AWS engagement lifecycle on HubSpot deals: is AWS engaged, with whom, since when.

Runs from beat every PCSYNC_ENGAGEMENT_SYNC_MINUTES (30), on Partner
Central events, and from `pcsync sync engagements [--full]`. Two steps:

**Detect** (the cycle only) marks links dirty (`EngagementState.dirty_since`)
and advances the watermark in the same transaction. Partner Central has no
"engagements changed since" query, so for N links a cycle looks at:

1. opportunities modified since the watermark (`ListOpportunities`,
   `AfterLastModifiedDate`, ascending, 100 a page): stage, review status,
   submission, AWS approval or rejection; ceil(changed/100) calls + 1;
2. engagements modified since the engagement watermark (`SearchEngagements`
   filtered on `LastModifiedAt`, oldest first, 100 a page) whose `ModifiedAt`
   or `MemberCount` differs from what the link last saw: a partner joined;
   ceil(changed/100) calls, one when nothing changed;
3. links still Pending whose engagement's latest invitation changed
   (`ListEngagementInvitations`, 10 engagements a call, both directions): an
   expiry moves no timestamp at all; 2 * ceil(pending/10) calls;
4. links never refreshed (new links).

Changes to AWS's side alone (the AWS team, AWS's stage in
`GetAwsOpportunitySummary`) move no timestamp pcsync can list: they arrive
through `Opportunity Updated` events, and a **full pass** (every
FULL_PASS_INTERVAL, the first cycle, or `--full`) re-reads every link so a
lost event is caught within a day. A full pass lists every opportunity and
every engagement association once instead of per link.

**Refresh** (the drain) re-reads each dirty link, 100 at a time:
`ListEngagementResourceAssociations` (the opportunity's engagements; the
most recently created one is shown), `GetEngagement` (kickoff, member
count), `ListEngagementMembers` (10 a page, the model's maximum),
`GetAwsOpportunitySummary` (AWS team and stage; absent before submission),
`ListEngagementInvitations` (10 engagements a call) and, unless the cycle
listed it, the opportunity's stage and review status (`ListOpportunities`
by Identifier, 20 a call). It derives the status (table in
`workers.engine.engagement_status`), writes the deal properties that differ
from what pcsync last wrote with HubSpot batch updates (100 deals a call),
and records one note per observed change of status or team in the notes
ledger in the same transaction as the new state; the notes are then sent
(see `models.engagements`). Each batch commits on its own, so a cycle
stopped by a rate limit, the time budget or a crash continues where it
stopped. One drainer runs at a time (a lock), so a link is never refreshed
twice at once. All Partner Central calls use the run's priority
(background for beat and the CLI).
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from models.engagements import EngagementNote, EngagementState
from models.links import OpportunityLink
from models.sync_state import get_state, set_state
from pcsync import runtime
from workers.clients.partner_central import PartnerCentral
from workers.engine.engagement_status import (
    PENDING,
    EngagementFacts,
    derive_status,
    kickoff_date,
    latest_invitation_status,
    team_hash,
    team_text,
    transition_key,
)
from workers.errors import NotFound, PermanentError, RateLimited, RetryableError
from workers.sync.aws_summary import TEXTAREA_LIMIT, never_submitted
from workers.sync.aws_summary import team_text as aws_people_text
from workers.sync.context import Run
from workers.sync.deal_status import now_iso
from workers.sync.reconciliation import batched, iso_ms, parse_iso

log = logging.getLogger(__name__)

WATERMARK_KEY = "pc.engagements.watermark"
ENGAGEMENT_WATERMARK_KEY = "pc.engagements.engagement_watermark"
# A full pass reads every engagement itself and only searches for the latest
# `ModifiedAt` (the next watermark), looking back this far.
ENGAGEMENT_WATERMARK_OVERLAP = timedelta(minutes=5)
FULL_PASS_KEY = "pc.engagements.last_full_pass"
FULL_PASS_INTERVAL = timedelta(days=1)
SINGLETON_NAME = "sync_engagements"
DRAIN_LOCK_NAME = "engagements:drain"
# Neither lock outlives the task time limit (celeryconfig.task_time_limit);
# a drain stops taking new batches after its time budget and continues in
# a follow-up task.
LOCK_TTL_SECONDS = 900
DRAIN_TIME_BUDGET_SECONDS = 600.0

BATCH_SIZE = 100  # links per refresh batch = deals per HubSpot batch update
OPPORTUNITY_PAGE = 100  # ListOpportunities: 1-100
ENGAGEMENT_PAGE = 100  # SearchEngagements: 1-100
ASSOCIATION_PAGE = 1000  # ListEngagementResourceAssociations: 1-1000
MEMBER_PAGE = 10  # ListEngagementMembers: 1-10
INVITATION_PAGE = 100  # ListEngagementInvitations: 1-100
IDENTIFIERS_PER_LIST = 20  # ListOpportunities Identifier filter: up to 20
ENGAGEMENTS_PER_LIST = 10  # EngagementIdentifier filters: up to 10
MARK_CHUNK = 1000  # link ids per statement when marking
PARTICIPANT_TYPES = ("SENDER", "RECEIVER")

# A refusal by a per-second window is waited out in place; a longer one (the
# daily budget, the background reserve) ends the task, which retries later
# and finds its committed progress.
PACING_MAX_WAIT_SECONDS = 2.0
PACING_ATTEMPTS = 20

ENGAGEMENT_PROPERTIES = (
    "aws_engagement_id",
    "aws_engagement_status",
    "aws_engagement_team",
    "aws_engagement_member_count",
    "aws_engagement_kickoff_date",
)
NOTE_MARKER = "pcsync ref "


# -- reports ----------------------------------------------------------------------------


@dataclass
class DrainReport:
    refreshed: int = 0
    deals_written: int = 0
    notes_created: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    remaining: int = 0


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


@dataclass
class Prefetched:
    """What a cycle's listings already returned, so the refresh need not ask again."""

    opportunities: dict[str, dict] = field(default_factory=dict)  # id -> OpportunitySummary
    associations: dict[str, list[str]] | None = None  # opportunity id -> engagement ids


@dataclass(frozen=True)
class Observation:
    """One link's engagement as derived from Partner Central."""

    engagement_id: str | None
    status: str
    team: str
    team_hash: str
    member_count: int
    kickoff_date: str
    engagement_modified_at: str | None
    opportunity_modified_at: str | None
    invitation_status: str | None

    def properties(self) -> dict[str, str]:
        engaged = self.engagement_id is not None
        return {
            "aws_engagement_id": self.engagement_id or "",
            "aws_engagement_status": self.status,
            "aws_engagement_team": self.team[:TEXTAREA_LIMIT],
            "aws_engagement_member_count": str(self.member_count) if engaged else "",
            "aws_engagement_kickoff_date": self.kickoff_date,
        }


@dataclass(frozen=True)
class DirtyLink:
    link_id: int
    deal_id: str
    opportunity_id: str
    dirty_since: datetime


# -- Partner Central, paced ---------------------------------------------------------------


class PacedPartnerCentral:
    """The Partner Central client for long cycles: the same calls, at the
    run's priority, with per-second refusals of our limiter waited out."""

    def __init__(
        self, client: PartnerCentral, priority: str, sleep: Callable[[float], None] = time.sleep
    ):
        self.client = client
        self.priority = priority
        self.sleep = sleep

    def call(self, operation: str, *, priority: str | None = None, **params) -> dict:
        for _ in range(PACING_ATTEMPTS):
            try:
                return self.client.call(operation, priority=self.priority, **params)
            except RetryableError as exc:
                wait = pacing_wait(exc)
                if wait is None:
                    raise
                self.sleep(wait)
        return self.client.call(operation, priority=self.priority, **params)

    def paginate(self, operation: str, result_key: str, **params):
        # The client's own paging loop, running through the paced `call`.
        return PartnerCentral.paginate(self, operation, result_key, **params)


def pacing_wait(exc: RetryableError) -> float | None:
    """How long to wait in place before calling again, or None to give up
    (the task then retries with backoff). Our limiter's per-second refusals
    name their wait; Partner Central's ThrottlingException (HTTP 429) names
    none, and it also comes when both sides count the same second slightly
    differently: one second clears a per-second window."""
    if isinstance(exc, RateLimited):
        return exc.retry_after if exc.retry_after <= PACING_MAX_WAIT_SECONDS else None
    if exc.service == "partnercentral" and exc.status_code == 429:
        return 1.0
    return None


def paced_client(run: Run) -> PacedPartnerCentral:
    return PacedPartnerCentral(runtime.partner_central(), run.priority)


# -- the cycle ----------------------------------------------------------------------------


def run_engagement_sync(
    run: Run, *, full: bool = False, time_budget: float | None = DRAIN_TIME_BUDGET_SECONDS
) -> CycleReport | None:
    """One cycle (detect, then drain), unless another is running: then None,
    audited. `time_budget=None` drains until nothing is dirty (the CLI)."""
    with runtime.locks().beat_singleton(SINGLETON_NAME, LOCK_TTL_SECONDS) as held:
        if not held:
            with runtime.database().transaction() as session:
                audit_cycle(session, run, "skipped", message="a previous cycle is still running")
            return None
        pc = paced_client(run)
        report, prefetched = detect(pc, run, full)
        report.drain = drain(run, prefetched=prefetched, time_budget=time_budget)
        with runtime.database().transaction() as session:
            audit_cycle(session, run, cycle_outcome(report), diff=asdict(report))
        log.info("engagements.cycle", extra=asdict(report))
        return report


def cycle_outcome(report: CycleReport) -> str:
    if report.drain is None:
        return "drain_busy"
    if report.drain.remaining:
        return "continuing"
    return "written" if report.drain.deals_written or report.drain.notes_created else "unchanged"


def detect(pc: PacedPartnerCentral, run: Run, full: bool) -> tuple[CycleReport, Prefetched]:
    catalog = runtime.settings().pc_catalog
    with runtime.database().transaction() as session:
        watermark = get_state(session, WATERMARK_KEY)
        engagement_watermark = get_state(session, ENGAGEMENT_WATERMARK_KEY)
        last_full = get_state(session, FULL_PASS_KEY)
        links = dict(
            session.execute(
                select(OpportunityLink.opportunity_id, OpportunityLink.id).where(
                    OpportunityLink.catalog == catalog, OpportunityLink.opportunity_id.is_not(None)
                )
            ).all()
        )
        states = {s.link_id: s for s in session.scalars(select(EngagementState))}
    full = full or watermark is None or engagement_watermark is None or full_pass_due(last_full)
    report = CycleReport(full=full, watermark_before=watermark, watermark_after=watermark)
    prefetched = Prefetched()
    if full:
        _, engagement_watermark = moved_engagements(
            pc, {}, datetime.now(UTC) - ENGAGEMENT_WATERMARK_OVERLAP, report
        )
        dirty = set(links.values())
        listing = list_opportunities(pc, None, report, prefetched)
        prefetched.associations = list_associations(pc)
    else:
        dirty = {link_id for link_id in links.values() if _never_refreshed(states.get(link_id))}
        listing = list_opportunities(pc, parse_iso(watermark), report, prefetched)
        dirty |= moved_opportunities(listing, links, states)
        moved, engagement_watermark = moved_engagements(
            pc, states, parse_iso(engagement_watermark), report
        )
        dirty |= moved
        dirty |= answered_invitations(pc, states, report)
    latest = max((item["LastModifiedDate"] for item in listing), default=None)
    with runtime.database().transaction() as session:
        report.marked = mark_dirty(session, dirty)
        if latest is not None:
            report.watermark_after = iso_ms(latest)
            set_state(session, WATERMARK_KEY, report.watermark_after)
        set_state(session, ENGAGEMENT_WATERMARK_KEY, engagement_watermark)
        if full:
            set_state(session, FULL_PASS_KEY, iso_ms(datetime.now(UTC)))
    return report, prefetched


def full_pass_due(last_full: str | None) -> bool:
    return last_full is None or datetime.now(UTC) - parse_iso(last_full) >= FULL_PASS_INTERVAL


def _never_refreshed(state: EngagementState | None) -> bool:
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


def latest_invitations(pc: PacedPartnerCentral, engagement_ids: Iterable[str]) -> dict[str, str]:
    """{engagement id: status of its latest invitation, either direction}."""
    found: dict[str, list[dict]] = {}
    for chunk in batched(sorted(engagement_ids), ENGAGEMENTS_PER_LIST):
        for participant in PARTICIPANT_TYPES:
            for invitation in pc.paginate(
                "ListEngagementInvitations",
                "EngagementInvitationSummaries",
                ParticipantType=participant,
                EngagementIdentifier=chunk,
                MaxResults=INVITATION_PAGE,
            ):
                found.setdefault(invitation.get("EngagementId"), []).append(invitation)
    return {engagement: latest_invitation_status(items) for engagement, items in found.items()}


def list_associations(pc: PacedPartnerCentral) -> dict[str, list[str]]:
    """Every opportunity's engagements, 1000 associations a call (full pass)."""
    associations: dict[str, list[str]] = {}
    for item in pc.paginate(
        "ListEngagementResourceAssociations",
        "EngagementResourceAssociationSummaries",
        ResourceType="Opportunity",
        MaxResults=ASSOCIATION_PAGE,
    ):
        associations.setdefault(item["ResourceId"], []).append(item["EngagementId"])
    return associations


def mark_dirty(session, link_ids: Iterable[int]) -> int:
    """Ask for a refresh of these links; a link already waiting keeps its
    place. Returns how many were newly marked."""
    now = datetime.now(UTC)
    marked = 0
    # Chunked: a full pass marks every link, and drivers cap bound parameters.
    for chunk in batched(sorted(set(link_ids)), MARK_CHUNK):
        existing = set(
            session.scalars(
                select(EngagementState.link_id).where(EngagementState.link_id.in_(chunk))
            )
        )
        new = [i for i in chunk if i not in existing]
        session.add_all(EngagementState(link_id=i, dirty_since=now) for i in new)
        remarked = session.execute(
            update(EngagementState)
            .where(EngagementState.link_id.in_(existing), EngagementState.dirty_since.is_(None))
            .values(dirty_since=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        marked += len(new) + (remarked or 0)
    return marked


def mark_opportunities_dirty(session, opportunity_ids: Iterable[str]) -> int:
    """Mark the links of these opportunities (those pcsync links) for refresh."""
    link_ids = session.scalars(
        select(OpportunityLink.id).where(
            OpportunityLink.catalog == runtime.settings().pc_catalog,
            OpportunityLink.opportunity_id.in_(set(opportunity_ids)),
        )
    ).all()
    return mark_dirty(session, link_ids)


def opportunities_of_engagement(run: Run, engagement_id: str) -> list[str]:
    """The opportunities an engagement concerns: known links first, else
    Partner Central (a new engagement, or one pcsync has not seen yet)."""
    with runtime.database().transaction() as session:
        known = session.scalars(
            select(OpportunityLink.opportunity_id)
            .join(EngagementState, EngagementState.link_id == OpportunityLink.id)
            .where(EngagementState.engagement_id == engagement_id)
        ).all()
    if known:
        return list(known)
    listing = paced_client(run).paginate(
        "ListEngagementResourceAssociations",
        "EngagementResourceAssociationSummaries",
        EngagementIdentifier=engagement_id,
        ResourceType="Opportunity",
        MaxResults=ASSOCIATION_PAGE,
    )
    return sorted({item["ResourceId"] for item in listing})


# -- the drain ----------------------------------------------------------------------------


def drain(
    run: Run,
    *,
    prefetched: Prefetched | None = None,
    time_budget: float | None = DRAIN_TIME_BUDGET_SECONDS,
) -> DrainReport | None:
    """Refresh dirty links, 100 at a time, until none is left or the time
    budget is spent. None when another drain is running."""
    with runtime.locks().try_lock(DRAIN_LOCK_NAME, LOCK_TTL_SECONDS) as held:
        if not held:
            return None
        report = DrainReport()
        deliver_notes(run, report)  # left over by an interrupted run
        pc = paced_client(run)
        deadline = None if time_budget is None else time.monotonic() + time_budget
        while deadline is None or time.monotonic() < deadline:
            batch = next_dirty_batch()
            if not batch:
                break
            refresh_batch(pc, batch, run, prefetched or Prefetched(), report)
        report.remaining = count_dirty()
        return report


def next_dirty_batch() -> list[DirtyLink]:
    with runtime.database().transaction() as session:
        rows = session.execute(
            select(
                EngagementState.link_id,
                OpportunityLink.hubspot_deal_id,
                OpportunityLink.opportunity_id,
                EngagementState.dirty_since,
            )
            .join(OpportunityLink, OpportunityLink.id == EngagementState.link_id)
            .where(EngagementState.dirty_since.is_not(None))
            .order_by(EngagementState.dirty_since, EngagementState.link_id)
            .limit(BATCH_SIZE)
        ).all()
    return [DirtyLink(*row) for row in rows]


def count_dirty() -> int:
    with runtime.database().transaction() as session:
        return session.scalar(
            select(func.count())
            .select_from(EngagementState)
            .where(EngagementState.dirty_since.is_not(None))
        )


def refresh_batch(
    pc: PacedPartnerCentral,
    batch: list[DirtyLink],
    run: Run,
    prefetched: Prefetched,
    report: DrainReport,
) -> None:
    observations, problems = observe(pc, batch, prefetched)
    link_ids = [item.link_id for item in batch]
    with runtime.database().transaction() as session:
        written = dict(
            session.execute(
                select(EngagementState.link_id, EngagementState.written).where(
                    EngagementState.link_id.in_(link_ids)
                )
            ).all()
        )
    # HubSpot first, then the state: after a crash in between, the next run
    # sends the same values again (harmless) and derives the same notes.
    sent = write_properties(batch, written, observations, run)
    with runtime.database().transaction() as session:
        states = {
            s.link_id: s
            for s in session.scalars(
                select(EngagementState).where(EngagementState.link_id.in_(link_ids))
            )
        }
        for item in batch:
            state = states[item.link_id]
            if item.link_id in observations:
                record_observation(session, run, item, state, observations[item.link_id], sent)
            else:
                record_problem(session, run, item, problems[item.link_id], report)
            if state.dirty_since == item.dirty_since:
                state.dirty_since = None  # else an event asked again meanwhile
        report.refreshed += len(observations)
        report.deals_written += len(sent)
        report.unchanged += sum(
            1 for i in batch if i.link_id in observations and i.deal_id not in sent
        )
    deliver_notes(run, report, deal_ids=[item.deal_id for item in batch])


def write_properties(
    batch: list[DirtyLink],
    written: dict[int, dict | None],
    observations: dict[int, Observation],
    run: Run,
) -> dict[str, dict[str, str]]:
    """One HubSpot batch update for the deals whose engagement properties
    differ from what pcsync last wrote. Returns {deal id: properties sent};
    a deal HubSpot no longer has is left out."""
    changes = {}
    for item in batch:
        observation = observations.get(item.link_id)
        if observation is None:
            continue
        # A property pcsync never wrote is empty on the deal: writing "" is no change.
        before = written.get(item.link_id) or {}
        changed = {k: v for k, v in observation.properties().items() if before.get(k, "") != v}
        if changed:
            changes[item.deal_id] = changed
    if not changes:
        return {}
    stamp = now_iso()
    updates = {
        deal: {**changed, "aws_last_engagement_sync": stamp} for deal, changed in changes.items()
    }
    results = runtime.hubspot().batch_update("deals", updates, priority=run.priority)
    updated = {str(record["id"]) for record in results}
    return {deal: changes[deal] for deal in sorted(updated & set(changes))}


def record_observation(
    session,
    run: Run,
    item: DirtyLink,
    state: EngagementState,
    observation: Observation,
    sent: dict[str, dict[str, str]],
) -> None:
    """The new state, its audit entry and (for a change of status or team) the
    note's ledger entry, all in the caller's transaction."""
    change = noted_change(state, observation)
    before, after, note_key = {}, {}, None
    if change is not None:
        before, after = change
        note_key = transition_key(item.deal_id, state.change_count, before, after)
        record_note_intent(session, item, note_key, note_body(state, observation, note_key))
        state.change_count += 1
    written = sent.get(item.deal_id)
    if written:
        state.written = {**(state.written or {}), **written}
    if written or change:
        run.audit(
            session,
            action="engagement.refresh",
            outcome="updated" if written else "noted",
            object_type="deal",
            object_id=item.deal_id,
            opportunity_id=item.opportunity_id,
            diff={"hubspot": written or {}, "before": before, "after": after, "note": note_key},
        )
    state.engagement_id = observation.engagement_id
    state.status = observation.status
    state.invitation_status = observation.invitation_status
    state.team_hash = observation.team_hash
    state.member_count = observation.member_count if observation.engagement_id else None
    state.engagement_modified_at = observation.engagement_modified_at
    state.opportunity_modified_at = observation.opportunity_modified_at
    state.refreshed_at = datetime.now(UTC)


def record_problem(session, run: Run, item: DirtyLink, problem: str, report: DrainReport) -> None:
    """An opportunity Partner Central no longer shows us, or a refusal that
    will repeat: audited; the link waits for its next change."""
    gone = problem.startswith("gone")
    report.gone += gone
    report.failed += not gone
    run.audit(
        session,
        action="engagement.refresh",
        outcome="opportunity_gone" if gone else "failed",
        object_type="deal",
        object_id=item.deal_id,
        opportunity_id=item.opportunity_id,
        message=problem,
    )


def noted_change(state: EngagementState, observation: Observation) -> tuple[dict, dict] | None:
    """(before, after) of what a note must report, or None. The first
    observation of a link reports its status (unless "not engaged") but not
    its team, which had no earlier value to change from."""
    before, after = {}, {}
    if (state.status or "") != observation.status:
        before["status"], after["status"] = state.status or "", observation.status
    if state.team_hash is not None and state.team_hash != observation.team_hash:
        before["team"], after["team"] = state.team_hash, observation.team_hash
    return (before, after) if after else None


def note_body(state: EngagementState, observation: Observation, note_key: str) -> str:
    """The note as a rep reads it, ending with the ledger reference pcsync
    finds it by after a crash."""
    parts = []
    previous_status = state.status or ""
    if previous_status != observation.status:
        now = observation.status or "not engaged"
        was = f" (was {previous_status})" if previous_status else ""
        parts.append(f"<p><strong>AWS engagement status: {html.escape(now)}</strong>{was}</p>")
    previous_team = (state.written or {}).get("aws_engagement_team")
    if state.team_hash is not None and state.team_hash != observation.team_hash:
        parts.append("<p><strong>AWS engagement team changed</strong></p>")
        if previous_team:
            parts.append(f"<p>Before:<br>{_lines(previous_team)}</p>")
    if observation.team:
        parts.append(f"<p>Team:<br>{_lines(observation.team)}</p>")
    if observation.engagement_id:
        parts.append(
            f"<p>Engagement {observation.engagement_id}, {observation.member_count} member(s)"
            f", kickoff {observation.kickoff_date or 'unknown'}</p>"
        )
    parts.append(f"<p>{NOTE_MARKER}{note_key[:20]}</p>")
    return "".join(parts)


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def record_note_intent(session, item: DirtyLink, note_key: str, body: str) -> None:
    """The note's ledger entry, unless an earlier run already recorded this
    very transition (same deal, same key)."""
    exists = session.scalar(
        select(EngagementNote.id).where(
            EngagementNote.hubspot_deal_id == item.deal_id,
            EngagementNote.transition_hash == note_key,
        )
    )
    if exists is None:
        session.add(
            EngagementNote(
                hubspot_deal_id=item.deal_id,
                opportunity_id=item.opportunity_id,
                transition_hash=note_key,
                body=body,
            )
        )


# -- reading Partner Central ----------------------------------------------------------------


def observe(
    pc: PacedPartnerCentral, batch: list[DirtyLink], prefetched: Prefetched
) -> tuple[dict[int, Observation], dict[int, str]]:
    """Observations for the batch's links, and why the others have none."""
    summaries = opportunity_summaries(pc, [item.opportunity_id for item in batch], prefetched)
    partial: dict[int, tuple[dict, dict]] = {}
    problems: dict[int, str] = {}
    for item in batch:
        summary = summaries.get(item.opportunity_id)
        if summary is None:
            problems[item.link_id] = f"gone: {item.opportunity_id} is not listed by Partner Central"
            continue
        try:
            engagement = read_engagement(pc, item.opportunity_id, prefetched, summary)
            partial[item.link_id] = (summary, engagement)
        except PermanentError as exc:
            problems[item.link_id] = exc.api_message or str(exc)
    engagement_ids = {e["Id"] for _, e in partial.values() if e.get("Id")}
    invitations = latest_invitations(pc, engagement_ids)
    observations = {
        link_id: observation_of(summary, engagement, invitations.get(engagement.get("Id")))
        for link_id, (summary, engagement) in partial.items()
    }
    return observations, problems


def opportunity_summaries(
    pc: PacedPartnerCentral, opportunity_ids: list[str], prefetched: Prefetched
) -> dict[str, dict]:
    """OpportunitySummary (stage, review status, LastModifiedDate) per id:
    from the cycle's listing when it has them, else 20 ids a call."""
    found = {
        i: prefetched.opportunities[i] for i in opportunity_ids if i in prefetched.opportunities
    }
    missing = [i for i in opportunity_ids if i not in found]
    for chunk in batched(missing, IDENTIFIERS_PER_LIST):
        for item in pc.paginate(
            "ListOpportunities",
            "OpportunitySummaries",
            Identifier=chunk,
            MaxResults=OPPORTUNITY_PAGE,
        ):
            found[item["Id"]] = item
    return found


def read_engagement(
    pc: PacedPartnerCentral, opportunity_id: str, prefetched: Prefetched, summary: dict
) -> dict:
    """The opportunity's current engagement (GetEngagement, plus its members
    and the AWS summary under private keys); {} when it has none. `summary`
    is the opportunity as listed (its review status)."""
    if prefetched.associations is not None:
        engagement_ids = prefetched.associations.get(opportunity_id, [])
    else:
        engagement_ids = [
            item["EngagementId"]
            for item in pc.paginate(
                "ListEngagementResourceAssociations",
                "EngagementResourceAssociationSummaries",
                ResourceType="Opportunity",
                ResourceIdentifier=opportunity_id,
                MaxResults=ASSOCIATION_PAGE,
            )
        ]
    engagements = [
        pc.call("GetEngagement", Identifier=engagement_id)
        for engagement_id in dict.fromkeys(engagement_ids)
    ]
    engagement: dict = max(engagements, key=_created_order) if engagements else {}
    if engagement:
        engagement["_members"] = list(
            pc.paginate(
                "ListEngagementMembers",
                "EngagementMemberList",
                Identifier=engagement["Id"],
                MaxResults=MEMBER_PAGE,
            )
        )
    engagement["_aws"] = {}
    if never_submitted((summary.get("LifeCycle") or {}).get("ReviewStatus")):
        return engagement  # AWS has no side until the opportunity is submitted
    with suppress(NotFound):  # nor until AWS has taken it up
        engagement["_aws"] = pc.call(
            "GetAwsOpportunitySummary", RelatedOpportunityIdentifier=opportunity_id
        )
    return engagement


def _created_order(engagement: dict) -> tuple:
    created = engagement.get("CreatedAt")
    return (created is not None, created.timestamp() if created else 0.0, engagement["Id"])


def observation_of(summary: dict, engagement: dict, invitation_status: str | None) -> Observation:
    lifecycle = summary.get("LifeCycle") or {}
    aws = engagement.get("_aws") or {}
    members = engagement.get("_members") or []
    facts = EngagementFacts(
        engagement_id=engagement.get("Id"),
        engagement_created_at=engagement.get("CreatedAt"),
        member_companies=tuple(m.get("CompanyName") or m.get("AccountId") or "" for m in members),
        member_count=engagement.get("MemberCount") or len(members),
        partner_stage=lifecycle.get("Stage"),
        review_status=lifecycle.get("ReviewStatus"),
        aws_stage=(aws.get("LifeCycle") or {}).get("Stage"),
        invitation_status=invitation_status,
        aws_people=aws_people_text(aws.get("OpportunityTeam")),
    )
    team = team_text(facts)
    modified = engagement.get("ModifiedAt")
    return Observation(
        engagement_id=facts.engagement_id,
        status=derive_status(facts),
        team=team,
        team_hash=team_hash(team),
        member_count=facts.member_count,
        kickoff_date=kickoff_date(facts),
        engagement_modified_at=iso_ms(modified) if modified else None,
        opportunity_modified_at=iso_ms(summary["LastModifiedDate"]),
        invitation_status=invitation_status,
    )


# -- notes ------------------------------------------------------------------------------------


def deliver_notes(run: Run, report: DrainReport, deal_ids: list[str] | None = None) -> None:
    """Send the ledger's intended notes (of these deals, or all): those never
    tried in batches of 100, those a crash may have sent one by one, each
    looked for on its deal first."""
    with runtime.database().transaction() as session:
        query = select(EngagementNote.id, EngagementNote.attempted_at).where(
            EngagementNote.state == "intended"
        )
        if deal_ids is not None:
            query = query.where(EngagementNote.hubspot_deal_id.in_(deal_ids))
        notes = session.execute(query.order_by(EngagementNote.id)).all()
    for chunk in batched([i for i, tried in notes if tried is None], BATCH_SIZE):
        report.notes_created += deliver_note_batch(chunk, run)
    for note_id in [i for i, tried in notes if tried is not None]:
        report.notes_created += deliver_note(note_id, run)


def deliver_note_batch(note_ids: list[int], run: Run) -> int:
    """Intent, then one batch create, then the marks; the notes created.
    A batch HubSpot refuses (a deal deleted meanwhile) goes note by note."""
    with runtime.database().transaction() as session:
        notes = [session.get(EngagementNote, i) for i in note_ids]
        pending = [n for n in notes if n and n.state == "intended" and n.attempted_at is None]
        for note in pending:
            note.attempted_at = datetime.now(UTC)
        sending = [(n.id, n.hubspot_deal_id, n.body, n.transition_hash) for n in pending]
    if not sending:
        return 0
    stamp = int(time.time() * 1000)
    try:
        created = runtime.hubspot().create_notes(
            [(deal, body, stamp) for _, deal, body, _ in sending]
        )
    except PermanentError:
        return sum(deliver_note(note_id, run) for note_id, *_ in sending)
    for note_id, _, _, key in sending:
        record = next((r for r in created if _carries(r, key)), None)
        if record is not None:
            settle_note(note_id, run, "created", hubspot_note_id=str(record["id"]))
    return len(created)


def _carries(record: dict, note_key: str) -> bool:
    body = (record.get("properties") or {}).get("hs_note_body") or ""
    return NOTE_MARKER + note_key[:20] in body


def deliver_note(note_id: int, run: Run) -> bool:
    """Intent, then the HubSpot call, then the mark: `attempted_at` is
    committed before the call, so a note whose creation may have happened
    is first looked for on the deal. True when this call created it."""
    with runtime.database().transaction() as session:
        note = session.get(EngagementNote, note_id)
        if note is None or note.state != "intended":
            return False
        maybe_sent = note.attempted_at is not None
        note.attempted_at = datetime.now(UTC)
        deal_id, body, key = note.hubspot_deal_id, note.body, note.transition_hash
    hubspot = runtime.hubspot()
    existing = find_sent_note(deal_id, key) if maybe_sent else None
    created = None
    if existing is None:
        try:
            created = hubspot.create_note(deal_id, body, int(time.time() * 1000))
        except PermanentError as exc:  # e.g. the deal was deleted
            settle_note(note_id, run, "failed", error=exc.api_message or str(exc))
            return False
    settle_note(note_id, run, "created", hubspot_note_id=existing or str(created["id"]))
    return created is not None


def find_sent_note(deal_id: str, note_key: str) -> str | None:
    """The id of the deal's note carrying this ledger reference, if any."""
    hubspot = runtime.hubspot()
    associated = hubspot.associations("deals", "notes", [deal_id])
    note_ids = [a["id"] for a in associated.get(str(deal_id), [])]
    if not note_ids:
        return None
    for note_id, note in hubspot.batch_read("notes", note_ids, ["hs_note_body"]).items():
        if _carries(note, note_key):
            return note_id
    return None


def settle_note(
    note_id: int,
    run: Run,
    state: str,
    *,
    hubspot_note_id: str | None = None,
    error: str | None = None,
) -> None:
    with runtime.database().transaction() as session:
        note = session.get(EngagementNote, note_id)
        note.move_to(state)
        note.note_id = hubspot_note_id
        note.last_error = error
        run.audit(
            session,
            action="engagement.note",
            outcome=state,
            object_type="deal",
            object_id=note.hubspot_deal_id,
            opportunity_id=note.opportunity_id,
            diff={"note_id": hubspot_note_id, "transition": note.transition_hash},
            message=error,
        )


def audit_cycle(session, run: Run, outcome: str, **details) -> None:
    run.audit(
        session,
        action="engagement.cycle",
        outcome=outcome,
        object_type="sync_state",
        object_id=WATERMARK_KEY,
        **details,
    )
