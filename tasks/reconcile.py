"""Beat's reconciliation of Partner Central into HubSpot (every 10 minutes).

Thin: the cycle lives in `workers.sync.reconciliation`; this task only
declares who runs it and the retry policy. Beat runs one instance; the
cycle's singleton lock and the schedule entry's `expires` keep a slow run
from overlapping the next.
"""

from __future__ import annotations

from celery import shared_task

from workers.sync.context import Run
from workers.sync.reconciliation import run_reconciliation
from workers.task_policy import retrying


@shared_task(name="pcsync.reconcile_opportunities", bind=True, max_retries=None)
def reconcile_opportunities(self) -> str:
    # Background priority: when the daily quota runs low, this yields to
    # event-driven work instead of spending the last of it.
    run = Run(actor=self.name, task_id=self.request.id, source="schedule", priority="background")
    with retrying(self):
        report = run_reconciliation(run)
    if report is None:
        return "skipped"
    return f"listed {report.listed}, pulled {report.merged}, queued {report.queued}"
