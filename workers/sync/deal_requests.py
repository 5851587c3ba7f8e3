"""What a deal asks for besides its sync, acted on after each deal sync: a
referral decision made on the deal (`aws_invitation_decision`) and a
submission to AWS (`aws_submit_to_aws`). Each is audited and its task
published after the commit, once.
"""

from __future__ import annotations

from models.invitations import Invitation
from pcsync import runtime
from workers.dispatch import decision_task, queue_submission
from workers.engine.outcome import DealOutcome
from workers.publishing import publish_after_commit
from workers.sync import referrals, submission
from workers.sync.context import Run
from workers.sync.deals import SyncOutcome, find_link
from workers.sync.referral_views import undecidable
from workers.sync.rules import REFERRAL_PROPERTY
from workers.sync.submission_states import REQUESTABLE_BY_DEAL


def queue_deal_requests(deal_id: str, result: SyncOutcome, run: Run) -> None:
    """The one hook after a deal sync: act on what the deal asks for."""
    queue_referral_decision(deal_id, result, run)
    queue_requested_submission(deal_id, result, run)


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


# Deal outcomes whose deal cannot be submitted (no link, or no deal).
NOT_SUBMITTABLE_OUTCOMES = frozenset(
    {DealOutcome.AWAITING_REFERRAL_DECISION, DealOutcome.NOT_SYNCING, DealOutcome.DEAL_DELETED}
)


def queue_requested_submission(deal_id: str, result: SyncOutcome, run: Run) -> bool:
    """After a deal sync: submit when the deal asks (`aws_submit_to_aws` = true)
    and nothing has been submitted yet, or the last attempt failed."""
    if result.state is None or result.outcome in NOT_SUBMITTABLE_OUTCOMES:
        return False
    if not submission.wants_submission(result.state.properties):
        return False
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or link.submission_status not in REQUESTABLE_BY_DEAL:
            return False
        return queue_submission(session, deal_id, run)
