"""What an operator watches: the figures `/metrics` exports and the
notifications are sent for, read from the database and the limiter.

One place computes them, so a dashboard and a notification never disagree
about what "failed" or "expiring" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Conflict, Invitation, OpportunityLink, PendingObject

# An AWS referral left this long before its deadline is worth a warning.
EXPIRY_WARNING = timedelta(hours=48)
# A daily budget with less than this share left is worth a warning.
LOW_BUDGET_SHARE = 0.10


@dataclass(frozen=True)
class DailyBudget:
    group: str
    limit: int
    remaining: int

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    @property
    def low(self) -> bool:
        return self.remaining < self.limit * LOW_BUDGET_SHARE


def deals_by_sync_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OpportunityLink.sync_status, func.count()).group_by(OpportunityLink.sync_status)
    )
    return dict(rows.all())


def objects_waiting(session: Session) -> int:
    """Objects marked dirty whose sync task has not run yet."""
    return session.scalar(
        select(func.count()).select_from(PendingObject).where(PendingObject.scheduled.is_(True))
    )


def failed_deals(session: Session) -> list[OpportunityLink]:
    return list(
        session.scalars(select(OpportunityLink).where(OpportunityLink.sync_status == "failed"))
    )


def pending_conflicts(session: Session) -> list[Conflict]:
    return list(session.scalars(select(Conflict).where(Conflict.status == "pending")))


def expiring_referrals(session: Session, now: datetime) -> list[Invitation]:
    """Pending AWS referrals whose acceptance deadline is within EXPIRY_WARNING."""
    query = select(Invitation).where(
        Invitation.state == "pending",
        Invitation.expires_at.is_not(None),
        Invitation.expires_at <= now + EXPIRY_WARNING,
        Invitation.expires_at > now,
    )
    return list(session.scalars(query))


def daily_budgets(limiter) -> list[DailyBudget]:
    """Each rate-limit group's longest window, the one that resets daily."""
    daily = []
    for group, windows in limiter.budgets().items():
        longest = max(windows, key=lambda w: w["period_seconds"])
        daily.append(DailyBudget(group, longest["limit"], longest["remaining"]))
    return daily
