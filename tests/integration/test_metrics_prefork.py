"""`/metrics` adds up what Celery's prefork children counted: the tasks run in
the pool processes of a real `pcsync worker`, and the ingest, another
process, reports them through the shared multiprocess folder."""

from __future__ import annotations

import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from models.migrate import upgrade
from tests.integration.stack import build_stack, wait_for

pytestmark = pytest.mark.integration
TASKS = 6


@pytest.fixture
def stack(make_settings, redis_url, monkeypatch, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'pcsync.sqlite3'}"
    upgrade(database_url)
    built = build_stack(
        make_settings, database_url, redis_url, monkeypatch, metrics_dir=tmp_path / "metrics"
    )
    yield built
    built.stop()


def tasks_counted(stack) -> float:
    text = stack.app.test_client().get("/metrics").get_data(as_text=True)
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "pcsync_tasks_total"
        and sample.labels == {"task": "pcsync.send_notifications", "outcome": "success"}
    )


def test_prefork_children_add_up_in_the_ingests_metrics(stack, tmp_path):
    worker = stack.start_worker_process("prefork", concurrency=2)
    try:
        celery = stack.app.extensions["celery"]
        for _ in range(TASKS):
            celery.send_task("pcsync.send_notifications")
        wait_for(lambda: tasks_counted(stack) == TASKS, timeout=60, interval=0.5)
    finally:
        stack.kill_worker(worker)
    # The counts live in files of the pool processes, none of them this one.
    counted_by = {path.name for path in (tmp_path / "metrics").glob("*/counter_*.db")}
    assert counted_by and f"counter_{os.getpid()}.db" not in counted_by
