"""customer records: the contacts and company each opportunity was last built from

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28 05:03:55.347967
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import json_column

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_records",
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        json_column("base", nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "hubspot_deal_id", "object_type", "object_id", name=op.f("pk_customer_records")
        ),
    )
    with op.batch_alter_table("customer_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_records_object", ["object_type", "object_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_records", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_records_object")
    op.drop_table("customer_records")
