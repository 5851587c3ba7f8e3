"""the ingest's write path: pending_objects.claimed_at, a BRIN index on
inbox_events.received_at (PostgreSQL)

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-05 16:00:00

claimed_at tells a pending row whose task is running from one whose task
is still queued: an event for the latter writes nothing (models/inbox.py).
Rows scheduled when this runs count as claimed, as every scheduled row did
before: their events keep bumping the generation.

Only retention reads inbox_events by received_at (a range, oldest first),
and rows are appended in received_at order: a BRIN index answers that range
as the B-tree did and costs the ingest almost nothing per event, where the
B-tree was one more random index insert for each. SQLite has no BRIN and
keeps its B-tree.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

RECEIVED_AT = "ix_inbox_events_received_at"


def upgrade() -> None:
    with op.batch_alter_table("pending_objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE pending_objects SET claimed_at = enqueued_at WHERE scheduled")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(RECEIVED_AT, table_name="inbox_events")
        op.create_index(RECEIVED_AT, "inbox_events", ["received_at"], postgresql_using="brin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(RECEIVED_AT, table_name="inbox_events")
        op.create_index(RECEIVED_AT, "inbox_events", ["received_at"])
    with op.batch_alter_table("pending_objects", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
