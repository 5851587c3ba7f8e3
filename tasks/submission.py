"""Tasks that submit a linked opportunity to AWS.

`pcsync.submit_opportunity` carries one submission forward a step at a time
(workers.sync.submission): associate and start, then poll. While Partner
Central's task is IN_PROGRESS it re-queues itself with a growing countdown,
so no worker ever waits on AWS.
"""

from __future__ import annotations

from celery import shared_task

from tasks.polling import poll_again
from workers.sync import submission
from workers.sync.context import Run
from workers.task_policy import retrying


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
