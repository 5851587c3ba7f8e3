"""An operator settles a pending conflict: the one function the API, the CLI
and the console use (`resolve_conflict`), and the checks they share.

Settling does not write around the deal's writer. Under the opportunity's
lock it moves the base so that the winning side is the only one that
differs from it, then runs the deal's one sync (`sync_deal`): the ordinary
three-way merge then writes the winner to the losing side with the same
lock, limiter, full-payload update, editability rules and pre-flight
checks as any other change (a field the review status locks waits,
deferred, as any other change would). Choices:

- ``hubspot``: the base takes Partner Central's value, so HubSpot's goes out;
- ``partner_central``: the base takes HubSpot's value, so Partner Central's
  comes back to HubSpot;
- ``value``: the given value, in HubSpot's terms (what an operator would
  type into the deal, company or contact property), is validated by the
  field's own outgoing converter, written to HubSpot, and then wins like
  ``hubspot``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.conflicts import Conflict
from models.customer_records import CONTACT, CustomerRecord
from pcsync import runtime
from workers.engine.config import EngineConfig
from workers.engine.fieldmap import (
    CONTACT_PROPERTIES,
    DEAL,
    FIELDS_BY_PATH,
    PushContext,
    contact_members,
)
from workers.sync.context import Run
from workers.sync.deals import OpportunityBusy, find_link, opportunity_lock, sync_deal
from workers.sync.hubspot_state import read_deal_state
from workers.sync.resolutions import (
    CHOICES,
    ConflictAlreadyResolved,
    ConflictNotFound,
    InvalidResolution,
    Resolution,
)

ACTION = "conflict.resolve"
_CONTACT_PATH = re.compile(r"Customer\.Contacts\[(?P<contact>[^\]]+)\]\.(?P<member>\w+)")
_OBJECT_TYPES = {DEAL: "deals", "company": "companies", CONTACT: "contacts"}


@dataclass(frozen=True)
class HubSpotValue:
    """Where a field lives in HubSpot: the object and the property to write."""

    object_kind: str  # deal | company | contact
    property: str
    contact_id: str | None = None


def _hubspot_value_of(conflict: Conflict, config: EngineConfig) -> HubSpotValue:
    contact = _CONTACT_PATH.fullmatch(conflict.field_path)
    if contact:
        member = contact["member"]
        return HubSpotValue(CONTACT, CONTACT_PROPERTIES[member][0], contact["contact"])
    spec = FIELDS_BY_PATH[conflict.field_path]
    return HubSpotValue(spec.source, config.settings(spec.path).properties[0])


def pending_conflict(session, conflict_id: int) -> Conflict:
    conflict = session.get(Conflict, conflict_id)
    if conflict is None:
        raise ConflictNotFound(f"no conflict {conflict_id}")
    if conflict.status != "pending":
        raise ConflictAlreadyResolved(
            f"conflict {conflict_id} was already resolved ({conflict.resolution}"
            f"{' by ' + conflict.resolved_by if conflict.resolved_by else ''})"
        )
    return conflict


def _validated(conflict: Conflict, raw: Any, today: date, config: EngineConfig):
    """The given value as the field's outgoing converter sees it, or 400."""
    if raw is None or isinstance(raw, dict | list):
        raise InvalidResolution("value must be a string, number or boolean, as HubSpot holds it")
    text = str(raw)
    ctx = PushContext(deal={}, company=None, contacts=[], today=today, config=config)
    contact = _CONTACT_PATH.fullmatch(conflict.field_path)
    if contact:
        member = contact["member"]
        properties = {CONTACT_PROPERTIES[member][0]: text}
        normalised = contact_members({"properties": properties}, ctx)[member]
    else:
        normalised = FIELDS_BY_PATH[conflict.field_path].to_pc(text, ctx)
    if normalised.value is None:
        reason = normalised.reason or "it is empty"
        raise InvalidResolution(f"{conflict.field_path} cannot take {text!r}: {reason}")
    return text


def check_resolution(session, conflict_id: int, resolution: Resolution, today: date) -> Conflict:
    """The pending conflict `resolution` may settle, or a ResolutionError
    (404 unknown, 409 settled already, 400 bad choice or value). No I/O
    besides the database: the API answers with it before queueing."""
    conflict = pending_conflict(session, conflict_id)
    if resolution.choice not in CHOICES:
        raise InvalidResolution(f"choice must be one of {', '.join(CHOICES)}")
    if resolution.choice == "value":
        _validated(conflict, resolution.value, today, runtime.engine_config())
    elif resolution.value is not None:
        raise InvalidResolution(f"choice {resolution.choice!r} takes no value")
    return conflict


