"""What every part of the referral flow shares: the invitation's lifecycle,
its lock, its deadline and how its state shows on the referral's deal.

The lifecycle is the one `models.invitations.ALLOWED_TRANSITIONS` declares;
every move goes through `INVITATION.move`, one audit row under the running
task's id (object_type "invitation", object_id the invitation id):

    listed PENDING ──► pending ──► accepting ──► accepted   (opportunity linked)
                          │            └──────► failed     (task FAILED; may decide again)
                          ├──────► rejecting ──► rejected
                          └──────► expired / accepted / rejected (seen in Partner Central)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from models.invitations import ALLOWED_TRANSITIONS, Invitation
from pcsync import runtime
from workers.errors import NotFound, RetryableError
from workers.sync.context import Run
from workers.sync.lifecycle import AuditSubject, Lifecycle

log = logging.getLogger(__name__)

STATUS_PROPERTY = "aws_invitation_status"
INVITATION_LOCK_TTL_SECONDS = 300
LOCK_BUSY_RETRY_SECONDS = 3.0


def _audit_subject(row: Invitation) -> AuditSubject:
    return AuditSubject(
        "invitation", row.invitation_id, row.opportunity_id, {"deal_id": row.hubspot_deal_id}
    )


INVITATION = Lifecycle("invitation", "state", ALLOWED_TRANSITIONS, _audit_subject)


class InvitationBusy(RetryableError):
    """Another worker is deciding or importing this invitation; try again shortly."""


def invitation_lock(invitation_id: str):
    """One worker at a time per invitation (import, decision, expiry)."""
    name = f"invitation:{runtime.settings().pc_catalog}:{invitation_id}"
    return runtime.locks().try_lock(name, INVITATION_LOCK_TTL_SECONDS)


def busy(invitation_id: str, why: str, retry_after: float = LOCK_BUSY_RETRY_SECONDS):
    return InvitationBusy(
        f"invitation {invitation_id} {why}", retry_after=retry_after, service="pcsync"
    )


def status_value(state: str) -> str:
    """What the deal shows in aws_invitation_status (PENDING, ACCEPTED, ...)."""
    return state.upper()


def show_on_deal(invitation_id: str, deal_id: str | None, properties: dict[str, str]) -> None:
    """Write the referral's state to its deal; a deal deleted meanwhile is not an error."""
    if not deal_id:
        return
    try:
        runtime.hubspot().update_object("deals", deal_id, properties)
    except NotFound:
        log.warning("invitation.deal_gone", extra={"invitation_id": invitation_id})


def move_shown(
    invitation_id: str,
    target: str,
    run: Run,
    *,
    action: str,
    message: str | None = None,
    shown: dict[str, str] | None = None,
    record: Callable[[Invitation], None] | None = None,
) -> bool:
    """Move the invitation to `target`, shown on its deal first: send, then
    record, so that after a crash in between the next attempt shows it
    again. `record` adds the row's other changes to the move's transaction.
    False (nothing done) when the move is not (or no longer) allowed."""
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if row is None or not INVITATION.allows(row, target):
            return False
        deal_id = row.hubspot_deal_id
    show_on_deal(invitation_id, deal_id, {STATUS_PROPERTY: status_value(target), **(shown or {})})
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        if not INVITATION.allows(row, target):
            return False
        if record is not None:
            record(row)
        INVITATION.move(session, run, row, target, action=action, message=message)
    return True


def expire(invitation_id: str, run: Run, reason: str) -> str:
    """Deadline passed (or AWS said EXPIRED): state expired, shown on the deal."""
    expired = move_shown(invitation_id, "expired", run, action="invitation.expire", message=reason)
    return "expired" if expired else "unchanged"
