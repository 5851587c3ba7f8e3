"""Per-link AWS engagement state and the ledger of engagement notes.

`EngagementState` remembers, for each linked opportunity, what the last
engagement refresh observed (status, team, timestamps the next cycle compares
against) and what pcsync last wrote to the deal, so an unchanged engagement
costs no HubSpot write. `dirty_since` marks a link whose engagement must be
read again (set by a cycle's detection or by a Partner Central event, cleared
by the refresh that read it).

`EngagementNote` is an outbox: a HubSpot note is first recorded here as
`intended` in the same transaction as the state change it reports, keyed by
the deal and a hash of the transition, so a repeated run finds it instead of
adding a second one. Sending it moves it to `created` (or `failed`);
`attempted_at` is written before the HubSpot call, so after a crash between
the call and the commit the next delivery first looks for the note on the
deal rather than creating it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class EngagementState(Base):
    __tablename__ = "engagement_states"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity_links.id", ondelete="CASCADE"), primary_key=True
    )
    engagement_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # None: never observed; "" not engaged; else a value of engagement_status.STATUSES.
    status: Mapped[str | None] = mapped_column(String(16))
    invitation_status: Mapped[str | None] = mapped_column(String(16))
    team_hash: Mapped[str | None] = mapped_column(String(64))
    member_count: Mapped[int | None] = mapped_column(Integer)
    # Verbatim ISO 8601 from Partner Central, compared by the next cycle.
    engagement_modified_at: Mapped[str | None] = mapped_column(String(40))
    opportunity_modified_at: Mapped[str | None] = mapped_column(String(40))
    # The engagement deal properties as last written, so unchanged values cost nothing.
    written: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    # How many changes were noted so far: part of each note's ledger key.
    change_count: Mapped[int] = mapped_column(Integer, default=0)
    dirty_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


NOTE_TRANSITIONS: dict[str, frozenset[str]] = {
    "intended": frozenset({"created", "failed"}),
    "failed": frozenset({"created"}),
    "created": frozenset(),
}


class EngagementNote(Base):
    __tablename__ = "engagement_notes"
    __table_args__ = (UniqueConstraint("hubspot_deal_id", "transition_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hubspot_deal_id: Mapped[str] = mapped_column(String(64))
    opportunity_id: Mapped[str | None] = mapped_column(String(32))
    transition_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="intended", index=True)
    note_id: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
