"""Builds the Celery app on top of the Flask app (one factory for both).

Tasks run inside the Flask app context, so they reach settings and the
database exactly as request handlers do. A task that ends in FAILURE is
stored in `failed_tasks` with its error so it can be inspected and replayed.
"""

from __future__ import annotations

import logging
import traceback as tb

from celery import Celery, Task
from celery.signals import worker_ready
from flask import Flask, has_app_context

import celeryconfig
from pcsync.config import Settings
from pcsync.metrics import instrument_celery
from pcsync.outages import DATABASE_OUTAGES
from workers import failure_spool, kombu_redis_fix
from workers.failure_spool import spool_folder

log = logging.getLogger(__name__)


def broker_options(settings: Settings) -> dict:
    options: dict = {"visibility_timeout": settings.visibility_timeout_seconds}
    if settings.celery_broker_url.startswith(("redis", "rediss")):
        options.update(socket_connect_timeout=2, socket_timeout=10)
        # kombu sweeps for a dead worker's unacknowledged tasks roughly every
        # interval x throttle seconds (100 s by default); keep that sweep well
        # inside a short visibility timeout so redelivery follows it closely.
        if settings.visibility_timeout_seconds < 600:
            options.update(
                unacked_restore_interval=max(1, settings.visibility_timeout_seconds // 4),
                unacked_restore_throttle=1,
            )
    if settings.embedded_broker:
        folder = settings.broker_folder
        for sub in ("queue", "control", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
        }
    return options


def beat_schedule(settings: Settings) -> dict:
    """celeryconfig's schedule with the configured intervals applied. A run
    not started before the next one is due is dropped (`expires`)."""
    schedule = {name: dict(entry) for name, entry in celeryconfig.beat_schedule.items()}
    interval = settings.engagement_sync_minutes * 60.0
    schedule[celeryconfig.ENGAGEMENT_BEAT_ENTRY].update(
        schedule=interval, options={"expires": max(interval - 60.0, interval * 0.9)}
    )
    # The sweep runs at least twice per margin, so lost work waits at most
    # about 1.5 margins past its due time.
    sweep = min(celeryconfig.MAX_SWEEP_SECONDS, max(1.0, settings.pending_margin_seconds / 2))
    schedule[celeryconfig.SWEEPER_BEAT_ENTRY].update(
        schedule=sweep, options={"expires": sweep * 0.9}
    )
    return schedule


def celery_init_app(flask_app: Flask, settings: Settings) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():
                return self.run(*args, **kwargs)
            with flask_app.app_context():
                return self.run(*args, **kwargs)

        def on_failure(self, exc, task_id, args, kwargs, einfo):
            with flask_app.app_context():
                record_failure(self, exc, task_id, args, kwargs, einfo)

    kombu_redis_fix.install()
    celery = Celery("pcsync", task_cls=FlaskTask)
    celery.config_from_object("celeryconfig")
    celery.conf.update(
        broker_url=settings.celery_broker_url,
        broker_transport_options=broker_options(settings),
        beat_schedule=beat_schedule(settings),
    )
    celery.set_default()
    instrument_celery()
    flask_app.extensions["celery"] = celery

    @worker_ready.connect(weak=False)
    def drain_spool_at_start(**_kwargs) -> None:
        with flask_app.app_context():
            try:
                drain_failure_spool()
            except DATABASE_OUTAGES:
                log.warning("failures.spool_kept", extra={"reason": "database unavailable"})

    return celery


def failure_row(task: Task, exc: BaseException, task_id, args, kwargs, einfo) -> dict:
    """The `failed_tasks` values of a failure, JSON-ready (it may be spooled)."""
    return {
        "task_name": task.name,
        "task_id": task_id,
        "args": list(args or ()),
        "kwargs": dict(kwargs or {}),
        "exception_type": type(exc).__name__,
        "message": str(exc),
        "field_errors": getattr(exc, "field_errors", None),
        "traceback": "".join(tb.format_exception(exc)) if einfo else None,
        "retries": task.request.retries or 0,
    }


def store_failure(row: dict) -> None:
    from models.failures import FailedTask
    from pcsync import runtime

    with runtime.database().transaction() as session:
        session.add(FailedTask(**row))


def drain_failure_spool() -> int:
    """Move failures spooled during a database outage into `failed_tasks`."""
    from pcsync import runtime

    return failure_spool.drain(spool_folder(runtime.settings().data_dir), store_failure)


def record_failure(task: Task, exc: BaseException, task_id, args, kwargs, einfo) -> None:
    """Store a final failure; if the database cannot take it, spool it to
    local disk (replayed into `failed_tasks` later) rather than lose it."""
    from pcsync import runtime

    row = failure_row(task, exc, task_id, args, kwargs, einfo)
    log.error("task.failed", extra={"task": task.name, "task_id": task_id, "error": str(exc)})
    try:
        store_failure(row)
    except DATABASE_OUTAGES as db_exc:
        path = failure_spool.spool(spool_folder(runtime.settings().data_dir), row)
        log.error("task.failure_spooled", extra={"file": str(path), "error": str(db_exc)[:200]})
        return
    drain_failure_spool()
