"""resources: related-entity bases, resource snapshots, the partner resource library

Revision ID: 0015
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from models.migrations.columns import JSON

revision = "0015"
down_revision = "0008"
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "related_entity_bases",
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("base", JSON, nullable=False),
        sa.Column("asked", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("hubspot_deal_id", name=op.f("pk_related_entity_bases")),
    )
    op.create_table(
        "resource_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("engagement_id", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("arn", sa.Text(), nullable=True),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        _timestamp("requested_at"),
        _timestamp("created_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_snapshots")),
    )
    with op.batch_alter_table("resource_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_snapshots_hubspot_deal_id"), ["hubspot_deal_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_resource_snapshots_opportunity_id"), ["opportunity_id"]
        )
    op.create_table(
        "library_resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=127), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_resources")),
    )
    op.create_table(
        "resource_attachments",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("hubspot_deal_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        _timestamp("attached_at"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["library_resources.id"],
            name=op.f("fk_resource_attachments_resource_id_library_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "resource_id", "hubspot_deal_id", name=op.f("pk_resource_attachments")
        ),
    )
    with op.batch_alter_table("resource_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_attachments_hubspot_deal_id"), ["hubspot_deal_id"]
        )


def downgrade() -> None:
    op.drop_table("resource_attachments")
    op.drop_table("library_resources")
    op.drop_table("resource_snapshots")
    op.drop_table("related_entity_bases")
