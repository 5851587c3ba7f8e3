"""conflicts invitations submission

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:29:52.264321
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import JSON, json_column

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("field_path", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        json_column("values", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=32), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
        sa.UniqueConstraint(
            "hubspot_deal_id", "fingerprint", name=op.f("uq_conflicts_hubspot_deal_id_fingerprint")
        ),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflicts_hubspot_deal_id"), ["hubspot_deal_id"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("invitation_id", sa.String(length=255), nullable=False),
        sa.Column("catalog", sa.String(length=16), nullable=False),
        sa.Column("engagement_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=True),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("task_id", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        json_column("payload", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invitation_id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("hubspot_deal_id", name=op.f("uq_invitations_hubspot_deal_id")),
    )
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.add_column(json_column("create_request", nullable=True))
        batch_op.add_column(
            sa.Column("create_attempt", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("submission_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("submission_task_id", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column(
                "hubspot_written",
                JSON,
                nullable=False,
                server_default="{}",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.drop_column("hubspot_written")
        batch_op.drop_column("submission_task_id")
        batch_op.drop_column("submission_status")
        batch_op.drop_column("create_attempt")
        batch_op.drop_column("create_request")

    op.drop_table("invitations")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_hubspot_deal_id"))

    op.drop_table("conflicts")
