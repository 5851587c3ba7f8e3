"""`GET /metrics`: Prometheus text format for monitoring.

Two parts: the counters every process recorded (webhooks, tasks, API calls;
see pcsync/metrics.py), added up across processes when PCSYNC_METRICS_DIR
is set, and figures read at scrape time from the database, the broker and
the limiter (deals by sync status, conflicts, expiring referrals, queue
depth, quota used). Like /healthz it needs no token: expose it to the
monitoring network only.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, request
from kombu.exceptions import OperationalError as BrokerError
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from pcsync import metrics, runtime
from workers import watch

log = logging.getLogger(__name__)
blueprint = Blueprint("metrics", __name__)
WEBHOOK_SOURCES = {"hubspot_webhook": "hubspot", "pc_events": "partner_central"}


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.after_request(_count_webhook)


def _count_webhook(response):
    source = WEBHOOK_SOURCES.get(request.blueprint)
    if source is not None:
        metrics.count_webhook(source, response.status_code)
    return response


@blueprint.get("/metrics")
def export():
    live = CollectorRegistry()
    live.register(LiveFigures())
    body = generate_latest(_counters()) + generate_latest(live)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def _counters():
    folder = runtime.settings().metrics_dir
    if folder is None:
        return REGISTRY  # one process: its own counters
    registry = CollectorRegistry()
    registry.register(AllHosts(folder))
    return registry


class AllHosts:
    """Every host's multiprocess files under the metrics folder, added up."""

    def __init__(self, folder: Path):
        self.folder = folder

    def collect(self):
        files = sorted(str(p) for p in self.folder.glob("*/*.db"))
        return MultiProcessCollector.merge(files, accumulate=True)


class LiveFigures:
    """Figures read at scrape time; a store that does not answer leaves its
    figures out (readyz reports the outage) rather than failing the scrape."""

    def collect(self):
        yield from _guarded(_database_figures)
        yield from _guarded(_queue_figures)
        yield from _guarded(_quota_figures)


def _guarded(read):
    try:
        return list(read())
    except (SQLAlchemyError, BrokerError, OSError) as exc:
        log.warning(
            "metrics.figure_unavailable", extra={"figure": read.__name__, "error": str(exc)}
        )
        return []


def _database_figures():
    now = runtime.utc_now()
    with runtime.database().transaction() as session:
        deals = watch.deals_by_sync_status(session)
        waiting = watch.objects_waiting(session)
        conflicts = len(watch.pending_conflicts(session))
        expiring = len(watch.expiring_referrals(session, now))
    by_status = GaugeMetricFamily(
        "pcsync_deals", "Linked deals by sync status", labels=["sync_status"]
    )
    for status, count in sorted(deals.items()):
        by_status.add_metric([status], count)
    yield by_status
    yield GaugeMetricFamily(
        "pcsync_objects_waiting", "Objects marked for a sync that has not run", value=waiting
    )
    yield GaugeMetricFamily(
        "pcsync_conflicts_pending", "Conflicts waiting for an operator", value=conflicts
    )
    yield GaugeMetricFamily(
        "pcsync_referrals_expiring", "Pending AWS referrals expiring within 48 h", value=expiring
    )


def _queue_figures():
    celery = runtime.celery_app()
    queue = celery.conf.task_default_queue
    with celery.connection_for_read() as connection:
        try:
            channel = connection.default_channel
            depth = channel.queue_declare(queue=queue, passive=True).message_count
        except connection.channel_errors:  # a queue nobody declared yet holds nothing
            depth = 0
    yield GaugeMetricFamily("pcsync_queue_depth", "Tasks waiting in the broker", value=depth)


def _quota_figures():
    used = GaugeMetricFamily(
        "pcsync_quota_used_today",
        "Calls counted in the daily window, by rate-limit group",
        labels=["group"],
    )
    for budget in watch.daily_budgets(runtime.limiter()):
        used.add_metric([budget.group], budget.used)
    yield used
