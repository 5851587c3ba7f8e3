"""Tasks that submit a linked opportunity to AWS.

`pcsync.submit_opportunity` carries one submission forward a step at a time
(workers.sync.submission): associate and start, then poll. While Partner
Central's task is IN_PROGRESS it re-queues itself with a growing countdown,
so no worker ever waits on AWS.
"""

from __future__ import annotations

from celery import shared_task

from pcsync import runtime
from tasks.polling import poll_again
from workers.dispatch import queue_submission
from workers.engine.outcome import DealOutcome
from workers.sync import submission
from workers.sync.context import Run
from workers.sync.deals import SyncOutcome, find_link
from workers.task_policy import retrying

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
        if link is None or link.submission_status not in submission.REQUESTABLE_BY_DEAL:
            return False
        return queue_submission(session, deal_id, run)


@shared_task(name="pcsync.submit_opportunity", bind=True, max_retries=None)
def submit_opportunity(
    self,
    deal_id: str,
    requested_by: str | None = None,
    source: str = "operator",
    poll_round: int = 0,
) -> str:
    run = Run(actor=requested_by or self.name, task_id=self.request.id, source=source)
    with retrying(self):
        step = submission.submit(deal_id, run, poll_round=poll_round)
    kwargs = {"requested_by": requested_by, "source": source}
    return poll_again(self, step, (deal_id,), kwargs, poll_round)
