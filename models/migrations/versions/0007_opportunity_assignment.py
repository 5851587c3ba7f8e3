"""opportunity assignment: the assignee pcsync last set on the link, and the
owner/e-mail Partner Central refused (so it is not retried on every sync)

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-28 05:01:14.632353
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import json_column

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.add_column(json_column("assignee", nullable=True))
        batch_op.add_column(sa.Column("assignee_owner_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("assignment_failed_owner_id", sa.String(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("assignment_failed_email", sa.String(length=254), nullable=True)
        )
        batch_op.add_column(sa.Column("assignment_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.drop_column("assignment_error")
        batch_op.drop_column("assignment_failed_email")
        batch_op.drop_column("assignment_failed_owner_id")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assignee_owner_id")
        batch_op.drop_column("assignee")
