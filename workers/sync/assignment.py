"""The opportunity's assignee follows the HubSpot deal owner.

After every deal sync, `sync_assignment` compares the deal's current
`hubspot_owner_id` with the owner the link says pcsync last assigned for.
The comparison is of state, not of events: an owner flipped A -> B -> A
inside the debounce window is one sync that sees A, which costs one
`AssignOpportunity` for A, or none when A is already the assignee.

- The owner is resolved to a Partner Central user by `workers.sync.assignees`.
- A cleared owner makes no call (Partner Central has no unassign and keeps
  its assignee); it is audited once.
- An owner Partner Central refuses (not a registered user) is recorded once
  with the API's message, with a note on the deal; the link remembers the
  owner and e-mail, so later syncs do not send the same refused request
  again. A different owner, or the same owner under another e-mail (a fixed
  map), is tried. An operator can retry through the management API.
- `assign` runs under the opportunity's lock, the one the push writer
  holds, so an assignment never interleaves with an UpdateOpportunity; the
  write goes through the limiter like every Partner Central call. The deal
  is written after the call, outside any transaction, and the assignment
  recorded last (`workers.sync.lifecycle.write_status_then_record`).

An operator's assignment (`assign_manually`) follows the deal owner as it
is at that moment: it holds until the deal's owner changes in HubSpot.
"""

from __future__ import annotations

import logging

from models.links import OpportunityLink
from pcsync import runtime
from workers.errors import NotFound, PermanentError
from workers.sync.assignees import (
    Assignee,
    check_assignee,
    lookup_owner,
    make_assignee,
    settings_assignee,
)
from workers.sync.assignment_views import ACTION
from workers.sync.aws_summary import TEXTAREA_LIMIT, team_text
from workers.sync.context import Run
from workers.sync.deal_status import now_iso
from workers.sync.deals import SyncOutcome, audit, find_link, opportunity_lock
from workers.sync.lifecycle import write_status_then_record
from workers.sync.opportunities import linked_deal_id
from workers.sync.rules import OWNER_PROPERTY

log = logging.getLogger(__name__)


# -- deciding -------------------------------------------------------------------------------


def first_step(link: OpportunityLink, owner_id: str | None) -> str:
    """What the deal's owner asks for, from the link alone (no API call):
    `none` (no owner, none to forget), `clear` (the owner was removed),
    `unchanged` (the owner pcsync last assigned for), or `resolve`."""
    if owner_id is None:
        remembered = link.assignee_owner_id or link.assignment_failed_owner_id
        return "clear" if remembered else "none"
    if owner_id == link.assignee_owner_id:
        return "unchanged"
    return "resolve"


def resolved_step(link: OpportunityLink, owner_id: str, assignee: Assignee | None) -> str:
    """With the owner resolved (None: HubSpot does not know them): `refused_before`
    (the same owner and e-mail were refused already), `owner_unknown`,
    `already_assigned` (the same Partner Central user) or `assign`."""
    email = assignee.email if assignee else ""
    if (owner_id, email) == (link.assignment_failed_owner_id, link.assignment_failed_email):
        return "refused_before"
    if assignee is None:
        return "owner_unknown"
    if (link.assignee or {}).get("Email") == assignee.email:
        return "already_assigned"
    return "assign"


# -- following the deal owner (after each deal sync) ----------------------------------------


def deal_owner_id(properties: dict) -> str | None:
    return (properties.get(OWNER_PROPERTY) or "").strip() or None


def sync_assignment(outcome: SyncOutcome, run: Run) -> str | None:
    """Make the opportunity's assignee follow the deal owner. Returns the
    audited outcome, or None when there is nothing to decide (no opportunity,
    no owner)."""
    if outcome.state is None or outcome.opportunity_id is None:
        return None
    deal_id, opportunity_id = outcome.state.deal_id, outcome.opportunity_id
    owner_id = deal_owner_id(outcome.state.properties)
    # Most syncs change no owner: settle those without a lock or an API call.
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None:
            return None
        step = first_step(link, owner_id)
        if step == "none":
            return None
        if step == "unchanged":
            _audit(session, run, "unchanged", link, owner_id)
            return "unchanged"
        if step == "clear":
            return _forget_owner(session, run, link)
    owner = lookup_owner(owner_id)
    assignee = settings_assignee(owner) if owner else None
    with opportunity_lock(opportunity_id):
        # Decided again under the lock: another worker may have just done it.
        with runtime.database().transaction() as session:
            link = find_link(session, deal_id)
            step = first_step(link, owner_id)
            if step == "unchanged":
                _audit(session, run, "unchanged", link, owner_id)
                return step
            step = resolved_step(link, owner_id, assignee)
            if step == "refused_before":
                # The refusal itself (API message, note) was recorded once.
                _audit(session, run, step, link, owner_id, assignee, message="not sent again")
                return step
            if step == "owner_unknown":
                return _record_unknown_owner(session, run, link, owner_id)
            if step == "already_assigned":
                link.assignee_owner_id = owner_id
                _forget_refusal(link)
                _audit(session, run, step, link, owner_id, assignee)
                return step
        return assign(deal_id, opportunity_id, assignee, run, follows=owner_id, for_owner=owner_id)


def _forget_owner(session, run: Run, link: OpportunityLink) -> str:
    previous = link.assignee_owner_id or link.assignment_failed_owner_id
    link.assignee_owner_id = None
    _forget_refusal(link)
    _audit(
        session,
        run,
        "owner_cleared",
        link,
        None,
        diff={"previous_hubspot_owner_id": previous},
        message="the deal has no owner; Partner Central keeps its assignee (no unassign API)",
    )
    return "owner_cleared"


