"""the inbox's storage for the ingest: keyed by (source, dedup_key), no
surrogate id; payload as JSON instead of JSONB (PostgreSQL)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 19:00:00

Every webhook batch inserts its events here in one statement, so what each
row costs the database is the ingest's speed. Two costs go:

- The integer id: nothing refers to it, and (source, dedup_key) already
  identifies an event. It becomes the primary key, so each event updates one
  index fewer and draws no sequence value.
- JSONB for the payload: the ingest sends a batch as JSON text, and a JSONB
  column had every payload parsed and its keys sorted. Nothing queries into
  the payload (pcsync reads it whole); a JSON column keeps the text as sent
  and only validates it. SQLite stores JSON as text either way.

Both rewrite the table (time grows with the inbox, which retention bounds).
The downgrade numbers the rows again in their physical order.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KEY = ["source", "dedup_key"]
PRIMARY_KEY = "pk_inbox_events"
UNIQUE_KEY = "uq_inbox_events_source_dedup_key"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        op.execute("ALTER TABLE inbox_events ALTER COLUMN payload TYPE json USING payload::json")
    with op.batch_alter_table("inbox_events", recreate="auto") as batch_op:
        batch_op.drop_constraint(UNIQUE_KEY, type_="unique")
        batch_op.drop_constraint(PRIMARY_KEY, type_="primary")
        batch_op.drop_column("id")
        batch_op.create_primary_key(PRIMARY_KEY, KEY)


def downgrade() -> None:
    if _postgresql():
        op.execute("ALTER TABLE inbox_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
        op.drop_constraint(PRIMARY_KEY, "inbox_events", type_="primary")
        op.execute("ALTER TABLE inbox_events ADD COLUMN id SERIAL")
        op.create_primary_key(PRIMARY_KEY, "inbox_events", ["id"])
        op.create_unique_constraint(UNIQUE_KEY, "inbox_events", KEY)
        return
    with op.batch_alter_table("inbox_events", recreate="always") as batch_op:
        batch_op.drop_constraint(PRIMARY_KEY, type_="primary")
        # SQLite numbers an INTEGER PRIMARY KEY left empty by the table copy.
        batch_op.add_column(sa.Column("id", sa.Integer(), nullable=True), insert_before="source")
        batch_op.create_primary_key(PRIMARY_KEY, ["id"])
        batch_op.create_unique_constraint(UNIQUE_KEY, KEY)
