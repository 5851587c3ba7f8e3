"""Notifications already sent: one row per kind, subject and day, so each
is sent at most once a day however many processes look."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow


class SentNotification(Base):
    __tablename__ = "sent_notifications"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def claim(session: Session, kind: str, subject: str, day: date) -> bool:
    """Reserve today's notification for this subject; False when another
    process (or an earlier cycle) already has. The primary key decides, so
    two processes racing cannot both win."""
    try:
        with session.begin_nested():
            session.add(SentNotification(kind=kind, subject=subject, day=day))
    except IntegrityError:
        return False
    return True


def release(session: Session, kind: str, subject: str, day: date) -> None:
    """Give a claim back after the receiver refused it, so a later cycle retries."""
    session.execute(
        delete(SentNotification).where(
            SentNotification.kind == kind,
            SentNotification.subject == subject,
            SentNotification.day == day,
        )
    )
