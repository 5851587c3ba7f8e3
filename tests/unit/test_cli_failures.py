"""`pcsync failures` and `pcsync budget` on a real SQLite database and the
embedded (filesystem) broker: what operators see and what a replay queues."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from models.db import Database
from models.failures import FailedTask
from models.migrate import upgrade
from pcsync.cli import main

FIELD_ERROR = {
    "field": "Customer.Account.WebsiteUrl",
    "message": "Value must be a valid URL.",
    "code": "INVALID_STRING_FORMAT",
}


@pytest.fixture
def settings(make_settings, tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    upgrade(settings.database_url)
    return settings


@pytest.fixture
def database(settings):
    database = Database(settings.database_url)
    yield database
    database.dispose()


def add_failure(database, **overrides) -> int:
    values = {
        "task_name": "pcsync.sync_hubspot_object",
        "task_id": "0b1c2d3e-original",
        "args": ["deal", "5000042"],
        "kwargs": {},
        "exception_type": "PermanentError",
        "message": "ValidationException: Business validation failed with 1 error(s)",
        "field_errors": [FIELD_ERROR],
        "failed_at": datetime(2025, 6, 15, 12, 0, 5, tzinfo=UTC),
        **overrides,
    }
    with database.transaction() as session:
        row = FailedTask(**values)
        session.add(row)
        session.flush()
        return row.id


def run(settings, *args: str):
    return CliRunner().invoke(main, list(args), obj=settings)


def queued_messages(settings) -> list[dict]:
    """Messages the filesystem broker holds, decoded."""
    folder = settings.broker_folder / "queue"
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*"))]


def test_list_shows_message_and_field_errors(settings, database):
    failure_id = add_failure(database)
    result = run(settings, "failures", "list")
    assert result.exit_code == 0, result.output
    header, row, message, field = result.stdout.splitlines()
    assert header.split() == ["ID", "FAILED", "AT", "(UTC)", "TASK", "ARGS", "EXCEPTION", "STATUS"]
    assert row.split() == [
        str(failure_id),
        "2025-06-15",
        "12:00:05",
        "pcsync.sync_hubspot_object",
        '["deal","5000042"]',
        "PermanentError",
        "failed",
    ]
    assert message == "    message: ValidationException: Business validation failed with 1 error(s)"
    assert field == (
        "    field Customer.Account.WebsiteUrl (INVALID_STRING_FORMAT): Value must be a valid URL."
    )


def test_list_json_and_all(settings, database):
    waiting = add_failure(database)
    done = add_failure(database, status="replayed", replay_task_id="new-task-id")
    only_waiting = json.loads(run(settings, "failures", "list", "--json").stdout)
    assert [f["id"] for f in only_waiting] == [waiting]
    assert only_waiting[0]["field_errors"] == [FIELD_ERROR]
    everything = json.loads(run(settings, "failures", "list", "--all", "--json").stdout)
    assert {f["id"]: f["status"] for f in everything} == {waiting: "failed", done: "replayed"}
    assert run(settings, "failures", "list").stdout.count("pcsync.sync_hubspot_object") == 1


def test_list_when_nothing_failed(settings, database):
    result = run(settings, "failures", "list")
    assert result.exit_code == 0
    assert result.stdout.strip() == "no failed tasks waiting for replay"


def test_replay_queues_the_task_and_marks_the_row(settings, database):
    failure_id = add_failure(database, kwargs={"priority": "background"})
    result = run(settings, "failures", "replay", str(failure_id))
    assert result.exit_code == 0, result.output
    (message,) = queued_messages(settings)
    assert message["headers"]["task"] == "pcsync.sync_hubspot_object"
    new_task_id = message["headers"]["id"]
    assert f"replayed {failure_id}: pcsync.sync_hubspot_object queued as {new_task_id}" in (
        result.stdout
    )
    with database.transaction() as session:
        row = session.get(FailedTask, failure_id)
        assert (row.status, row.replay_task_id) == ("replayed", new_task_id)
        assert row.replayed_at is not None
        assert row.task_id == "0b1c2d3e-original"  # the original stays on record
    (audit,) = audit_rows(database)
    assert audit["action"] == "failure.replayed"
    assert audit["task_id"] == new_task_id
    assert audit["actor"] == "cli:failures"
    assert audit["object_id"] == str(failure_id)


def test_replay_of_a_replayed_row_needs_force(settings, database):
    failure_id = add_failure(database)
    assert run(settings, "failures", "replay", str(failure_id)).exit_code == 0
    refused = run(settings, "failures", "replay", str(failure_id))
    assert refused.exit_code == 1
    assert f"already replayed: {failure_id}" in refused.output
    assert len(queued_messages(settings)) == 1
    forced = run(settings, "failures", "replay", "--force", str(failure_id))
    assert forced.exit_code == 0, forced.output
    assert len(queued_messages(settings)) == 2
    assert [a["action"] for a in audit_rows(database)] == ["failure.replayed"] * 2


def test_replay_of_an_unknown_id_queues_nothing(settings, database):
    known = add_failure(database)
    result = run(settings, "failures", "replay", str(known), "999")
    assert result.exit_code == 1
    assert "Error: no failed task with id 999" in result.output
    assert queued_messages(settings) == []
    assert audit_rows(database) == []


def test_replay_all_takes_only_rows_not_replayed(settings, database):
    first, second = add_failure(database), add_failure(database, args=["deal", "5000043"])
    add_failure(database, status="replayed", replay_task_id="earlier")
    result = run(settings, "failures", "replay", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("2 replayed")
    queued = sorted(m["headers"]["argsrepr"] for m in queued_messages(settings))
    assert queued == ["('deal', '5000042')", "('deal', '5000043')"]
    assert {a["object_id"] for a in audit_rows(database)} == {str(first), str(second)}


@pytest.mark.parametrize("args", [[], ["1", "--all"]])
def test_replay_needs_ids_or_all(settings, database, args):
    result = run(settings, "failures", "replay", *args)
    assert result.exit_code == 2
    assert "give failure ids or --all" in result.output


def test_budget_lists_every_group_and_window(settings):
    result = run(settings, "budget", "--json")
    assert result.exit_code == 0, result.output
    budgets = json.loads(result.stdout)
    assert [w["window"] for w in budgets["pc-write"]] == ["1 per 1 second", "10000 per 1 day"]
    assert budgets["pc-write"][1]["remaining"] == 10_000
    assert budgets["pc-write"][1]["reserve"] == 2_000
    text = run(settings, "budget").stdout
    assert "pc-write   10000 per 1 day" in text


def audit_rows(database) -> list[dict]:
    from sqlalchemy import text

    with database.engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text("SELECT * FROM audit_entries"))]
