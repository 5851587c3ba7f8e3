"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 04:19:38.516530
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import json_column

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# The audit trail is append-only for every client, not just our ORM.
_AUDIT_GUARDS = {
    "postgresql": [
        """CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
}


def upgrade() -> None:

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        json_column("diff", nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_object_id"), ["object_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entries_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_entries_task_id"), ["task_id"], unique=False)

    op.create_table(
        "failed_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        json_column("args", nullable=False),
        json_column("kwargs", nullable=False),
        sa.Column("exception_type", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        json_column("field_errors", nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_task_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_tasks")),
    )
    with op.batch_alter_table("failed_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_tasks_failed_at"), ["failed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_failed_tasks_task_id"), ["task_id"], unique=False)

    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("property_name", sa.String(length=255), nullable=True),
        sa.Column("change_source", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ignore_reason", sa.Text(), nullable=True),
        json_column("payload", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("source", "dedup_key", name=op.f("uq_inbox_events_source_dedup_key")),
    )
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_events_object_id"), ["object_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inbox_events_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "opportunity_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("catalog", sa.String(length=16), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("client_token", sa.String(length=64), nullable=False),
        sa.Column("last_modified_date", sa.String(length=40), nullable=True),
        sa.Column("review_status", sa.String(length=32), nullable=True),
        sa.Column("engagement_id", sa.String(length=64), nullable=True),
        sa.Column("sync_status", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        json_column("base_snapshot", nullable=False),
        json_column("deferred_fields", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_links")),
        sa.UniqueConstraint(
            "catalog", "opportunity_id", name=op.f("uq_opportunity_links_catalog_opportunity_id")
        ),
        sa.UniqueConstraint("hubspot_deal_id", name=op.f("uq_opportunity_links_hubspot_deal_id")),
    )
    op.create_table(
        "pending_objects",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("first_dirty_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("object_type", "object_id", name=op.f("pk_pending_objects")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )

    for statement in _AUDIT_GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")

    op.drop_table("sync_state")
    op.drop_table("pending_objects")
    op.drop_table("opportunity_links")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_events_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbox_events_object_id"))

    op.drop_table("inbox_events")
    with op.batch_alter_table("failed_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_tasks_task_id"))
        batch_op.drop_index(batch_op.f("ix_failed_tasks_failed_at"))

    op.drop_table("failed_tasks")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_task_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_object_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