def _move_base(session, conflict: Conflict, base_value: Any) -> None:
    """The agreed value of the conflict's field becomes `base_value`."""
    contact = _CONTACT_PATH.fullmatch(conflict.field_path)
    if contact:
        record = session.get(
            CustomerRecord, (conflict.hubspot_deal_id, CONTACT, contact["contact"])
        )
        if record is not None:
            record.base = {**(record.base or {}), contact["member"]: base_value}
        return
    link = find_link(session, conflict.hubspot_deal_id)
    link.base_snapshot = {**(link.base_snapshot or {}), conflict.field_path: base_value}


def _write_hubspot_value(conflict: Conflict, text: str) -> None:
    """Put the operator's value into HubSpot, where the merge then finds it."""
    config, hubspot = runtime.engine_config(), runtime.hubspot()
    target = _hubspot_value_of(conflict, config)
    if target.object_kind == DEAL:
        object_id = conflict.hubspot_deal_id
    elif target.object_kind == CONTACT:
        object_id = target.contact_id
    else:
        state = read_deal_state(hubspot, conflict.hubspot_deal_id, config)
        if state is None or state.company_id is None:
            raise InvalidResolution("the deal has no associated company to write the value to")
        object_id = state.company_id
    hubspot.update_object(_OBJECT_TYPES[target.object_kind], object_id, {target.property: text})


def _send_value(conflict_id: int, resolution: Resolution, run: Run) -> str | None:
    """For a ``value`` choice: the pending conflict checked again under the
    lock (a concurrent resolution may have won), the value validated and
    written to HubSpot after that check's transaction. Returns the value sent."""
    with runtime.database().transaction() as session:
        conflict = pending_conflict(session, conflict_id)
    if resolution.choice != "value":
        return None
    text = _validated(conflict, resolution.value, run.today, runtime.engine_config())
    _write_hubspot_value(conflict, text)
    return text


def _settle(
    session, conflict: Conflict, resolution: Resolution, sent: str | None, run: Run
) -> None:
    """Move the base and close the conflict; `sent` is the ``value`` choice's
    value, already in HubSpot."""
    values = conflict.values or {}
    if resolution.choice == "partner_central":
        base, winner = values.get("hubspot"), values.get("partner_central")
    else:
        base, winner = values.get("partner_central"), values.get("hubspot")
    if sent is not None:
        winner = sent
    _move_base(session, conflict, base)
    conflict.status, conflict.resolution = "resolved", resolution.choice
    conflict.resolved_by, conflict.resolved_value = run.actor, winner
    conflict.resolved_at = runtime.utc_now()
    run.audit(
        session,
        action=ACTION,
        outcome="resolved",
        object_type="deal",
        object_id=conflict.hubspot_deal_id,
        opportunity_id=conflict.opportunity_id,
        diff={
            "conflict_id": conflict.id,
            "path": conflict.field_path,
            "choice": resolution.choice,
            "value": winner,
            **values,
        },
        message=f"settled by {run.actor}",
    )


@dataclass(frozen=True)
class Resolved:
    conflict_id: int
    deal_id: str
    sync_outcome: str  # what the deal's sync did with the winner


def _settled_by_this_request(conflict: Conflict | None, resolution: Resolution, run: Run) -> bool:
    """A retried or redelivered task whose first attempt settled the conflict
    but did not finish the deal's sync (throttled, worker lost): it goes on
    with the sync instead of answering "already resolved"."""
    return (
        conflict is not None
        and conflict.status == "resolved"
        and conflict.resolution == resolution.choice
        and conflict.resolved_by == run.actor
    )


def resolve_conflict(conflict_id: int, resolution: Resolution, run: Run) -> Resolved:
    """Settle a pending conflict as `run.actor` and sync the deal so the
    winner reaches the losing side. Raises ResolutionError (404/409/400)."""
    database = runtime.database()
    with database.transaction() as session:
        conflict = session.get(Conflict, conflict_id)
        resuming = _settled_by_this_request(conflict, resolution, run)
        if not resuming:
            conflict = check_resolution(session, conflict_id, resolution, run.today)
        deal_id, opportunity_id = conflict.hubspot_deal_id, conflict.opportunity_id
    if not resuming:
        with opportunity_lock(opportunity_id):
            sent = _send_value(conflict_id, resolution, run)
            with database.transaction() as session:
                _settle(session, pending_conflict(session, conflict_id), resolution, sent, run)
    try:
        outcome = sync_deal(deal_id, run).outcome
    except OpportunityBusy:
        outcome = "queued_behind_running_sync"  # that sync merges from the moved base
    return Resolved(conflict_id, deal_id, outcome)