def _record_unknown_owner(session, run: Run, link: OpportunityLink, owner_id: str) -> str:
    link.assignment_failed_owner_id = owner_id
    link.assignment_failed_email = ""
    link.assignment_error = f"HubSpot has no active owner {owner_id}"
    _audit(session, run, "owner_unknown", link, owner_id, message=link.assignment_error)
    return "owner_unknown"


def _forget_refusal(link: OpportunityLink) -> None:
    link.assignment_failed_owner_id = None
    link.assignment_failed_email = None
    link.assignment_error = None


# -- assigning ------------------------------------------------------------------------------


def assign(
    deal_id: str,
    opportunity_id: str,
    assignee: Assignee,
    run: Run,
    *,
    follows: str | None,
    for_owner: str | None,
) -> str:
    """AssignOpportunity (caller holds the opportunity lock), then read the
    team it produced onto the deal. `follows` is the deal owner the
    assignment stands for until it changes; `for_owner` the HubSpot owner
    whose user this is (None for an operator's explicit assignee). A refusal
    is recorded against `for_owner`, not raised: the same request would be
    refused again."""
    pc = runtime.partner_central()
    try:
        check_assignee(assignee)
        pc.call(
            "AssignOpportunity",
            priority=run.priority,
            Identifier=opportunity_id,
            Assignee=assignee.request(),
        )
    except PermanentError as exc:
        return _record_refusal(deal_id, opportunity_id, assignee, for_owner, exc, run)
    opportunity = pc.call("GetOpportunity", priority=run.priority, Identifier=opportunity_id)
    team = team_text(opportunity.get("OpportunityTeam"))[:TEXTAREA_LIMIT]

    def assigned(session, link: OpportunityLink, written: dict) -> None:
        previous = (link.assignee or {}).get("Email")
        link.assignee = assignee.request()
        link.assignee_owner_id = follows
        link.assigned_at = runtime.utc_now()
        _forget_refusal(link)
        _audit(
            session,
            run,
            "assigned",
            link,
            for_owner,
            assignee,
            diff={"previous_assignee": previous, "follows": follows, "hubspot": written},
        )

    write_status_then_record(
        deal_id,
        {"aws_assigned_partner_user": assignee.email, "aws_opportunity_team": team},
        assigned,
        extra={"aws_team_last_sync": now_iso()},
    )
    return "assigned"


def _record_refusal(
    deal_id: str,
    opportunity_id: str,
    assignee: Assignee,
    owner_id: str | None,
    exc: PermanentError,
    run: Run,
) -> str:
    message = exc.api_message or str(exc)
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        link.assignment_failed_owner_id = owner_id
        link.assignment_failed_email = assignee.email
        link.assignment_error = message
        _audit(
            session,
            run,
            "failed",
            link,
            owner_id,
            assignee,
            diff={"field_errors": exc.field_errors} if exc.field_errors else None,
            message=message,
        )
    _note_refusal(deal_id, opportunity_id, assignee, owner_id, message)
    return "failed"


def _note_refusal(
    deal_id: str, opportunity_id: str, assignee: Assignee, owner_id: str | None, message: str
) -> None:
    owner = f" (HubSpot owner {owner_id})" if owner_id else ""
    body = (
        f"pcsync could not assign AWS opportunity {opportunity_id} to "
        f"{assignee.email or 'the deal owner'}{owner}: {message} "
        "Give them a Partner Central login, or map their HubSpot owner to their "
        "Partner Central login in PCSYNC_OWNER_MAP; an operator can retry with "
        f"POST /api/opportunities/{opportunity_id}/assign."
    )
    try:
        runtime.hubspot().create_note(deal_id, body, int(runtime.now() * 1000))
    except Exception:  # the refusal is recorded; the note is a courtesy
        log.exception("assignment.note_not_created", extra={"deal_id": deal_id})


def _audit(
    session,
    run: Run,
    outcome: str,
    link: OpportunityLink,
    owner_id: str | None,
    assignee: Assignee | None = None,
    *,
    diff: dict | None = None,
    message: str | None = None,
) -> None:
    details = {"hubspot_owner_id": owner_id, **(diff or {})}
    if assignee is not None:
        details["assignee"] = assignee.request()
    audit(
        session,
        run,
        ACTION,
        outcome,
        link.hubspot_deal_id,
        opportunity_id=link.opportunity_id,
        diff=details,
        message=message,
    )


# -- operators ------------------------------------------------------------------------------


def assign_manually(
    opportunity_id: str,
    run: Run,
    *,
    owner_id: str | None = None,
    assignee: dict | None = None,
) -> str:
    """An operator's assignment: to a HubSpot owner's Partner Central user, or
    to an explicit `{"email", "first_name", "last_name", "business_title"?}`.
    Always sent (Partner Central may have been changed by hand since), and
    held until the deal's owner changes."""
    deal_id = linked_deal_id(opportunity_id, run, ACTION)
    if deal_id is None:
        return "not_linked"
    if owner_id is not None:
        owner = lookup_owner(owner_id)
        if owner is None:
            with runtime.database().transaction() as session:
                return _record_unknown_owner(session, run, find_link(session, deal_id), owner_id)
        chosen = settings_assignee(owner)
    else:
        chosen = make_assignee(
            assignee["email"],
            assignee["first_name"],
            assignee["last_name"],
            assignee.get("business_title") or runtime.settings().assignee_business_title,
        )
    followed = current_deal_owner(deal_id)
    with opportunity_lock(opportunity_id):
        return assign(deal_id, opportunity_id, chosen, run, follows=followed, for_owner=owner_id)


def current_deal_owner(deal_id: str) -> str | None:
    try:
        deal = runtime.hubspot().get_object("deals", deal_id, [OWNER_PROPERTY])
    except NotFound:
        return None
    return deal_owner_id(deal["properties"])
