"""Retention on beat's schedule (the commands: workers/sync/retention.py),
each run by one worker at a time."""

from __future__ import annotations

from celery import shared_task

from pcsync import runtime
from workers.sync import retention
from workers.sync.context import Run

SINGLETON_SECONDS = 3600


@shared_task(name="pcsync.prune_inbox", bind=True)
def prune_inbox(self) -> int:
    with runtime.locks().beat_singleton("prune-inbox", SINGLETON_SECONDS) as held:
        return retention.prune_inbox(scheduled_run(self)) if held else 0


@shared_task(name="pcsync.purge_audit", bind=True)
def purge_audit(self) -> int:
    with runtime.locks().beat_singleton("purge-audit", SINGLETON_SECONDS) as held:
        return retention.purge_audit(scheduled_run(self)) if held else 0


def scheduled_run(task) -> Run:
    return Run(actor=task.name, task_id=task.request.id, source="schedule")
