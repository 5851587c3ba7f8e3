from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from models.migrate import alembic_config, current_revision, upgrade


def test_fresh_database_reaches_head_and_upgrade_is_idempotent(database_url):
    upgrade(database_url)  # second run: nothing to do, no error
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None
    assert current_revision(database_url) == head
    engine = sa.create_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "inbox_events",
        "pending_objects",
        "opportunity_links",
        "audit_entries",
        "failed_tasks",
        "sync_state",
        "conflicts",
        "invitations",
    } <= tables


def run_sql(engine, sql: str, **params) -> None:
    """One statement in a transaction of its own, as any client could send it."""
    with engine.begin() as connection:
        connection.execute(sa.text(sql), params)


def insert_audit_row(engine, action: str, actor: str) -> None:
    """An "updated" audit row written with plain SQL."""
    run_sql(
        engine,
        "INSERT INTO audit_entries (at, action, outcome, source, actor)"
        " VALUES (CURRENT_TIMESTAMP, :action, 'updated', 'hubspot', :actor)",
        action=action,
        actor=actor,
    )


def test_audit_trail_refuses_update_and_delete_from_any_client(database_url):
    engine = sa.create_engine(database_url)
    insert_audit_row(engine, "deal.sync", "test")
    for statement in ("UPDATE audit_entries SET outcome = 'forged'", "DELETE FROM audit_entries"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT outcome FROM audit_entries")).scalars().all() == [
            "updated"
        ]
    engine.dispose()


def test_rows_written_before_the_hash_chain_stay_readable_and_are_reported(database_url):

    from models.audit import record_audit
    from models.audit_chain import verify_chain
    from models.db import Database

    command.downgrade(alembic_config(database_url), "0008")
    engine = sa.create_engine(database_url)
    insert_audit_row(engine, "opportunity.sync", "legacy")
    with engine.begin() as connection, pytest.raises(sa.exc.DatabaseError):
        connection.execute(sa.text("DELETE FROM audit_entries"))  # 0001's guard is back
    engine.dispose()
    upgrade(database_url)
    database = Database(database_url)
    with database.transaction() as session:
        record_audit(session, action="opportunity.sync", outcome="updated", source="s", actor="new")
    with database.transaction() as session:
        result = verify_chain(session)
    database.dispose()
    assert (result.ok, result.checked, result.unchained) == (True, 1, 1)


def index_method(engine, name: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam"
                " WHERE c.relname = :name"
            ),
            {"name": name},
        ).scalar_one()


def pending_columns(engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("pending_objects")}


def test_migration_0016_downgrades_and_upgrades_again(database_url):
    """pending_objects.claimed_at, and on PostgreSQL a BRIN index on
    inbox_events.received_at that goes back to a B-tree."""
    postgresql = database_url.startswith("postgresql")
    engine = sa.create_engine(database_url)
    try:
        assert "claimed_at" in pending_columns(engine)
        if postgresql:
            assert index_method(engine, "ix_inbox_events_received_at") == "brin"
        command.downgrade(alembic_config(database_url), "0013")
        engine.dispose()
        assert "claimed_at" not in pending_columns(engine)
        if postgresql:
            assert index_method(engine, "ix_inbox_events_received_at") == "btree"
        run_sql(  # rows as the previous schema left them
            engine,
            "INSERT INTO pending_objects (object_type, object_id, scheduled, generation,"
            " first_dirty_at, last_event_at, enqueued_at) VALUES"
            " ('deal', 'queued-or-running', :yes, 3, :at, :at, :at),"
            " ('deal', 'idle', :no, 1, :at, :at, :at)",
            yes=True,
            no=False,
            at=datetime(2026, 12, 1, tzinfo=UTC),
        )
        upgrade(database_url)
        engine.dispose()
        assert "claimed_at" in pending_columns(engine)
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT object_id, claimed_at FROM pending_objects"))
            claimed = {object_id: at for object_id, at in rows}
        # A row scheduled before the upgrade counts as claimed: its events
        # keep bumping the generation, as every scheduled row's did.
        assert claimed["queued-or-running"] is not None and claimed["idle"] is None
        if postgresql:
            assert index_method(engine, "ix_inbox_events_received_at") == "brin"
    finally:
        engine.dispose()


def payload_type(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'inbox_events' AND column_name = 'payload'"
            )
        ).scalar_one()


def inbox_key(engine) -> list[str]:
    return sa.inspect(engine).get_pk_constraint("inbox_events")["constrained_columns"]


def insert_inbox_row(engine, key: str, payload: dict) -> None:
    """An inbox row written with plain SQL, the payload as JSON text (both schemas)."""
    run_sql(
        engine,
        "INSERT INTO inbox_events (source, dedup_key, event_type, outcome, payload,"
        " received_at) VALUES ('hubspot', :key, 'deal.creation', 'queued', :p, :at)",
        key=key,
        p=json.dumps(payload),
        at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_migration_0017_downgrades_and_upgrades_again_keeping_the_events(database_url):
    """inbox_events is keyed by (source, dedup_key) without an id, and on
    PostgreSQL its payload becomes JSON (was JSONB); back and forth, the
    stored events read the same and a duplicate key is still refused."""
    postgresql = database_url.startswith("postgresql")
    engine = sa.create_engine(database_url)
    event = {"eventId": 7, "propertyValue": 'Ünïcode "quoted"', "nested": {"b": [1, None]}}
    try:
        assert inbox_key(engine) == ["source", "dedup_key"]
        command.downgrade(alembic_config(database_url), "0016")
        engine.dispose()
        assert inbox_key(engine) == ["id"]
        if postgresql:
            assert payload_type(engine) == "jsonb"
        insert_inbox_row(engine, "k1", event)
        insert_inbox_row(engine, "k2", {"eventId": 8})
        upgrade(database_url)
        engine.dispose()
        assert inbox_key(engine) == ["source", "dedup_key"]
        if postgresql:
            assert payload_type(engine) == "json"
        with pytest.raises(sa.exc.IntegrityError):
            insert_inbox_row(engine, "k1", event)
        command.downgrade(alembic_config(database_url), "0016")
        engine.dispose()
        with engine.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT id, dedup_key, payload FROM inbox_events ORDER BY id")
            ).all()
        assert [(key, json.loads(p) if isinstance(p, str) else p) for _, key, p in stored] == [
            ("k1", event),
            ("k2", {"eventId": 8}),
        ]
        assert all(row_id is not None for row_id, _, _ in stored)
        with pytest.raises(sa.exc.IntegrityError):
            insert_inbox_row(engine, "k2", {})
        upgrade(database_url)
    finally:
        engine.dispose()
