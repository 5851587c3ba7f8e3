"""Audit storage as the service's own database role sees it.

On PostgreSQL the service connects as a role that owns nothing: it can
append audit rows and read them, and nothing else on audit_entries. On
SQLite, INSERT OR REPLACE (a silent delete) is refused like DELETE.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from models.db import make_engine
from models.migrate import upgrade
from tests.conftest import POSTGRES_ADMIN_URL, service_missing

INSERT_AUDIT = (
    "INSERT INTO audit_entries (at, action, outcome, source, actor)"
    " VALUES (CURRENT_TIMESTAMP, 'deal.sync', 'updated', 'hubspot', 'test')"
)


@pytest.fixture
def app_role_database(monkeypatch):
    """A fresh database migrated by its owner, and a URL for a new app role."""
    suffix = uuid.uuid4().hex[:10]
    name, role = f"pcsync_roles_{suffix}", f"pcsync_app_{suffix}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            connection.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    except sa.exc.OperationalError as exc:
        service_missing("PostgreSQL", exc)
    owner_url = admin.url.set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("PCSYNC_DB_APP_ROLE", role)
    upgrade(owner_url)
    app_url = admin.url.set(database=name, username=role).render_as_string(hide_password=False)
    yield app_url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.mark.integration
def test_app_role_appends_but_cannot_erase_or_bypass_the_audit_trail(app_role_database):
    engine = sa.create_engine(app_role_database)
    with engine.begin() as connection:
        connection.execute(sa.text(INSERT_AUDIT))
        connection.execute(
            sa.text(
                "INSERT INTO pending_objects (object_type, object_id, scheduled, generation,"
                " first_dirty_at, last_event_at) VALUES ('deal', '1', true, 1, now(), now())"
            )
        )
        connection.execute(sa.text("DELETE FROM pending_objects"))  # ordinary tables: fine
    refused = {
        "TRUNCATE audit_entries": "permission denied",
        "ALTER TABLE audit_entries DISABLE TRIGGER ALL": "must be owner",
        "SET session_replication_role = replica": "permission denied",
        "UPDATE audit_entries SET outcome = 'forged'": "permission denied",
        # DELETE is granted for the retention purge; the trigger refuses any
        # row past the purge anchor.
        "DELETE FROM audit_entries": "append-only",
        "DROP TABLE audit_entries": "must be owner",
        "ALTER TABLE audit_entries OWNER TO CURRENT_USER": "must be owner",
        "UPDATE alembic_version SET version_num = '0001'": "permission denied",
    }
    for statement, reason in refused.items():
        with pytest.raises(sa.exc.DatabaseError, match=reason), engine.begin() as connection:
            connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT outcome FROM audit_entries")).scalars().all() == [
            "updated"
        ]
    engine.dispose()


def test_sqlite_refuses_insert_or_replace_into_the_audit_trail(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    upgrade(url)
    with_id = INSERT_AUDIT.replace("(at,", "(id, at,").replace("VALUES (", "VALUES (1, ")
    ours, bare = make_engine(url), sa.create_engine(url)
    with ours.begin() as connection:
        connection.execute(sa.text(with_id))
    # pcsync's own engine (recursive_triggers on) and a bare client alike.
    for engine in (ours, bare):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(with_id.replace("INSERT", "INSERT OR REPLACE")))
        with engine.connect() as connection:
            outcomes = connection.execute(sa.text("SELECT outcome FROM audit_entries")).scalars()
            assert outcomes.all() == ["updated"]
        engine.dispose()
