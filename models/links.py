"""Deal <-> opportunity links and the base snapshot the three-way merge needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class OpportunityLink(Base):
    __tablename__ = "opportunity_links"
    __table_args__ = (UniqueConstraint("catalog", "opportunity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hubspot_deal_id: Mapped[str] = mapped_column(String(64), unique=True)
    catalog: Mapped[str] = mapped_column(String(16))
    opportunity_id: Mapped[str | None] = mapped_column(String(32))
    client_token: Mapped[str] = mapped_column(String(64))
    # The exact CreateOpportunity request, stored before it is sent: a retry
    # after a crash resends the identical body, so the deterministic
    # ClientToken returns the same opportunity instead of a duplicate.
    create_request: Mapped[dict | None] = mapped_column(JsonColumn)
    # Bumped when a create was refused for good (validation): the corrected
    # request then goes out under a new token (a reused token with another
    # body is refused as conflicting).
    create_attempt: Mapped[int] = mapped_column(Integer, default=1)
    # The LastModifiedDate Partner Central returned last, verbatim (ISO 8601):
    # UpdateOpportunity must send it back unchanged as its optimistic lock.
    last_modified_date: Mapped[str | None] = mapped_column(String(40))
    review_status: Mapped[str | None] = mapped_column(String(32))
    engagement_id: Mapped[str | None] = mapped_column(String(64))
    sync_status: Mapped[str] = mapped_column(String(32), default="pending")
    last_error: Mapped[str | None] = mapped_column(Text)
    # Mapped field values both sides agreed on at the last successful sync.
    base_snapshot: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    # Changes that review-status rules did not allow yet; applied when editable.
    deferred_fields: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    submission_status: Mapped[str | None] = mapped_column(String(32))
    submission_task_id: Mapped[str | None] = mapped_column(String(255))
    # Owned deal properties as last written, so unchanged values cost no call.
    hubspot_written: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    # Opportunity assignment (workers/sync/assignment.py): the AssigneeContact
    # pcsync last sent, and the deal owner it follows (None once the owner was
    # cleared: Partner Central keeps its assignee, there is no unassign).
    assignee: Mapped[dict | None] = mapped_column(JsonColumn)
    assignee_owner_id: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner and e-mail Partner Central last refused (or an owner HubSpot
    # does not know, e-mail ""), so that pair is not retried on every sync.
    assignment_failed_owner_id: Mapped[str | None] = mapped_column(String(32))
    assignment_failed_email: Mapped[str | None] = mapped_column(String(254))
    assignment_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
