"""Keep one HubSpot deal and its Partner Central opportunity in agreement.

`sync_deal` is the single writer (docs/architecture.md): it reads both sides,
merges field by field against the base snapshot, respects the review
status, writes the FULL opportunity only when something differs, retries the
optimistic lock a bounded number of times, and records one audit entry.
Creation stores its request before sending it, so a crash between the API
call and the commit resends an identical request under the same ClientToken
and gets the same opportunity back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import (
    NeedsInput,
    apply_editability,
    build_create_request,
    build_update_request,
    client_token,
    extract_pc_fields,
    map_hubspot_to_pc,
    merge,
    opportunity_gaps,
    ours_modified_at,
    pc_to_hubspot,
    sales_rep_message,
    update_diff,
)
from workers.engine.outcome import DealOutcome
from workers.errors import ConflictError, PermanentError, RetryableError
from workers.locks import opportunity_lock_name
from workers.sync.conflicts import close_settled_conflicts, conflict_properties, record_conflict
from workers.sync.contacts import prepare_customer, remember_created
from workers.sync.context import Run, audit
from workers.sync.deal_status import changed_by, send_deal_status
from workers.sync.hubspot_state import DealState, read_deal_state
from workers.sync.links import find_link
from workers.sync.rules import REFERRAL_PROPERTY, deal_wants_sync
from workers.sync.write_slot import write_slot

log = logging.getLogger(__name__)

MAX_CONFLICT_ROUNDS = 3
# Renewed while the writer runs (heartbeat): a killed worker's lock frees
# itself within this, well inside the busy retries of the next writer.
LOCK_TTL_SECONDS = 30
LOCK_BUSY_RETRY_SECONDS = 3.0

# What the deal shows: the state of the pair, not the last run's outcome, so a
# run that changes nothing (an echo of pcsync's own write) writes nothing.
DEAL_SYNC_STATUS = {
    DealOutcome.CREATED: "synced",
    DealOutcome.UPDATED: "synced",
    DealOutcome.UNCHANGED: "synced",
    DealOutcome.DEFERRED: "deferred",
    DealOutcome.CONFLICT: "conflict",
    DealOutcome.NEEDS_INPUT: "needs_input",
}


class OpportunityBusy(RetryableError):
    """Another worker holds this opportunity's lock; try again shortly.

    A wait, not a failure: a dead worker's lock lasts its whole TTL, and the
    retries must outlast it (workers/backoff.py)."""

    is_wait = True


@dataclass
class SyncOutcome:
    outcome: DealOutcome
    opportunity_id: str | None = None
    # The deal as read for this run (None when HubSpot no longer has it), so
    # follow-up requests on the deal (submit, referral decision) need no re-read.
    state: DealState | None = None


def sync_deal(deal_id: str, run: Run) -> SyncOutcome:
    with write_slot(deal_id, run) as slot:
        with runtime.database().transaction() as session:
            expected = expects_write(find_link(session, deal_id))
        slot.wait(book=expected)
        return _sync_deal(deal_id, run)


def expects_write(link: OpportunityLink | None) -> bool:
    """Whether a sync of the deal will most likely write Partner Central, and
    so should read just before a write slot it books. A linked deal's will.
    An unlinked deal's waits only for a slot a refused create booked (most
    deals are never synced). Nor does the retry of a create cut off before
    the deal showed its opportunity (its status PATCH refused): it most
    likely only delivers that status, which must not wait for a write slot."""
    if link is None or link.opportunity_id is None:
        return False
    shown = (link.hubspot_written or {}).get("aws_opportunity_id")
    return shown == link.opportunity_id


def _sync_deal(deal_id: str, run: Run) -> SyncOutcome:
    hubspot, config = runtime.hubspot(), runtime.engine_config()
    state = read_deal_state(hubspot, deal_id, config)
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if state is None:
            if link is not None:
                link.sync_status = DealOutcome.DEAL_DELETED
            audit(
                session,
                run,
                "deal.sync",
                DealOutcome.DEAL_DELETED,
                deal_id,
                opportunity_id=link.opportunity_id if link else None,
                message="deal no longer exists in HubSpot; opportunity left as it is",
            )
            return SyncOutcome(DealOutcome.DEAL_DELETED, link.opportunity_id if link else None)
        if link is None and state.properties.get(REFERRAL_PROPERTY):
            audit(session, run, "deal.sync", DealOutcome.AWAITING_REFERRAL_DECISION, deal_id)
            return SyncOutcome(DealOutcome.AWAITING_REFERRAL_DECISION, state=state)
        if link is None and not deal_wants_sync(state.properties):
            audit(
                session,
                run,
                "deal.sync",
                DealOutcome.NOT_SYNCING,
                deal_id,
                message="deal is neither tagged #AWS nor opted in",
            )
            return SyncOutcome(DealOutcome.NOT_SYNCING, state=state)
    try:
        if link is None or link.opportunity_id is None:
            return create_opportunity(state, run)
        return reconcile(link.opportunity_id, state, run)
    except NeedsInput as needs:
        return record_needs_input(state, run, needs)


def preflight(request: dict, run: Run) -> None:
    """Refuse to send what Partner Central would refuse (the business rules the
    model does not carry): NeedsInput names what the deal lacks."""
    gaps = opportunity_gaps(request, today=run.today)
    if gaps:
        raise NeedsInput(gaps, sales_rep_message(gaps, runtime.engine_config()))


def new_link(session, deal_id: str) -> OpportunityLink:
    link = OpportunityLink(
        hubspot_deal_id=deal_id,
        catalog=runtime.settings().pc_catalog,
        client_token="",
        create_attempt=1,
    )
    session.add(link)
    return link


def record_needs_input(state: DealState, run: Run, needs: NeedsInput) -> SyncOutcome:
    """Nothing was sent: the deal says what to fill, one audit row, no failure,
    no retry. The rep's edit in HubSpot (a webhook) brings the deal back."""
    with runtime.database().transaction() as session:
        link = find_link(session, state.deal_id) or new_link(session, state.deal_id)
        link.sync_status = DealOutcome.NEEDS_INPUT
        link.last_error = needs.message
        audit(
            session,
            run,
            "opportunity.sync",
            DealOutcome.NEEDS_INPUT,
            state.deal_id,
            opportunity_id=link.opportunity_id,
            diff={"missing": [gap.as_dict() for gap in needs.gaps]},
            message=needs.message,
        )
    send_deal_status(
        state.deal_id,
        {
            "aws_sync_status": DEAL_SYNC_STATUS[DealOutcome.NEEDS_INPUT],
            "aws_sync_error": needs.message,
        },
    )
    return SyncOutcome(DealOutcome.NEEDS_INPUT, link.opportunity_id, state)


