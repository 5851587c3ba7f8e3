"""inbox_events.payload as JSON instead of JSONB (PostgreSQL)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 19:00:00

The ingest hands each batch to PostgreSQL as JSON text; into a JSONB column
every payload was parsed into JSONB and its keys sorted, a large part of the
database's work per batch. Nothing queries into the payload (pcsync reads it
whole, in Python), so a JSON column, which keeps the text as sent and only
validates it, serves the same. The upgrade rewrites the table: its time grows
with the inbox, which retention keeps bounded. SQLite stores JSON as text
either way.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _payload_type(name: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE inbox_events ALTER COLUMN payload TYPE {name} USING payload::{name}"
        )


def upgrade() -> None:
    _payload_type("json")


def downgrade() -> None:
    _payload_type("jsonb")
