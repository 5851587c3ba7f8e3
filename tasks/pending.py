"""Self-healing pending work: every pending object's task runs, sooner or later.

A pending row (models/inbox.py) stays scheduled from the event that marks it
until a run of its task has seen its latest generation. A run claims the row
when it starts, postpones it when it retries, and settles it when it ends;
events that arrive during the run make it queue a follow-up. A message the
broker lost (Redis without persistence, a foreign consumer, a worker killed
with tasks reserved or running) leaves the row scheduled and overdue, and the
beat job here queues it again. Tasks are idempotent and the generation check
stays, so a message that was only late costs a redundant run, never a
duplicate write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery import Signature, Task, shared_task

from models.inbox import claim_pending, claim_stale_pending, postpone_pending, settle_pending
from pcsync import runtime
from pcsync.outages import OUTAGES
from workers.celery_app import drain_failure_spool
from workers.publishing import publish_after_commit
from workers.task_policy import retrying, will_retry

log = logging.getLogger(__name__)

# How many overdue rows one sweep queues (the next sweep takes the rest).
# The margin itself is PCSYNC_PENDING_MARGIN_SECONDS.
SWEEP_BATCH = 500

# object type of a pending row -> the task that serves it (see task_for)
_TASKS = {
    "engagement_opp": "pcsync.refresh_engagement",
    "engagement": "pcsync.refresh_engagement",
    "engagement_drain": "pcsync.drain_engagements",
}
SYNC_TASK = "pcsync.sync_hubspot_object"


def task_for(object_type: str, object_id: str) -> Signature:
    """The message that serves a pending row (the same one the ingest sends)."""
    name = _TASKS.get(object_type, SYNC_TASK)
    args = () if name == "pcsync.drain_engagements" else (object_type, object_id)
    return runtime.celery_app().signature(name, args=args)


def _quietly(what: str, action: Callable[[], None]) -> None:
    """Bookkeeping that may fail in an outage: the sweeper covers for it."""
    try:
        action()
    except OUTAGES as exc:
        log.warning(f"pending.{what}_failed", extra={"error": type(exc).__name__})


@contextmanager
def pending_run(
    task: Task,
    object_type: str,
    object_id: str,
    on_give_up: Callable[[Exception], None] | None = None,
) -> Iterator[None]:
    """Run a pending object's task body under the retry policy.

    The claim is inside the retry wrapper (a database outage at the start is
    retried, not final); a retry postpones the row to the retry's due time;
    the end of the run, success or final failure, settles it. `on_give_up`
    shows a final failure where operators look.
    """
    database = runtime.database()
    follow_up_in = runtime.settings().debounce_seconds

    def postpone(countdown: float) -> None:
        def write() -> None:
            with database.transaction() as session:
                postpone_pending(session, object_type, object_id, countdown)

        _quietly("postpone", write)

    def settle(generation: int | None) -> None:
        def write() -> None:
            with database.transaction() as session:
                if not settle_pending(session, object_type, object_id, generation, follow_up_in):
                    follow_up = task.signature(task.request.args, task.request.kwargs)
                    publish_after_commit(session, [follow_up.set(countdown=follow_up_in)])

        _quietly("settle", write)

    generation = None
    with retrying(task, on_retry=postpone):
        with database.transaction() as session:
            generation = claim_pending(session, object_type, object_id)
        try:
            yield
        except Exception as exc:
            if not will_retry(task, exc):
                settle(generation)
                if on_give_up is not None:
                    on_give_up(exc)
            raise
    settle(generation)


def requeue_stale(margin: float) -> list[tuple[str, str]]:
    """Queue again every pending row more than `margin` seconds overdue."""
    with runtime.database().transaction() as session:
        stale = claim_stale_pending(session, margin, SWEEP_BATCH)
        publish_after_commit(session, (task_for(*key) for key in stale))
    if stale:
        log.warning("pending.requeued", extra={"count": len(stale), "objects": stale[:20]})
    return stale


@shared_task(name="pcsync.requeue_stale_pending")
def requeue_stale_pending() -> str:
    """Not retried: beat runs the next sweep within seconds anyway."""
    try:
        requeued = requeue_stale(runtime.settings().pending_margin_seconds)
        # Failures spooled on this machine while the database was away.
        drained = drain_failure_spool()
    except OUTAGES as exc:
        log.warning("pending.sweep_skipped", extra={"error": type(exc).__name__})
        return "skipped"
    return f"requeued {len(requeued)}, failures restored {drained}"
