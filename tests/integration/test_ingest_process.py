"""What the ingest process loads: a fresh interpreter that builds the app as
the WSGI entry point does and handles a webhook imports no task module
(tasks are published by name, workers/dispatch.py), no API client (requests,
the limiter's `limits`, boto3) and not the sync engine's heavy parts
(botocore's service model, phonenumbers): the management API and the console
import light modules, each worker-side module imports them, not the other way
round. On PostgreSQL, SQLite's dialect, driver and library stay out (about 1.5 MB
of each ingest worker)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import TEST_CLIENT_SECRET

HANDLE_ONE_WEBHOOK = """
import json, sys, time
from ingest import create_app
from ingest.signatures import v3_signature

app = create_app()
event = {
    "eventId": 1, "subscriptionId": 7, "portalId": 62515, "appId": 1001,
    "occurredAt": 1764300000000, "subscriptionType": "deal.propertyChange",
    "objectId": 42, "propertyName": "amount", "propertyValue": "1", "changeSource": "CRM_UI",
}
body = json.dumps([event]).encode()
timestamp = str(int(time.time() * 1000))
signature = v3_signature(
    sys.argv[1], "POST", "https://pcsync.example.com/webhooks/hubspot", body, timestamp
)
response = app.test_client().post(
    "/webhooks/hubspot",
    data=body,
    headers={
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp,
    },
)
print(json.dumps({"answer": response.json, "modules": sorted(sys.modules)}))
"""

SCRAPE_METRICS = """
import json, sys
from ingest import create_app

response = create_app().test_client().get("/metrics")
print(json.dumps({"status": response.status_code, "modules": sorted(sys.modules)}))
"""


def run_fresh(script: str, environment: dict[str, str], *args: str) -> dict:
    finished = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def ingest_environment(database_url: str, redis_url: str, tmp_path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "PCSYNC_DATA_DIR": str(tmp_path / "var"),
        "HUBSPOT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "PCSYNC_PUBLIC_URL": "https://pcsync.example.com",
        "PCSYNC_LOG_LEVEL": "ERROR",
    }


def test_the_ingest_handles_a_webhook_without_loading_tasks_or_boto3(
    database_url, redis_url, tmp_path
):
    environment = ingest_environment(database_url, redis_url, tmp_path)
    report = run_fresh(HANDLE_ONE_WEBHOOK, environment, TEST_CLIENT_SECRET)
    assert report["answer"]["recorded"] == 1 and report["answer"]["queued"] == 1
    modules = report["modules"]
    assert [m for m in modules if m == "tasks" or m.startswith("tasks.")] == []
    assert "boto3" not in modules
    assert "workers.clients.partner_central" not in modules
    assert "botocore.session" not in modules
    heavy = ("requests", "limits", "botocore", "phonenumbers", "workers.engine.model")
    assert [m for m in heavy if m in modules] == []
    if database_url.startswith("postgresql"):
        assert [m for m in modules if "sqlite" in m] == []


def test_a_scrape_on_postgresql_and_redis_loads_no_sqlite(
    postgres_database_url, redis_url, tmp_path
):
    """/metrics reads the quota through the limiter, which on Redis needs
    none of the embedded store's SQLite (about 1 MB of each process that
    builds a limiter: every worker, and every ingest worker Prometheus scrapes)."""
    environment = ingest_environment(postgres_database_url, redis_url, tmp_path)
    report = run_fresh(SCRAPE_METRICS, {**environment, "REDIS_URL": redis_url})
    assert report["status"] == 200
    assert "workers.limiter" in report["modules"]
    assert [m for m in report["modules"] if "sqlite" in m] == []


def test_a_webhooks_only_ingest_loads_neither_the_api_nor_the_console(
    database_url, redis_url, tmp_path
):
    """PCSYNC_INGEST_SERVES=webhooks: the management API's and the console's
    modules and libraries stay out (about 5 MB of each ingest worker)."""
    environment = ingest_environment(database_url, redis_url, tmp_path)
    environment["PCSYNC_INGEST_SERVES"] = "webhooks"
    report = run_fresh(HANDLE_ONE_WEBHOOK, environment, TEST_CLIENT_SECRET)
    assert report["answer"]["recorded"] == 1
    management = ("ingest.api", "ingest.console", "flask_smorest", "apispec", "flask_wtf")
    assert [m for m in management if m in report["modules"]] == []
