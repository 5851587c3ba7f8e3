"""The HubSpot contacts and company each linked opportunity was last built from.

Two questions need them: which linked deals does a contact or company
feed, even after HubSpot deleted or merged it (its associations are gone
then); and, per listed contact, which member values both sides agreed on
(the base of the per-contact merge, see ``workers.engine.contacts``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow

CONTACT, COMPANY = "contact", "company"
LIVE, DELETED = "live", "deleted"


class CustomerRecord(Base):
    __tablename__ = "customer_records"
    __table_args__ = (Index("ix_customer_records_object", "object_type", "object_id"),)

    hubspot_deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # contact | company
    object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Position in Customer.Contacts (0 for the company).
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Contact members both sides agreed on: {"Email": ..., "Phone": None, ...}.
    base: Mapped[dict | None] = mapped_column(JsonColumn)
    # "deleted": gone from HubSpot, its last known values stay on the opportunity.
    state: Mapped[str] = mapped_column(String(16), default=LIVE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def records_of_deal(session: Session, deal_id: str) -> list[CustomerRecord]:
    """The deal's company and contacts as last synced, contacts in list order."""
    return list(
        session.scalars(
            select(CustomerRecord)
            .where(CustomerRecord.hubspot_deal_id == deal_id)
            .order_by(CustomerRecord.object_type, CustomerRecord.position)
        )
    )


def deals_using(session: Session, object_type: str, object_id: str) -> list[str]:
    """Deals whose opportunity was last built from this contact or company."""
    return sorted(
        session.scalars(
            select(CustomerRecord.hubspot_deal_id).where(
                CustomerRecord.object_type == object_type,
                CustomerRecord.object_id == str(object_id),
            )
        )
    )


def replace_records(
    session: Session,
    deal_id: str,
    *,
    company: tuple[str, str] | None,
    contacts: list[tuple[str, dict, str]],
) -> None:
    """Remember what the opportunity is built from now: ``(company id,
    state)`` and, in list order, ``(contact id, agreed members, state)``."""
    session.execute(delete(CustomerRecord).where(CustomerRecord.hubspot_deal_id == deal_id))
    if company:
        company_id, state = company
        session.add(
            CustomerRecord(
                hubspot_deal_id=deal_id, object_type=COMPANY, object_id=company_id, state=state
            )
        )
    for position, (contact_id, base, state) in enumerate(contacts):
        session.add(
            CustomerRecord(
                hubspot_deal_id=deal_id,
                object_type=CONTACT,
                object_id=contact_id,
                position=position,
                base=base,
                state=state,
            )
        )
