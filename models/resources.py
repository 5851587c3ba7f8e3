"""Resources of an opportunity: related entities, snapshots, the partner library.

- `RelatedEntityBase`: the solutions, AWS products and Marketplace offer both
  HubSpot and Partner Central agreed on at the last reconciliation (the base
  of a three-way merge of sets), and whether the deal needs input.
- `ResourceSnapshot`: a resource snapshot pcsync was asked to create, with
  what Partner Central captured once it did.
- `LibraryResource` and `ResourceAttachment`: the partner's own documents
  (a URL or a stored file) and the opportunities they are attached to. They
  live only in pcsync: the Partner Central API takes no documents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class RelatedEntityBase(Base):
    __tablename__ = "related_entity_bases"

    hubspot_deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(String(32))
    # {"solution": [...], "aws_product": [...], "marketplace_offer": [...]}
    base: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    # What the deal asked for when last reconciled: the same request again
    # (an echo, or a refused one not yet fixed) needs no new look.
    asked: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    # "synced", or "needs_input" with `problem` naming what to fix.
    status: Mapped[str] = mapped_column(String(16), default="synced")
    problem: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ResourceSnapshot(Base):
    __tablename__ = "resource_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hubspot_deal_id: Mapped[str] = mapped_column(String(64), index=True)
    opportunity_id: Mapped[str] = mapped_column(String(32), index=True)
    engagement_id: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(80))
    # requested -> created | failed
    status: Mapped[str] = mapped_column(String(16), default="requested")
    revision: Mapped[int | None] = mapped_column(Integer)
    arn: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JsonColumn)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LibraryResource(Base):
    __tablename__ = "library_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    # Exactly one of the two: an external link, or a key in the file store.
    url: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(127))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResourceAttachment(Base):
    __tablename__ = "resource_attachments"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("library_resources.id", ondelete="CASCADE"), primary_key=True
    )
    hubspot_deal_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    opportunity_id: Mapped[str] = mapped_column(String(32))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
