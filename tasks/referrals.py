"""Tasks for AWS referrals, and the follow-up hook after a deal sync.

- `pcsync.poll_invitations` (beat, every 15 minutes): pending invitations
  become HubSpot deals; late ones expire; with PCSYNC_AUTO_ACCEPT_REFERRALS
  every pending one is accepted.
- `pcsync.import_invitation`: one invitation, on its "Engagement Invitation
  Created" event (or expired, on "... Expired").
- `pcsync.decide_invitation`: accept or reject; while Partner Central's
  acceptance task is IN_PROGRESS the task re-queues itself with a countdown.
- `queue_deal_requests`: what a deal sync hands over: a referral decision
  made on the deal, or a request to submit to AWS.
"""

from __future__ import annotations

from celery import Signature, shared_task

from models.invitations import Invitation
from pcsync import runtime
from tasks.polling import poll_again
from tasks.submission import queue_requested_submission
from workers.engine.outcome import DealOutcome
from workers.publishing import publish_after_commit
from workers.sync import referrals
from workers.sync.context import Run
from workers.sync.deals import SyncOutcome
from workers.sync.referral_state import undecidable
from workers.sync.rules import REFERRAL_PROPERTY
from workers.task_policy import retrying

POLL_INTERVAL_SECONDS = 15 * 60
# Partner Central events about invitations
# (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html):
# detail-type -> expired?
REFERRAL_EVENTS = {"Engagement Invitation Created": False, "Engagement Invitation Expired": True}

# -- queueing -------------------------------------------------------------------------------


def decision_task(
    invitation_id: str,
    decision: str,
    *,
    reason: str | None = None,
    requested_by: str,
    source: str,
) -> Signature:
    """The task that carries out a recorded decision (publish it after the commit)."""
    return decide_invitation.signature(
        (invitation_id, decision),
        {"reason": reason, "requested_by": requested_by, "source": source},
    )


def request_decision(invitation_id: str, decision: str, run: Run, reason: str | None = None):
    """An operator's accept or reject (API and console): checked, audited and
    queued in one transaction, or DecisionRefused with nothing changed."""
    with runtime.database().transaction() as session:
        row = referrals.decidable_invitation(session, invitation_id)
        referrals.record_decision_request(session, row, decision, run, reason=reason)
        # Published after the commit: the task never runs without its audit row.
        task = decision_task(
            invitation_id, decision, reason=reason, requested_by=run.actor, source=run.source
        )
        publish_after_commit(session, [task])


def queue_referral_decision(deal_id: str, result: SyncOutcome, run: Run) -> bool:
    """A referral deal whose `aws_invitation_decision` says accept or reject,
    while the invitation is still open: queue the decision once."""
    if result.outcome != DealOutcome.AWAITING_REFERRAL_DECISION or result.state is None:
        return False
    properties = result.state.properties
    invitation_id = properties.get(REFERRAL_PROPERTY)
    decision = referrals.decision_from_deal(properties)
    if not invitation_id or not decision:
        return False
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        # Only the deal pcsync made for the invitation may decide it.
        if row is None or row.hubspot_deal_id != deal_id or undecidable(row):
            return False
        referrals.record_decision_request(session, row, decision, run)
        publish_after_commit(
            session,
            [
                decision_task(
                    invitation_id,
                    decision,
                    requested_by=f"hubspot:deal:{deal_id}",
                    source="hubspot",
                )
            ],
        )
    return True


def referral_event(event: dict, catalog: str) -> tuple[str, bool] | None:
    """(invitation id, expired) when a raw EventBridge event concerns an AWS
    referral addressed to us in our catalog; None for anything else (our own
    submissions' invitations are SENDER ones)."""
    expired = REFERRAL_EVENTS.get(event.get("detail-type"))
    detail = event.get("detail")
    if expired is None or not isinstance(detail, dict) or detail.get("catalog") != catalog:
        return None
    invitation = detail.get("engagementInvitation")
    if not isinstance(invitation, dict):
        return None
    if str(invitation.get("participantType") or "").upper() != "RECEIVER":
        return None
    if invitation.get("payloadType", "OpportunityInvitation") != "OpportunityInvitation":
        return None
    invitation_id = invitation.get("id")
    return (invitation_id, expired) if isinstance(invitation_id, str) and invitation_id else None


def queue_referral_events(session, events: list[dict]) -> int:
    """Queue the import (or expiry) of the AWS referrals newly recorded events
    name, in the caller's transaction (published after its commit). The beat
    poll remains the safety net: event delivery is best effort."""
    catalog = runtime.settings().pc_catalog
    work = dict.fromkeys(w for w in (referral_event(e, catalog) for e in events) if w)
    return publish_after_commit(
        session,
        (import_invitation.signature((i,), {"expired": expired}) for i, expired in work),
    )


def queue_deal_requests(deal_id: str, result: SyncOutcome, run: Run) -> None:
    """The one hook after a deal sync: act on what the deal asks for."""
    queue_referral_decision(deal_id, result, run)
    queue_requested_submission(deal_id, result, run)


# -- tasks ----------------------------------------------------------------------------------


@shared_task(name="pcsync.poll_invitations", bind=True, max_retries=None)
def poll_invitations(self) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority="background")
    with retrying(self):
        return referrals.scheduled_poll(run, decision_task)


@shared_task(name="pcsync.import_invitation", bind=True, max_retries=None)
def import_invitation(self, invitation_id: str, expired: bool = False) -> str:
    """React to a Partner Central invitation event (ids only; state re-read)."""
    run = Run(actor=self.name, task_id=self.request.id, source="partner_central")
    with retrying(self):
        return referrals.on_invitation_event(invitation_id, expired, run, decision_task)


@shared_task(name="pcsync.decide_invitation", bind=True, max_retries=None)
def decide_invitation(
    self,
    invitation_id: str,
    decision: str,
    reason: str | None = None,
    requested_by: str | None = None,
    source: str = "operator",
    poll_round: int = 0,
) -> str:
    run = Run(actor=requested_by or self.name, task_id=self.request.id, source=source)
    with retrying(self):
        step = referrals.decide(invitation_id, decision, run, reason=reason, poll_round=poll_round)
    kwargs = {"reason": reason, "requested_by": requested_by, "source": source}
    return poll_again(self, step, (invitation_id, decision), kwargs, poll_round)
