"""app role and audit guards: the service's database role owns nothing and
cannot TRUNCATE audit_entries; SQLite refuses INSERT OR REPLACE into it; an
index for the pending sweeper

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-05 09:50:00.000000

PostgreSQL: the owner of a table may TRUNCATE it, disable its triggers and
(as superuser) set session_replication_role=replica, which skips them. So
the service connects as a separate role (PCSYNC_DB_APP_ROLE, default
pcsync_app) that this migration, run as the owner, grants only what the
service needs: no TRUNCATE anywhere, only SELECT, INSERT and DELETE on
audit_entries (DELETE for the retention purge; the trigger of revision 0010
refuses deleting any row past the purge anchor), only SELECT on
alembic_version. Tables later migrations
create get the same rights through default privileges. The role is created
without LOGIN if it does not exist; the deployment gives it a password
(docker-compose.yml does so through deploy/postgres-init).

SQLite: INSERT OR REPLACE deletes the existing row without firing delete
triggers (unless recursive_triggers is on, which pcsync turns on for its own
connections); this trigger refuses it for every client.
"""

import os
import re

from alembic import op

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_entries"
READ_ONLY = "alembic_version"


def app_role() -> str:
    role = os.environ.get("PCSYNC_DB_APP_ROLE", "pcsync_app")
    # An identifier spliced into DDL: refuse anything but a plain name.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"PCSYNC_DB_APP_ROLE must be a plain lower-case identifier, got {role!r}")
    return role


def _postgresql_upgrade(role: str) -> None:
    op.execute(
        f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN;
        END IF; END $$"""
    )
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE ON {APPEND_ONLY} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {READ_ONLY} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ):
        op.execute(statement)


def _postgresql_downgrade(role: str) -> None:
    for statement in (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"REVOKE USAGE ON SCHEMA public FROM {role}",
    ):
        op.execute(statement)


_SQLITE_NO_REPLACE = f"""CREATE TRIGGER audit_entries_no_replace BEFORE INSERT ON {APPEND_ONLY}
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {APPEND_ONLY} WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"""


def upgrade() -> None:
    # Before the grants: nothing here is owned by the app role either way.
    op.create_index("ix_pending_objects_overdue", "pending_objects", ["scheduled", "enqueued_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_upgrade(app_role())
    elif dialect == "sqlite":
        op.execute(_SQLITE_NO_REPLACE)


def downgrade() -> None:
    op.drop_index("ix_pending_objects_overdue", table_name="pending_objects")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_downgrade(app_role())
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_replace")
