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

from celery import shared_task

from models.invitations import Invitation
from pcsync import runtime
from tasks.polling import poll_again
from tasks.submission import queue_requested_submission
from workers.dispatch import decision_task
from workers.engine.outcome import DealOutcome
from workers.publishing import publish_after_commit
from workers.sync import referrals
from workers.sync.context import Run
from workers.sync.deals import SyncOutcome
from workers.sync.referral_state import undecidable
from workers.sync.rules import REFERRAL_PROPERTY
from workers.task_policy import retrying

POLL_INTERVAL_SECONDS = 15 * 60
# -- queueing -------------------------------------------------------------------------------


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


def queue_deal_requests(deal_id: str, result: SyncOutcome, run: Run) -> None:
    """The one hook after a deal sync: act on what the deal asks for."""
    queue_referral_decision(deal_id, result, run)
    queue_requested_submission(deal_id, result, run)


# -- tasks ----------------------------------------------------------------------------------


@shared_task(name="pcsync.poll_invitations", bind=True, max_retries=None)
def poll_invitations(self) -> str:
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority="background")
    with retrying(self):
        return referrals.scheduled_poll(run)


@shared_task(name="pcsync.import_invitation", bind=True, max_retries=None)
def import_invitation(self, invitation_id: str, expired: bool = False) -> str:
    """React to a Partner Central invitation event (ids only; state re-read)."""
    run = Run(actor=self.name, task_id=self.request.id, source="partner_central")
    with retrying(self):
        return referrals.on_invitation_event(invitation_id, expired, run)


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
