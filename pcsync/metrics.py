"""Prometheus counters every process records, added up across processes.

gunicorn and Celery's prefork pool run several processes; each keeps its own
counters. With `PCSYNC_METRICS_DIR` set, prometheus-client's multiprocess
mode stores them in memory-mapped files, and `/metrics` adds up every file.
Each host (container) writes to its own sub-folder, named after the host,
because process ids repeat across containers sharing one volume. The folder
must be chosen before prometheus-client is imported (it reads
PROMETHEUS_MULTIPROC_DIR at import), and any module may import it first, so
the `pcsync` package chooses it as it loads (pcsync/metrics_folder.py).

Calls are counted at their single choke points: botocore's event hooks on the
Partner Central client, a response hook on the HubSpot client's sessions,
Celery's task signals, and the webhook blueprints' responses.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from celery import signals
from prometheus_client import Counter, Histogram

WEBHOOKS = Counter(
    "pcsync_webhooks", "Webhook requests answered, by source and outcome", ["source", "outcome"]
)
TASKS = Counter("pcsync_tasks", "Celery tasks run, by task name and outcome", ["task", "outcome"])
TASK_SECONDS = Histogram("pcsync_task_duration_seconds", "Celery task run time", ["task"])
API_CALLS = Counter(
    "pcsync_api_calls",
    "Calls to Partner Central and HubSpot, by operation and outcome",
    ["service", "operation", "outcome"],
)

WEBHOOK_OUTCOMES = {
    200: "accepted",
    400: "bad_request",
    401: "unauthorized",
    413: "too_large",
    503: "unavailable",
}


def count_webhook(source: str, status: int) -> None:
    WEBHOOKS.labels(source, WEBHOOK_OUTCOMES.get(status, str(status))).inc()


# -- Partner Central: botocore's own event hooks on the one client ---------------


def instrument_boto_client(client) -> None:
    events = client.meta.events
    events.register("after-call.partnercentral-selling", _boto_answered)
    events.register("after-call-error.partnercentral-selling", _boto_unreachable)


def _boto_answered(parsed, model, **_) -> None:
    outcome = (parsed or {}).get("Error", {}).get("Code") or "ok"
    API_CALLS.labels("partner_central", model.name, outcome).inc()


def _boto_unreachable(exception, context=None, **_) -> None:
    operation = (context or {}).get("operation_name") or "unknown"
    API_CALLS.labels("partner_central", operation, type(exception).__name__).inc()


# -- HubSpot: a response hook on the client's sessions ---------------------------

# Record ids in paths become {id}, so the label has a bounded set of values.
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def count_hubspot_response(response, *_, **__) -> None:
    path = _ID_SEGMENT.sub("/{id}", urlsplit(response.request.url).path)
    API_CALLS.labels(
        "hubspot", f"{response.request.method} {path}", str(response.status_code)
    ).inc()


# -- Celery tasks: signals, connected once per process ---------------------------

_started: dict[str, float] = {}


def _task_started(task_id=None, **_) -> None:
    _started[task_id] = time.monotonic()


def _task_finished(task_id=None, task=None, state=None, **_) -> None:
    name = getattr(task, "name", "unknown")
    TASKS.labels(name, (state or "unknown").lower()).inc()
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.monotonic() - started)


def instrument_celery() -> None:
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="pcsync.metrics.prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="pcsync.metrics.postrun")
