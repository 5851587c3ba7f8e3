"""The drain: dirty links re-read from Partner Central, 100 at a time, their
deals written and their changes noted.

Each batch is read (workers/sync/engagements/observation.py), written to
HubSpot, then recorded in one short transaction: the new state, its audit
entries and the notes ledger; the notes are sent last (notes.py). No
Partner Central or HubSpot call happens while a transaction is open. Each
batch commits on its own, so a drain stopped by a rate limit, the time
budget or a crash continues where it stopped. One drainer runs at a time (a
lock), so a link is never refreshed twice at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models.engagements import EngagementNote, EngagementState
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine.engagement_status import transition_key
from workers.engine.engagements import (
    Observation,
    ProblemKind,
    RefreshProblem,
    note_body,
    noted_change,
    properties_to_write,
)
from workers.engine.times import iso_ms
from workers.pacing import PacedPartnerCentral
from workers.sync.aws_summary import TEXTAREA_LIMIT
from workers.sync.context import Run
from workers.sync.engagements.marking import mark_opportunities_dirty, opportunities_of_engagement
from workers.sync.engagements.notes import deliver_notes
from workers.sync.engagements.observation import DirtyLink, Prefetched, observe, paced_client

DRAIN_LOCK_NAME = "engagements:drain"
# No lock outlives the task time limit (celeryconfig.task_time_limit); a
# drain stops taking new batches after its time budget and continues in a
# follow-up task.
LOCK_TTL_SECONDS = 900
DRAIN_TIME_BUDGET_SECONDS = 600.0
# When another drain holds the lock, look again after this long.
DRAIN_BUSY_COUNTDOWN_SECONDS = 30
BATCH_SIZE = 100  # links per refresh batch = deals per HubSpot batch update


@dataclass
class DrainReport:
    refreshed: int = 0
    deals_written: int = 0
    notes_created: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    remaining: int = 0


@dataclass(frozen=True)
class EventRefresh:
    """What a Partner Central event's refresh did: links marked, then the
    drain (None when another drain was running)."""

    marked: int
    drain: DrainReport | None


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
        report.notes_created += deliver_notes(run)  # left over by an interrupted run
        pc = paced_client(run)
        deadline = None if time_budget is None else runtime.now() + time_budget
        while deadline is None or runtime.now() < deadline:
            batch = next_dirty_batch()
            if not batch:
                break
            refresh_batch(pc, batch, run, prefetched or Prefetched(), report)
        report.remaining = count_dirty()
        return report


def refresh_after_event(
    run: Run, *, opportunity_id: str | None = None, engagement_id: str | None = None
) -> EventRefresh:
    """A Partner Central event about an opportunity or an engagement (ids
    only; everything is re-read): mark the affected links, then drain."""
    if opportunity_id is not None:
        opportunity_ids = [opportunity_id]
    else:
        opportunity_ids = opportunities_of_engagement(run, engagement_id)
    with runtime.database().transaction() as session:
        marked = mark_opportunities_dirty(session, opportunity_ids)
    return EventRefresh(marked, drain(run))


def drain_follow_up(report: DrainReport | None) -> float | None:
    """In how many seconds to continue a drain that found another one
    running or stopped at its time budget with links left; None when done."""
    if report is None:
        return DRAIN_BUSY_COUNTDOWN_SECONDS
    return 0 if report.remaining else None


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
    report.notes_created += deliver_notes(run, deal_ids=[item.deal_id for item in batch])


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
        changed = properties_to_write(
            observation.properties(TEXTAREA_LIMIT), written.get(item.link_id)
        )
        if changed:
            changes[item.deal_id] = changed
    if not changes:
        return {}
    stamp = iso_ms(runtime.utc_now())
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
    remember(state, observation)


def remember(state: EngagementState, observation: Observation) -> None:
    """What the next cycle compares Partner Central's listings against."""
    modified = observation.engagement_modified_at
    state.engagement_id = observation.engagement_id
    state.status = observation.status
    state.invitation_status = observation.invitation_status
    state.team_hash = observation.team_hash
    state.member_count = observation.member_count if observation.engagement_id else None
    state.engagement_modified_at = iso_ms(modified) if modified else None
    state.opportunity_modified_at = iso_ms(observation.opportunity_modified_at)
    state.refreshed_at = runtime.utc_now()


def record_problem(
    session, run: Run, item: DirtyLink, problem: RefreshProblem, report: DrainReport
) -> None:
    """An opportunity Partner Central no longer shows us, or a refusal that
    will repeat: audited; the link waits for its next change."""
    if problem.kind is ProblemKind.GONE:
        report.gone += 1
    else:
        report.failed += 1
    run.audit(
        session,
        action="engagement.refresh",
        outcome=problem.kind.value,
        object_type="deal",
        object_id=item.deal_id,
        opportunity_id=item.opportunity_id,
        message=problem.message,
    )


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
