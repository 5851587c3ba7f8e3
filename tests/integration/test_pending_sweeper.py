"""Self-healing pending work on SQLite and PostgreSQL with the real Redis broker:
the pending markers' life cycle, the sweeper that re-queues lost work, and the
local spool for failures the database could not take."""

from __future__ import annotations

import json
from datetime import timedelta

import redis
import sqlalchemy as sa

from ingest import create_app
from models.base import utcnow
from models.failures import FailedTask
from models.inbox import (
    PendingObject,
    claim_pending,
    mark_pending,
    postpone_pending,
    settle_pending,
)
from tasks.pending import requeue_stale
from workers.celery_app import drain_failure_spool, record_failure
from workers.failure_spool import spool_folder, spooled

DEAL = ("deal", "42")


def queued(redis_url) -> list[dict]:
    return [json.loads(m) for m in redis.Redis.from_url(redis_url).lrange("celery", 0, -1)]


def pending_row(app) -> PendingObject:
    with app.extensions["pcsync.db"].transaction() as session:
        return session.get(PendingObject, DEAL)


def test_a_run_settles_only_the_generation_it_saw(make_settings, database_url, redis_url):
    app = create_app(make_settings(database_url=database_url, celery_broker_url=redis_url))
    database = app.extensions["pcsync.db"]
    with database.transaction() as session:
        assert mark_pending(session, [DEAL], due_in=2) == [DEAL]
    with database.transaction() as session:
        seen = claim_pending(session, *DEAL)
    with database.transaction() as session:  # an event during the run coalesces
        assert mark_pending(session, [DEAL]) == []
    with database.transaction() as session:
        assert settle_pending(session, *DEAL, seen, due_in=2) is False
    assert pending_row(app).scheduled  # the follow-up run has work to do
    with database.transaction() as session:
        newer = claim_pending(session, *DEAL)
    with database.transaction() as session:
        assert settle_pending(session, *DEAL, newer, due_in=2) is True
    assert not pending_row(app).scheduled
    with database.transaction() as session:  # the next event queues again
        assert mark_pending(session, [DEAL]) == [DEAL]


def test_an_event_before_the_run_claims_writes_nothing_and_one_during_the_run_is_seen(
    make_settings, database_url, redis_url
):
    app = create_app(make_settings(database_url=database_url, celery_broker_url=redis_url))
    database = app.extensions["pcsync.db"]
    with database.transaction() as session:
        assert mark_pending(session, [DEAL], due_in=2) == [DEAL]
    queued_row = pending_row(app)
    with database.transaction() as session:  # the task is still queued
        assert mark_pending(session, [DEAL]) == []
    assert vars_of(pending_row(app)) == vars_of(queued_row)
    with database.transaction() as session:
        seen = claim_pending(session, *DEAL)
    assert pending_row(app).claimed_at is not None
    with database.transaction() as session:  # the run may have read the deal already
        assert mark_pending(session, [DEAL]) == []
    assert pending_row(app).generation == seen + 1
    with database.transaction() as session:
        assert settle_pending(session, *DEAL, seen, due_in=2) is False
    follow_up = pending_row(app)
    assert follow_up.scheduled and follow_up.claimed_at is None  # its task is queued
    with database.transaction() as session:
        newer = claim_pending(session, *DEAL)
        assert settle_pending(session, *DEAL, newer, due_in=2) is True
    settled = pending_row(app)
    assert not settled.scheduled and settled.claimed_at is None


def vars_of(row: PendingObject) -> dict:
    return {column.name: getattr(row, column.name) for column in PendingObject.__table__.columns}


def test_the_sweeper_requeues_overdue_work_once_per_margin(make_settings, database_url, redis_url):
    app = create_app(make_settings(database_url=database_url, celery_broker_url=redis_url))
    database = app.extensions["pcsync.db"]
    with database.transaction() as session:  # marked, its message never sent
        mark_pending(session, [DEAL, ("engagement", "eng-1")])
        postpone_pending(session, "engagement", "eng-1", 3600)  # a retry due later
    with app.app_context():
        assert requeue_stale(margin=60) == []  # not overdue yet
        with database.transaction() as session:
            session.get(PendingObject, DEAL).enqueued_at = utcnow() - timedelta(seconds=61)
        assert requeue_stale(margin=60) == [DEAL]
        assert requeue_stale(margin=60) == []  # its clock restarted
    (message,) = queued(redis_url)
    assert message["headers"]["task"] == "pcsync.sync_hubspot_object"
    assert message["headers"]["argsrepr"] == "('deal', '42')"


class FailingTask:
    """What record_failure reads of a task: its name and retry count."""

    name = "pcsync.sync_hubspot_object"

    class request:
        retries = 3


def test_a_failure_the_database_cannot_take_is_spooled_and_restored(
    make_settings, database_url, redis_url, tmp_path
):
    down = create_app(
        make_settings(
            database_url="postgresql+psycopg://postgres@127.0.0.1:1/pcsync",
            celery_broker_url=redis_url,
        )
    )
    folder = spool_folder(down.extensions["pcsync.settings"].data_dir)
    error = RuntimeError("database went away mid-task")
    with down.app_context():
        record_failure(FailingTask, error, "task-1", ["deal", "42"], {}, einfo=None)
    assert len(spooled(folder)) == 1
    up = create_app(make_settings(database_url=database_url, celery_broker_url=redis_url))
    with up.app_context():
        assert drain_failure_spool() == 1
    assert spooled(folder) == []
    with up.extensions["pcsync.db"].transaction() as session:
        (row,) = session.scalars(sa.select(FailedTask)).all()
        assert (row.task_id, row.args, row.message, row.retries) == (
            "task-1",
            ["deal", "42"],
            "database went away mid-task",
            3,
        )
