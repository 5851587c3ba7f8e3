"""Pull many changed opportunities into their deals at once (the
reconciliation cycle), with the per-deal sync's merge and records.

For up to 100 changed, linked opportunities:

1. each opportunity's lock is taken without waiting; one held elsewhere is
   left to its own task, which waits for the lock;
2. each opportunity is read once (`GetOpportunity`), with its AWS summary
   when it was ever submitted;
3. the deals, their companies and contacts are read in batch reads;
4. the per-deal sync's merge (`deals.plan_merge`) runs on each pair;
5. what each deal gets (the merged fields, pcsync's status properties, the
   AWS summary) goes out in HubSpot batch updates of 100 deals, after the
   reads and outside any database transaction;
6. one short transaction then records the links, customer records, AWS
   summary and audit rows, as the per-deal sync does.

A pair the batch cannot settle on the deal alone is left to its own task
(the per-deal sync): a write to Partner Central, to the company or the
contacts, a conflict pending or to settle, related entities to reconcile, an
owner to assign, a submission the deal asks for, a deal gone. Its AWS
summary is still written here: the task leaves the summary to this cycle.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from models.conflicts import Conflict
from models.links import OpportunityLink
from models.resources import RelatedEntityBase
from pcsync import runtime
from workers.engine import MergeResult, pc_to_hubspot
from workers.engine.related_entities import from_opportunity, from_properties
from workers.engine.related_kinds import as_lists, as_sets
from workers.errors import NotFound
from workers.locks import opportunity_lock_name
from workers.sync.assignment import deal_owner_id, first_step
from workers.sync.aws_summary import never_submitted, summary_properties
from workers.sync.contacts import CustomerSync, prepare_customer
from workers.sync.context import Run
from workers.sync.deal_status import changed_properties, now_iso
from workers.sync.deals import (
    LOCK_TTL_SECONDS,
    audit_merge,
    find_link,
    merge_audit_diff,
    merge_outcome,
    merge_status,
    plan_merge,
    remember_merge,
)
from workers.sync.hubspot_state import DealState, read_deal_states
from workers.sync.opportunities import audit_pull, links_by_opportunity, read_summary
from workers.sync.resources import PROBLEM_PROPERTY, STATUS_PROPERTY, remember_sets
from workers.sync.submission import wants_submission
from workers.sync.submission_states import REQUESTABLE_BY_DEAL


@dataclass
class Merged:
    """The per-deal sync's merge of one pair, settled on the deal alone."""

    customer: CustomerSync
    notes: list
    result: MergeResult
    hubspot_writes: dict  # pc_to_hubspot's, with no company or contact writes
    outcome: str
    related: dict[str, set[str]]
    related_status: dict[str, str]


@dataclass
class Pair:
    link: OpportunityLink
    opportunity: dict
    summary: dict | None = None
    merged: Merged | None = None  # None: left to the per-deal sync
    summary_changes: dict[str, str] = field(default_factory=dict)
    status_changes: dict[str, str] = field(default_factory=dict)
    payload: dict[str, str] = field(default_factory=dict)

    @property
    def deal_id(self) -> str:
        return self.link.hubspot_deal_id


@dataclass
class BatchOutcome:
    merged: int = 0  # pairs settled here
    summaries_written: int = 0
    deferred: list[str] = field(default_factory=list)  # opportunity ids left to their task


def pull_batch(opportunity_ids: list[str], run: Run) -> BatchOutcome:
    """Pull up to 100 changed, linked opportunities; see the module's steps."""
    outcome = BatchOutcome()
    with ExitStack() as held_locks:
        mine = [oid for oid in opportunity_ids if held_locks.enter_context(_try_lock(oid))]
        pairs, unread = _read_pairs(mine, run)
        _plan(pairs, run)
        updated = _write_deals(pairs, run)
        _record(pairs, updated, run)
    for pair in pairs:
        if pair.merged is not None and pair.deal_id in updated:
            outcome.merged += 1
        else:
            outcome.deferred.append(pair.link.opportunity_id)
        if pair.summary_changes and pair.deal_id in updated:
            outcome.summaries_written += 1
    outcome.deferred += unread + [oid for oid in opportunity_ids if oid not in mine]
    return outcome