# -- create --------------------------------------------------------------------------------


def _prepare_create(state: DealState, run: Run) -> OpportunityLink:
    """The link row with the exact request to send, committed before sending."""
    settings, config = runtime.settings(), runtime.engine_config()
    with runtime.database().transaction() as session:
        link = find_link(session, state.deal_id) or new_link(session, state.deal_id)
        if link.create_request is None:
            mapped = map_hubspot_to_pc(
                state.properties, state.company, state.contacts, today=run.today, config=config
            )
            token = client_token(
                settings.hubspot_portal_id or "0", state.deal_id, f"create-{link.create_attempt}"
            )
            request = build_create_request(
                mapped.fields, catalog=settings.pc_catalog, client_token=token
            )
            preflight(request, run)
            link.client_token = token
            link.create_request = request
            if mapped.notes:
                audit(
                    session,
                    run,
                    "opportunity.create",
                    "adjusted",
                    state.deal_id,
                    diff={"notes": [n.as_dict() for n in mapped.notes]},
                    message="values normalised or left out before create",
                )
        link.sync_status = "creating"
        session.flush()
        session.expunge(link)
        return link


def create_opportunity(state: DealState, run: Run) -> SyncOutcome:
    link = _prepare_create(state, run)
    request = {k: v for k, v in link.create_request.items() if k != "Catalog"}
    try:
        response = runtime.partner_central().call(
            "CreateOpportunity", priority=run.priority, **request
        )
    except PermanentError as exc:
        with runtime.database().transaction() as session:
            stored = find_link(session, state.deal_id)
            # Nothing was created: the corrected deal goes out as a new
            # request under a new token on the next attempt.
            stored.create_request = None
            stored.create_attempt += 1
            stored.sync_status = "failed"
            stored.last_error = exc.api_message or str(exc)
        raise
    opportunity_id = response["Id"]
    base = extract_pc_fields(link.create_request, runtime.engine_config())
    with runtime.database().transaction() as session:
        stored = find_link(session, state.deal_id)
        stored.opportunity_id = opportunity_id
        stored.last_modified_date = response["LastModifiedDate"].isoformat()
        stored.review_status = "Pending Submission"
        stored.base_snapshot = base
        stored.sync_status = DealOutcome.CREATED
        stored.last_error = None
        customer_status = remember_created(session, state, link.create_request, run)
        audit(
            session,
            run,
            "opportunity.create",
            DealOutcome.CREATED,
            state.deal_id,
            opportunity_id=opportunity_id,
            diff={"partner_central": {k: v for k, v in sorted(base.items()) if v is not None}},
        )
    # The link holds the opportunity from here on: a failed status write is
    # retried by the next sync of the pair, which writes the same properties.
    send_deal_status(
        state.deal_id,
        {
            "aws_opportunity_id": opportunity_id,
            "aws_review_status": "Pending Submission",
            "aws_review_comments": "",
            "aws_sync_status": DEAL_SYNC_STATUS[DealOutcome.CREATED],
            "aws_sync_error": "",
        },
        extra=customer_status,
    )
    return SyncOutcome(DealOutcome.CREATED, opportunity_id, state)


