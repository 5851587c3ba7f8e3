"""Resource changes an operator asked for through the management API.

The API validates, records (audited) and queues; these tasks make the calls.
Each takes ids, re-reads the state and is idempotent on redelivery.
"""

from __future__ import annotations

from celery import shared_task

from workers.sync import library, snapshots
from workers.sync.context import Run
from workers.sync.resources import change_requested
from workers.task_policy import retrying


@shared_task(name="pcsync.change_related_entity", bind=True, max_retries=None)
def change_related_entity(
    self, opportunity_id: str, kind: str, identifier: str, add: bool, requested_by: str = "operator"
) -> str:
    run = Run(actor=requested_by, task_id=self.request.id, source="operator")
    with retrying(self):
        return change_requested(opportunity_id, kind, identifier, add, run)


@shared_task(name="pcsync.create_snapshot", bind=True, max_retries=None)
def create_snapshot(self, snapshot_id: int, requested_by: str = "operator") -> str:
    run = Run(actor=requested_by, task_id=self.request.id, source="operator")
    with retrying(self):
        return snapshots.create_snapshot(snapshot_id, run)


@shared_task(name="pcsync.mirror_partner_resources", bind=True, max_retries=None)
def mirror_partner_resources(self, deal_id: str, requested_by: str = "operator") -> str:
    run = Run(actor=requested_by, task_id=self.request.id, source="operator")
    with retrying(self):
        return library.mirror_to_deal(deal_id, run)
