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

import logging

from celery import shared_task

from models.invitations import Invitation
from pcsync import runtime
from tasks.submission import MAX_POLL_ROUNDS, poll_countdown, queue_requested_submission
from workers.dispatch import decision_task, record_decision_request
from workers.errors import RateLimited
from workers.publishing import publish_after_commit
from workers.sync import referrals
from workers.sync.context import Run
from workers.sync.deals import SyncOutcome
from workers.sync.rules import REFERRAL_PROPERTY
from workers.task_policy import retrying

log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 15 * 60
# The singleton lock outlives a slow run but not the next schedule by much.
POLL_LOCK_TTL_SECONDS = 14 * 60
# A limiter wait this long means the daily budget is low, not a busy second.
BUDGET_WAIT_SKIP_SECONDS = 60.0

# -- queueing -------------------------------------------------------------------------------


def queue_referral_decision(deal_id: str, result: SyncOutcome, run: Run) -> bool:
    """A referral deal whose `aws_invitation_decision` says accept or reject,
    while the invitation is still open: queue the decision once."""
    if result.outcome != "awaiting_referral_decision" or result.state is None:
        return False
    properties = result.state.properties
    invitation_id = properties.get(REFERRAL_PROPERTY)
    decision = referrals.decision_from_deal(properties)
    if not invitation_id or not decision:
        return False
    with runtime.database().transaction() as session:
        row = session.get(Invitation, invitation_id)
        # Only the deal pcsync made for the invitation may decide it.
        if row is None or row.hubspot_deal_id != deal_id or row.state not in referrals.OPEN_STATES:
            return False
        record_decision_request(session, row, decision, run)
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
    with runtime.locks().beat_singleton("poll_invitations", POLL_LOCK_TTL_SECONDS) as held:
        if not held:
            log.info("invitations.poll_skipped", extra={"reason": "previous run still going"})
            return "skipped"
        with retrying(self):
            try:
                result = referrals.poll_invitations(run)
            except RateLimited as exc:
                if (exc.retry_after or 0) < BUDGET_WAIT_SKIP_SECONDS:
                    raise  # a busy second: retried shortly
                # The daily budget is saved for event-driven work: skip this
                # round instead of piling retries onto the next schedules.
                log.info("invitations.poll_deferred", extra={"retry_after": exc.retry_after})
                return "deferred"
    auto = runtime.settings().auto_accept_referrals
    with runtime.database().transaction() as session:
        run.audit(
            session,
            action="invitations.poll",
            outcome="polled",
            diff={**result.as_dict(), "auto_accept": auto},
        )
        if auto and result.open_invitation_ids:
            for invitation_id in result.open_invitation_ids:
                row = session.get(Invitation, invitation_id)
                record_decision_request(session, row, "accept", run)
            publish_after_commit(
                session,
                (
                    decision_task(i, "accept", requested_by="auto-accept", source="schedule")
                    for i in result.open_invitation_ids
                ),
            )
    return "polled"


@shared_task(name="pcsync.import_invitation", bind=True, max_retries=None)
def import_invitation(self, invitation_id: str, expired: bool = False) -> str:
    """React to a Partner Central invitation event (ids only; state re-read)."""
    run = Run(actor=self.name, task_id=self.request.id, source="partner_central")
    with retrying(self):
        if expired:
            return referrals.settle_from_partner_central(invitation_id, run).outcome
        outcome = referrals.import_invitation(invitation_id, run)
    if outcome == "imported" and runtime.settings().auto_accept_referrals:
        decision_task(
            invitation_id, "accept", requested_by="auto-accept", source="schedule"
        ).apply_async()
    return outcome


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
        result = referrals.decide(invitation_id, decision, run, reason=reason)
    if result.poll_again:
        if poll_round >= MAX_POLL_ROUNDS:
            referrals.fail_acceptance(
                invitation_id, "the acceptance task did not complete within a day", run
            )
            return "failed"
        self.apply_async(
            (invitation_id, decision),
            {
                "reason": reason,
                "requested_by": requested_by,
                "source": source,
                "poll_round": poll_round + 1,
            },
            countdown=poll_countdown(poll_round),
        )
    return result.outcome