# -- reconcile -----------------------------------------------------------------------------


@contextmanager
def opportunity_lock(opportunity_id: str) -> Iterator[None]:
    """The one-writer-per-opportunity lock every writer takes (push, pull,
    submission, assignment), or OpportunityBusy: the task is retried shortly
    instead of waiting in a worker slot."""
    name = opportunity_lock_name(runtime.settings().pc_catalog, opportunity_id)
    with runtime.locks().try_lock(name, LOCK_TTL_SECONDS, heartbeat=True) as held:
        if not held:
            raise OpportunityBusy(
                f"opportunity {opportunity_id} is being synced elsewhere",
                retry_after=LOCK_BUSY_RETRY_SECONDS,
                service="pcsync",
            )
        yield


def reconcile(opportunity_id: str, state: DealState, run: Run) -> SyncOutcome:
    with opportunity_lock(opportunity_id):
        for _ in range(MAX_CONFLICT_ROUNDS):
            try:
                return _merge_and_write(opportunity_id, state, run)
            except ConflictError:
                log.info("opportunity.conflict_retry", extra={"opportunity_id": opportunity_id})
        raise ConflictError(
            f"opportunity {opportunity_id} kept changing; retrying later",
            service="partnercentral",
            operation="UpdateOpportunity",
        )


def plan_merge(base: dict, state: DealState, opportunity: dict, today, adjust=None) -> tuple:
    """Map the deal, merge it with the opportunity against the base and apply
    the review status's editability: the decisions of one sync, no I/O.
    `adjust` refines the mapped values first (the per-contact merge)."""
    config = runtime.engine_config()
    mapped = map_hubspot_to_pc(
        state.properties, state.company, state.contacts, today=today, config=config
    )
    if adjust is not None:
        mapped = adjust(mapped)
    result = merge(
        base,
        mapped.fields,
        extract_pc_fields(opportunity, config),
        strategies=config.strategies,
        directions=config.directions,
        ours_modified_at=ours_modified_at(state.timestamps, config),
        theirs_modified_at=opportunity["LastModifiedDate"],
    )
    review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    return mapped, apply_editability(result, review_status)


def _merge_and_write(opportunity_id: str, state: DealState, run: Run) -> SyncOutcome:
    pc, hubspot, config = runtime.partner_central(), runtime.hubspot(), runtime.engine_config()
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    with runtime.database().transaction() as session:
        base = dict(find_link(session, state.deal_id).base_snapshot or {})
    # Contacts and company: records that went away, per-contact merge (contacts.py).
    customer = prepare_customer(hubspot, state, opportunity, run)
    mapped, result = plan_merge(base, state, opportunity, run.today, customer.adjust)
    pc_changes, last_modified = _write_partner_central(opportunity, result, run)
    hubspot_writes = pc_to_hubspot(
        result.to_hubspot, config, pipeline=state.properties.get("pipeline")
    )
    if hubspot_writes.get("company") and state.company_id:
        hubspot.update_object("companies", state.company_id, hubspot_writes["company"])
    customer.write_hubspot(hubspot, hubspot_writes)
    outcome = merge_outcome(pc_changes, hubspot_writes, result)
    # Conflicts first, so the deal shows what this run leaves pending; recorded
    # once by fingerprint, so a retry after a failed send records nothing twice.
    with runtime.database().transaction() as session:
        customer.record_conflicts(session, run, opportunity_id)
        _record_pending_conflicts(session, run, state.deal_id, opportunity_id, result)
        close_settled_conflicts(session, run, state.deal_id, result, customer.contacts)
        status = merge_status(session, run, state.deal_id, opportunity_id, opportunity, outcome)
    # The deal's field values before the new base: were the base recorded
    # first and the PATCH lost, the next merge would read HubSpot's old value
    # as a rep's edit and send it back to Partner Central.
    send_deal_status(
        state.deal_id,
        status,
        extra={**(hubspot_writes.get("deal") or {}), **customer.status_properties(pc_changes)},
    )
    with runtime.database().transaction() as session:
        remember_merge(
            find_link(session, state.deal_id), opportunity, result, last_modified, outcome
        )
        customer.remember(session, result)
        audit_merge(
            session,
            run,
            state.deal_id,
            opportunity_id,
            outcome,
            merge_audit_diff(pc_changes, hubspot_writes, result, mapped.notes),
            result,
        )
    return SyncOutcome(outcome, opportunity_id, state)


