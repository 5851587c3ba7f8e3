"""Tasks for AWS referrals.

- `pcsync.poll_invitations` (beat, every 15 minutes): pending invitations
  become HubSpot deals; late ones expire; with PCSYNC_AUTO_ACCEPT_REFERRALS
  every pending one is accepted.
- `pcsync.import_invitation`: one invitation, on its "Engagement Invitation
  Created" event (or expired, on "... Expired").
- `pcsync.decide_invitation`: accept or reject; while Partner Central's
  acceptance task is IN_PROGRESS the task re-queues itself with a countdown.
"""

from __future__ import annotations

from celery import shared_task

from tasks.polling import poll_again
from workers.sync import referrals
from workers.sync.context import Run
from workers.task_policy import retrying


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
