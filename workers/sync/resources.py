"""Reconcile a deal's solutions, AWS products and Marketplace offer with the
`RelatedEntityIdentifiers` of its opportunity.

Called once after each deal sync (`tasks.hubspot_sync.sync_linked_deal`), so
it runs for HubSpot changes (push) and Partner Central changes (pull) alike,
and by the management API's task. Under the opportunity's lock it reads the
opportunity, merges the three sets (`workers.engine.related_entities`),
validates what it would send (solutions against a cached `ListSolutions` of
Active ones, other ids against their documented form, the limits), then
associates and disassociates through the write limiter and writes the
result back to the deal. Anything invalid is never sent: the deal shows
`needs_input` with what to fix. Idempotent: a redelivered run finds the
associations made and sends nothing again.
"""

from __future__ import annotations

import json

from models.resources import RelatedEntityBase
from models.sync_state import set_state
from pcsync import runtime
from workers.engine.related_entities import (
    DISASSOCIATE,
    from_opportunity,
    from_properties,
    plan,
    property_writes,
)
from workers.engine.related_kinds import DEAL_PROPERTIES, as_lists, as_sets
from workers.errors import NotFound, PermanentError
from workers.sync.context import Run
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import SyncOutcome, audit, opportunity_lock
from workers.sync.opportunities import linked_deal_id
from workers.sync.solution_cache import ACTION, SOLUTIONS_CACHE_KEY, cached_solutions

STATUS_PROPERTY = "aws_related_entities_status"
PROBLEM_PROPERTY = "aws_related_entities_error"
SOLUTIONS_CACHE_SECONDS = 900
# An id missing from the cache triggers one early refresh, at most this often.
SOLUTIONS_REFRESH_FLOOR_SECONDS = 60


def sync_related_entities(result: SyncOutcome, run: Run) -> str | None:
    """The step after a deal sync. A HubSpot-triggered run whose deal asks for
    nothing new costs no call; a Partner Central-triggered one reads the
    opportunity, so changes made there reach the deal."""
    if result.state is None or result.opportunity_id is None:
        return None
    ours = from_properties(result.state.properties)
    with runtime.database().transaction() as session:
        row = session.get(RelatedEntityBase, result.state.deal_id)
        asked = as_sets(row.asked if row else None)
    if run.source != "partner_central" and asked == ours:
        return None
    return reconcile(result.state.deal_id, result.opportunity_id, ours, ours, run)


def reconcile(deal_id: str, opportunity_id: str, ours: dict, shown: dict, run: Run) -> str:
    """Bring both sides to the merged sets. `ours` is what HubSpot (or the
    API) asks for, `shown` what the deal's properties hold now."""
    pc = runtime.partner_central()
    with opportunity_lock(opportunity_id):
        opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
        theirs = from_opportunity(opportunity.get("RelatedEntityIdentifiers"))
        with runtime.database().transaction() as session:
            row = session.get(RelatedEntityBase, deal_id)
            base = as_sets(row.base if row else None)
        decided = plan(base, ours, theirs, active_solutions(run))
        if decided.unlisted_solutions and _cache_age() > SOLUTIONS_REFRESH_FLOOR_SECONDS:
            decided = plan(base, ours, theirs, active_solutions(run, refresh=True))
        if decided.problems:
            return _needs_input(deal_id, opportunity_id, ours, decided.problems, run)
        for operation, entity_type, identifier in decided.calls:
            try:
                _send(deal_id, opportunity_id, operation, entity_type, identifier, run)
            except PermanentError as exc:
                # Refused by Partner Central (say, an offer from another seller
                # account): shown on the deal like our own checks, not retried.
                refusal = f"Partner Central refused {identifier}: {exc.api_message or exc}"
                return _needs_input(deal_id, opportunity_id, ours, [refusal], run)
        writes = property_writes(decided.result, shown)
        return _settled(deal_id, opportunity_id, decided, writes, run)


def _send(deal_id, opportunity_id, operation, entity_type, identifier, run: Run) -> None:
    try:
        runtime.partner_central().call(
            operation,
            priority=run.priority,
            OpportunityIdentifier=opportunity_id,
            RelatedEntityType=entity_type,
            RelatedEntityIdentifier=identifier,
        )
    except NotFound:
        if operation != DISASSOCIATE:
            raise
        # Already gone: a redelivered run, or someone removed it meanwhile.
    with runtime.database().transaction() as session:
        audit(
            session,
            run,
            "opportunity.associate" if operation != DISASSOCIATE else "opportunity.disassociate",
            "associated" if operation != DISASSOCIATE else "disassociated",
            deal_id,
            opportunity_id=opportunity_id,
            diff={entity_type: identifier},
        )