def _try_lock(opportunity_id: str):
    name = opportunity_lock_name(runtime.settings().pc_catalog, opportunity_id)
    return runtime.locks().try_lock(name, LOCK_TTL_SECONDS, heartbeat=True)


# -- reads ---------------------------------------------------------------------------------


def _read_pairs(opportunity_ids: list[str], run: Run) -> tuple[list[Pair], list[str]]:
    """Each opportunity once, and the AWS summary of those ever submitted;
    and the opportunities Partner Central no longer answers for (their task
    reports it)."""
    pc = runtime.partner_central()
    with runtime.database().transaction() as session:
        links = links_by_opportunity(session, opportunity_ids)
    pairs, unread = [], []
    for opportunity_id in opportunity_ids:
        if opportunity_id not in links:
            continue  # unlinked since it was listed
        try:
            opportunity = pc.call(
                "GetOpportunity", priority=run.priority, Identifier=opportunity_id
            )
        except NotFound:
            unread.append(opportunity_id)
            continue
        review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
        summary = None if never_submitted(review_status) else read_summary(opportunity_id, run)
        pairs.append(Pair(links[opportunity_id], opportunity, summary))
    return pairs, unread


# -- the merge -----------------------------------------------------------------------------


def _plan(pairs: list[Pair], run: Run) -> None:
    """Merge each pair it can settle, then what each deal gets."""
    if not pairs:
        return
    deal_ids = [pair.deal_id for pair in pairs]
    states = read_deal_states(
        runtime.hubspot(), deal_ids, runtime.engine_config(), priority=run.priority
    )
    with runtime.database().transaction() as session:
        related = {
            row.hubspot_deal_id: row
            for row in session.scalars(
                select(RelatedEntityBase).where(RelatedEntityBase.hubspot_deal_id.in_(deal_ids))
            )
        }
        in_conflict = set(
            session.scalars(
                select(Conflict.hubspot_deal_id).where(
                    Conflict.hubspot_deal_id.in_(deal_ids), Conflict.status == "pending"
                )
            )
        )
    for pair in pairs:
        state = states.get(pair.deal_id)
        if state is not None and pair.deal_id not in in_conflict:
            pair.merged = _merge(pair, state, related.get(pair.deal_id), run)
    with runtime.database().transaction() as session:
        for pair in pairs:
            _prepare_payload(session, pair, run)


def _merge(pair: Pair, state: DealState, related_row, run: Run) -> Merged | None:
    """The per-deal sync's merge, or None when settling it needs more than
    a write to the deal."""
    related = _agreed_related_entities(related_row, state, pair.opportunity)
    if related is None or _asks_for_more(pair.link, state):
        return None
    hubspot = runtime.hubspot()
    customer = prepare_customer(hubspot, state, pair.opportunity, run)
    base = dict(pair.link.base_snapshot or {})
    mapped, result = plan_merge(base, state, pair.opportunity, run.today, customer.adjust)
    writes = pc_to_hubspot(
        result.to_hubspot, runtime.engine_config(), pipeline=state.properties.get("pipeline")
    )
    if _beyond_the_deal(result, writes, customer):
        return None
    related_unsynced = related_row is None or related_row.status != "synced"
    return Merged(
        customer=customer,
        notes=mapped.notes,
        result=result,
        hubspot_writes=writes,
        outcome=merge_outcome([], writes, result),
        related=related,
        # What the related-entities step of the per-deal sync shows on a
        # deal it settles without a call.
        related_status={STATUS_PROPERTY: "synced", PROBLEM_PROPERTY: ""}
        if related_unsynced
        else {},
    )


def _beyond_the_deal(result: MergeResult, writes: dict, customer: CustomerSync) -> bool:
    """The merge writes Partner Central, a company or contacts, or leaves a
    conflict to record: the per-deal sync does that, under its lock."""
    contacts = customer.contacts
    return bool(
        result.to_pc
        or result.pending_conflicts
        or any(values for source, values in writes.items() if source != "deal")
        or (contacts is not None and (contacts.to_hubspot or contacts.pending_conflicts))
    )


