"""engagement state per link (last status, team hash, watermarks, what was written)
and the engagement notes ledger (one row per deal and transition hash)

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-28 05:03:04.417718
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import json_column

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("transition_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note_id", sa.String(length=64), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_notes")),
        sa.UniqueConstraint(
            "hubspot_deal_id",
            "transition_hash",
            name=op.f("uq_engagement_notes_hubspot_deal_id_transition_hash"),
        ),
    )
    with op.batch_alter_table("engagement_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_engagement_notes_state"), ["state"], unique=False)

    op.create_table(
        "engagement_states",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("invitation_status", sa.String(length=16), nullable=True),
        sa.Column("team_hash", sa.String(length=64), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.Column("engagement_modified_at", sa.String(length=40), nullable=True),
        sa.Column("opportunity_modified_at", sa.String(length=40), nullable=True),
        json_column("written", nullable=False),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.Column("dirty_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["opportunity_links.id"],
            name=op.f("fk_engagement_states_link_id_opportunity_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_engagement_states")),
    )
    with op.batch_alter_table("engagement_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_states_dirty_since"), ["dirty_since"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagement_states_engagement_id"), ["engagement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_states_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_states_dirty_since"))

    op.drop_table("engagement_states")
    with op.batch_alter_table("engagement_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_notes_state"))

    op.drop_table("engagement_notes")