def _settled(deal_id, opportunity_id, decided, writes: dict, run: Run) -> str:
    outcome = "updated" if decided.calls or writes else "unchanged"
    with runtime.database().transaction() as session:
        row = session.get(RelatedEntityBase, deal_id)
        previous_status = row.status if row else None
    # A pull that finds nothing new writes nothing, not even the status.
    status = {STATUS_PROPERTY: "synced", PROBLEM_PROPERTY: ""}
    if outcome == "unchanged" and previous_status in (None, "synced"):
        status = {}
    # The deal's values before the new base: were the base recorded first and
    # the PATCH lost, the next run would read the deal's old sets as asked for.
    send_deal_status(deal_id, status, extra=writes)
    result = as_lists(decided.result)
    with runtime.database().transaction() as session:
        # The deal now shows the result: that is what it asks for from here on.
        remember_sets(session, deal_id, opportunity_id, result, result, "synced", None)
        if outcome == "updated":
            audit(
                session,
                run,
                ACTION,
                outcome,
                deal_id,
                opportunity_id=opportunity_id,
                diff={
                    "calls": [list(call) for call in decided.calls],
                    "hubspot": writes,
                    "result": result,
                },
            )
    return outcome


def _needs_input(deal_id, opportunity_id, ours, problems: list[str], run: Run) -> str:
    message = "; ".join(problems)
    # Shown on the deal first: once recorded as asked for, a HubSpot-triggered
    # run that finds the same sets costs nothing, so it would not show it again.
    send_deal_status(deal_id, {STATUS_PROPERTY: "needs_input", PROBLEM_PROPERTY: message[:65000]})
    with runtime.database().transaction() as session:
        row = session.get(RelatedEntityBase, deal_id)
        base = row.base if row else as_lists(as_sets(None))
        remember_sets(
            session, deal_id, opportunity_id, base, as_lists(ours), "needs_input", message
        )
        audit(
            session,
            run,
            ACTION,
            "needs_input",
            deal_id,
            opportunity_id=opportunity_id,
            diff={"problems": problems},
            message=message,
        )
    return "needs_input"


def remember_sets(session, deal_id, opportunity_id, base: dict, asked: dict, status: str, problem):
    row = session.get(RelatedEntityBase, deal_id)
    if row is None:
        row = RelatedEntityBase(hubspot_deal_id=deal_id)
        session.add(row)
    row.opportunity_id, row.base, row.asked = opportunity_id, base, asked
    row.status, row.problem = status, problem


# -- the cached list of Active solutions ---------------------------------------------------


def _cache_age() -> float:
    cached = cached_solutions()
    return runtime.now() - cached["at"] if cached else float("inf")


def active_solutions(run: Run, refresh: bool = False) -> set[str]:
    """Solutions that may be associated: `ListSolutions` filtered to Active
    (SolutionBase.Status doc string: "Filter for Active solutions for
    association to an opportunity"), re-listed every SOLUTIONS_CACHE_SECONDS."""
    cached = cached_solutions()
    if cached and not refresh and runtime.now() - cached["at"] < SOLUTIONS_CACHE_SECONDS:
        return set(cached["ids"])
    listed = runtime.partner_central().paginate(
        "ListSolutions",
        "SolutionSummaries",
        priority=run.priority,
        Status=["Active"],
        MaxResults=100,
    )
    ids = sorted(s["Id"] for s in listed if s.get("Status") == "Active")
    with runtime.database().transaction() as session:
        set_state(session, SOLUTIONS_CACHE_KEY, json.dumps({"at": runtime.now(), "ids": ids}))
    return set(ids)


# -- a change asked for through the management API -----------------------------------------


def change_requested(opportunity_id: str, kind: str, identifier: str, add: bool, run: Run) -> str:
    """Add or remove one entity as the deal's property would: the deal shows
    the result afterwards, so HubSpot stays where people look."""
    deal_id = linked_deal_id(opportunity_id, run, ACTION)
    if deal_id is None:
        return "not_linked"
    deal = runtime.hubspot().get_object("deals", deal_id, DEAL_PROPERTIES)
    shown = from_properties(deal["properties"])
    ours = {name: set(values) for name, values in shown.items()}
    if add:
        ours[kind].add(identifier)
    else:
        ours[kind].discard(identifier)
    return reconcile(deal_id, opportunity_id, ours, shown, run)
