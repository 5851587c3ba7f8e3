"""Operator notifications, on beat's schedule (see workers/notify.py)."""

from __future__ import annotations

from celery import shared_task

from pcsync import runtime
from workers.notify import run_notifications


@shared_task(name="pcsync.send_notifications", ignore_result=True)
def send_notifications() -> int:
    report = run_notifications(runtime.utc_now())
    return len(report.sent)
