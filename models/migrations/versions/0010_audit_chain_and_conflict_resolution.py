"""audit hash chain, retention anchor, conflict resolutions

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05 09:50:00

- audit_entries gains prev_hash / row_hash (the SHA-256 chain);
- audit_chain holds the one head row every append locks and updates, the
  anchor verification starts from, and how far the retention purge went;
- the append-only triggers now let the purge delete rows up to that point
  and nothing else;
- conflicts record who settled them and with what value.

Rows written before this revision carry no hashes: the anchor starts the
chain after them, so `pcsync audit verify` reports them as unchained
instead of failing.
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import json_column

revision = "0010"
down_revision = "0015"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

_TRIGGERS = {
    "postgresql": {
        "drop": [
            "DROP TRIGGER IF EXISTS audit_entries_no_update ON audit_entries",
            "DROP FUNCTION IF EXISTS audit_entries_append_only()",
        ],
        "create": [
            """CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE'
                 AND OLD.id <= (SELECT purged_through FROM audit_chain WHERE id = 1) THEN
                RETURN OLD;
              END IF;
              RAISE EXCEPTION 'audit_entries is append-only';
            END; $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
        ],
        "restore": [
            """CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
        ],
    },
    "sqlite": {
        "drop": ["DROP TRIGGER IF EXISTS audit_entries_no_delete"],
        "create": [
            """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            WHEN OLD.id > (SELECT purged_through FROM audit_chain WHERE id = 1)
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        ],
        # Dropping the hash columns may rebuild the table, which drops its
        # triggers: put both of 0001's back.
        "restore": [
            "DROP TRIGGER IF EXISTS audit_entries_no_update",
            "DROP TRIGGER IF EXISTS audit_entries_no_delete",
            """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
            """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        ],
    },
}


def _run(kind: str) -> None:
    for statement in _TRIGGERS.get(op.get_bind().dialect.name, {}).get(kind, []):
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("appended", sa.Integer(), nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.Column("purged_through", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    legacy_last = op.get_bind().scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_entries"))
    op.bulk_insert(
        chain,
        [
            {
                "id": 1,
                "last_hash": GENESIS,
                "appended": 0,
                "anchor_id": legacy_last,
                "anchor_hash": GENESIS,
                "purged_through": 0,
            }
        ],
    )
    _run("drop")
    _run("create")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=128), nullable=True))
        batch_op.add_column(json_column("resolved_value", nullable=True))
        batch_op.create_index("ix_conflicts_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index("ix_conflicts_status")
        batch_op.drop_column("resolved_value")
        batch_op.drop_column("resolved_by")
    _run("drop")
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    _run("restore")