def remember_merge(link: OpportunityLink, opportunity: dict, result, last_modified, outcome: str):
    """What a merge leaves on the link once its writes succeeded."""
    link.base_snapshot = result.new_base
    link.last_modified_date = last_modified.isoformat()
    link.review_status = (opportunity.get("LifeCycle") or {}).get("ReviewStatus")
    link.deferred_fields = result.deferred
    link.sync_status = outcome
    link.last_error = None


def merge_status(
    session, run: Run, deal_id: str, opportunity_id: str, opportunity: dict, outcome: str
) -> dict[str, str]:
    """pcsync's status properties on the deal after a merge."""
    review = opportunity.get("LifeCycle") or {}
    return {
        "aws_opportunity_id": opportunity_id,
        "aws_review_status": review.get("ReviewStatus") or "",
        "aws_review_comments": review.get("ReviewComments") or "",
        "aws_sync_status": DEAL_SYNC_STATUS[outcome],
        "aws_sync_error": "",
        **conflict_properties(session, deal_id),
        **_last_change_by(session, run, deal_id, outcome),
    }


def audit_merge(
    session, run: Run, deal_id: str, opportunity_id: str, outcome: str, diff: dict, result
) -> None:
    audit(
        session,
        run,
        "opportunity.sync",
        outcome,
        deal_id,
        opportunity_id=opportunity_id,
        diff=diff,
        message=result.deferred_reason if result.deferred else None,
    )


def _write_partner_central(opportunity: dict, result, run: Run) -> tuple[list, object]:
    """The full UpdateOpportunity, only when it changes something. Returns the
    changes made and the opportunity's LastModifiedDate afterwards."""
    if not result.to_pc:
        return [], opportunity["LastModifiedDate"]
    request = build_update_request(opportunity, result.to_pc)
    changes = update_diff(opportunity, request)
    if not changes:
        return [], opportunity["LastModifiedDate"]
    # The server would refuse the whole payload: say why without spending a
    # write from the daily quota.
    preflight(request, run)
    request.pop("Catalog", None)  # the client adds the configured catalog
    response = runtime.partner_central().call("UpdateOpportunity", priority=run.priority, **request)
    return changes, response["LastModifiedDate"]


def _record_pending_conflicts(session, run: Run, deal_id: str, opportunity_id: str, result) -> None:
    for conflict in result.pending_conflicts:
        record_conflict(session, run, deal_id, opportunity_id, conflict)


def _last_change_by(session, run: Run, deal_id: str, outcome: str) -> dict[str, str]:
    if outcome != DealOutcome.UPDATED:
        return {}  # nothing moved: the last change is still the previous one
    return {"aws_last_sync_by": changed_by(session, run, deal_id)}


def merge_outcome(pc_changes, hubspot_writes, result) -> DealOutcome:
    if pc_changes or any(hubspot_writes.values()):
        return DealOutcome.UPDATED
    if result.deferred:
        return DealOutcome.DEFERRED
    if result.pending_conflicts:
        return DealOutcome.CONFLICT
    return DealOutcome.UNCHANGED


def merge_audit_diff(pc_changes, hubspot_writes, result, notes) -> dict:
    diff: dict = {}
    if pc_changes:
        diff["partner_central"] = [c.as_dict() for c in pc_changes]
    if any(hubspot_writes.values()):
        diff["hubspot"] = dict(hubspot_writes)
    if result.deferred:
        diff["deferred"] = result.deferred
    settled = [c for c in result.conflicts if not c.pending]
    if settled:
        diff["conflicts_settled"] = [
            {"path": c.path, "strategy": str(c.strategy), "winner": str(c.winner)} for c in settled
        ]
    if notes:
        diff["notes"] = [n.as_dict() for n in notes]
    return diff
