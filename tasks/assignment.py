"""Assignment of an opportunity by an operator (`POST /api/opportunities/{id}/assign`).

The API records the request and queues this task; the task looks the owner
up, takes the opportunity's lock and sends AssignOpportunity
(`workers.sync.assignment.assign_manually`). Following the deal owner after
each deal sync needs no task of its own: `tasks.hubspot_sync` calls
`sync_assignment` once the deal is synced.
"""

from __future__ import annotations

from celery import shared_task

from workers.sync.assignment import assign_manually
from workers.sync.context import Run
from workers.task_policy import retrying


@shared_task(name="pcsync.assign_opportunity", bind=True, max_retries=None)
def assign_opportunity(
    self,
    opportunity_id: str,
    owner_id: str | None = None,
    assignee: dict | None = None,
    requested_by: str = "operator",
) -> str:
    run = Run(actor=requested_by, task_id=self.request.id, source="operator")
    with retrying(self):
        return assign_manually(opportunity_id, run, owner_id=owner_id, assignee=assignee)
