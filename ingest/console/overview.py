"""The figures on the overview page, read from the database, the broker and
the limiter (no API call)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kombu.exceptions import ChannelError, OperationalError
from sqlalchemy import func, select

from ingest.console.chart import build_chart, writes_per_hour
from models import AuditEntry, Conflict, FailedTask, Invitation, OpportunityLink, PendingObject
from pcsync import runtime
from workers.engine.invitations import OPEN_STATES
from workers.errors import RetryableError

EXPIRING_WITHIN = timedelta(hours=48)
# The audit actions that close a scheduled cycle (workers/sync/context.py::audit_cycle).
CYCLES = {"reconciliation": "opportunity.reconcile", "engagements": "engagement.cycle"}
# The state a deal is in when a business rule says what to fill before sending.
NEEDS_INPUT = "needs_input"


def overview(now: datetime) -> dict:
    with runtime.database().transaction() as session:
        figures = _counts(session, now)
        figures["cycles"] = {name: _last(session, action) for name, action in CYCLES.items()}
    figures["queued_tasks"] = queued_tasks()
    figures.update(quota_figures(now))
    return figures


def _counts(session, now: datetime) -> dict:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "links": count(OpportunityLink),
        "pending_deals": count(
            PendingObject, PendingObject.object_type == "deal", PendingObject.scheduled.is_(True)
        ),
        "failures": count(FailedTask, FailedTask.status == "failed"),
        "needs_input": count(OpportunityLink, OpportunityLink.sync_status == NEEDS_INPUT),
        "conflicts": count(Conflict, Conflict.status == "pending"),
        "expiring_referrals": count(
            Invitation,
            Invitation.state.in_(OPEN_STATES),
            Invitation.expires_at > now,
            Invitation.expires_at <= now + EXPIRING_WITHIN,
        ),
    }


def _last(session, action: str) -> AuditEntry | None:
    return session.scalar(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    )


def queued_tasks() -> int | None:
    """Messages waiting in the default queue; None when the broker does not answer."""
    celery = runtime.celery_app()
    try:
        with celery.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(
                queue=celery.conf.task_default_queue, passive=True
            )
    except ChannelError:
        return 0  # the broker keeps no queue while it is empty (a Redis list)
    except (OSError, OperationalError):
        return None
    return declared.message_count


def quota_figures(now: datetime) -> dict:
    """Partner Central writes and reads used in the rolling day, and the chart;
    empty when the limiter's storage does not answer."""
    limiter = runtime.limiter()
    try:
        budgets = limiter.budgets()
        counts = writes_per_hour(limiter)
    except RetryableError:
        return {"quota": None, "chart": None}
    quota = {group: _daily(budgets[group]) for group in ("pc-write", "pc-read")}
    per_second = budgets["pc-write"][0]["limit"]
    chart = counts and build_chart(counts, now, per_second, quota["pc-write"]["limit"])
    return {"quota": quota, "chart": chart}


def _daily(windows: list[dict]) -> dict:
    longest = windows[-1]
    used = longest["limit"] - longest["remaining"]
    return {"used": used, "limit": longest["limit"], "window": longest["window"]}