def _asks_for_more(link: OpportunityLink, state: DealState) -> bool:
    """The deal asks the per-deal sync's later steps for a call: an owner
    to assign, or a submission."""
    owner_step = first_step(link, deal_owner_id(state.properties))
    submission_asked = (
        wants_submission(state.properties) and link.submission_status in REQUESTABLE_BY_DEAL
    )
    return owner_step not in ("none", "unchanged") or submission_asked


def _agreed_related_entities(row, state: DealState, opportunity: dict) -> dict | None:
    """The solutions, products and offer when the deal, the opportunity and
    the last agreed sets are the same (nothing to associate or write), else None."""
    base = as_sets(row.base if row else None)
    theirs = from_opportunity(opportunity.get("RelatedEntityIdentifiers"))
    agreed = base == theirs == from_properties(state.properties)
    return base if agreed else None


def _prepare_payload(session, pair: Pair, run: Run) -> None:
    """What the deal gets: only values that differ from what pcsync last wrote."""
    if pair.summary is not None:
        pair.summary_changes = changed_properties(pair.link, summary_properties(pair.summary))
    extra: dict[str, str] = {}
    if pair.merged is not None:
        merged = pair.merged
        status = merge_status(
            session,
            _pull_run(run),
            pair.deal_id,
            pair.link.opportunity_id,
            pair.opportunity,
            merged.outcome,
        )
        pair.status_changes = changed_properties(pair.link, {**status, **merged.related_status})
        extra = merged.hubspot_writes.get("deal") or {}
    changes = {**pair.summary_changes, **pair.status_changes, **extra}
    if changes:
        pair.payload = {**changes, "aws_last_sync": now_iso()}


def _pull_run(run: Run) -> Run:
    """The cycle's run as the per-opportunity task's: a Partner Central pull."""
    return replace(run, source="partner_central")


# -- writes and records --------------------------------------------------------------------


def _write_deals(pairs: list[Pair], run: Run) -> set[str]:
    """One batch update per 100 deals with a change. Returns the deals
    HubSpot updated or that needed no write; a deal it no longer has is
    left out (its task finds it gone)."""
    updates = {pair.deal_id: pair.payload for pair in pairs if pair.payload}
    unwritten = {pair.deal_id for pair in pairs if not pair.payload}
    if not updates:
        return unwritten
    results = runtime.hubspot().batch_update("deals", updates, priority=run.priority)
    return unwritten | ({str(record["id"]) for record in results} & set(updates))


def _record(pairs: list[Pair], updated: set[str], run: Run) -> None:
    written = [pair for pair in pairs if pair.deal_id in updated]
    if not written:
        return
    with runtime.database().transaction() as session:
        for pair in written:
            link = find_link(session, pair.deal_id)
            if link is None:
                continue  # unlinked meanwhile: nothing to remember
            link.hubspot_written = {
                **(link.hubspot_written or {}),
                **pair.summary_changes,
                **pair.status_changes,
            }
            if pair.summary_changes:
                audit_pull(
                    session,
                    run,
                    "summary_updated",
                    pair.link.opportunity_id,
                    pair.deal_id,
                    diff={"hubspot": pair.summary_changes},
                )
            if pair.merged is not None:
                _record_merge(session, link, pair, _pull_run(run))


def _record_merge(session, link: OpportunityLink, pair: Pair, run: Run) -> None:
    """The per-deal sync's records of a merge that wrote only the deal."""
    merged, opportunity_id = pair.merged, pair.link.opportunity_id
    remember_merge(
        link, pair.opportunity, merged.result, pair.opportunity["LastModifiedDate"], merged.outcome
    )
    merged.customer.record_conflicts(session, run, opportunity_id)
    merged.customer.remember(session, merged.result)
    related = as_lists(merged.related)
    remember_sets(session, pair.deal_id, opportunity_id, related, related, "synced", None)
    audit_merge(
        session,
        run,
        pair.deal_id,
        opportunity_id,
        merged.outcome,
        merge_audit_diff([], merged.hubspot_writes, merged.result, merged.notes),
        merged.result,
    )
