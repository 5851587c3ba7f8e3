"""Request quotas per partner account, as published by AWS.

Operations not listed have no published quota and are not limited.
Windows are rolling and measured with the simulator clock, so tests can
advance time instead of sleeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .errors import Throttled

DAY_SECONDS = 24 * 60 * 60
WINDOW_SECONDS = {"second": 1, "24 hours": DAY_SECONDS}

# The "API operation quotas" table of
# https://docs.aws.amazon.com/partner-central/latest/developer-guide/quotas.html,
# row by row as published: quota group, its operations, its quota per partner account.
PUBLISHED_QUOTAS = (
    (
        "read",
        "GetOpportunity GetAwsOpportunitySummary ListOpportunities ListSolutions"
        " GetEngagementInvitation ListEngagementInvitations",
        "10 per second; 100,000 per 24 hours",
    ),
    (
        "write",
        "CreateOpportunity UpdateOpportunity AssociateOpportunity DisassociateOpportunity"
        " RejectEngagementInvitation AssignOpportunity StartEngagementFromOpportunityTask"
        " StartEngagementByAcceptingInvitationTask",
        "1 per second; 10,000 per 24 hours",
    ),
    ("create_engagement", "CreateEngagement", "15 per second"),
)


@dataclass
class QuotaGroup:
    name: str
    operations: frozenset[str]
    per_second: int
    per_day: int | None


def _published_group(name: str, operations: str, quota: str) -> QuotaGroup:
    """A table row as a group: "1 per second; 10,000 per 24 hours" -> 1/s, 10000/day."""
    limits = {}
    for part in quota.split(";"):
        amount, _, window = part.strip().partition(" per ")
        limits[WINDOW_SECONDS[window]] = int(amount.replace(",", ""))
    return QuotaGroup(name, frozenset(operations.split()), limits[1], limits.get(DAY_SECONDS))


def published_groups() -> dict[str, QuotaGroup]:
    """The quota groups as AWS publishes them."""
    groups = (_published_group(*row) for row in PUBLISHED_QUOTAS)
    return {group.name: group for group in groups}


# The operations the read quota counts.
READ_OPERATIONS = published_groups()["read"].operations


def default_groups(**limits: int | None) -> dict[str, QuotaGroup]:
    """The published groups with some limits replaced (``write_per_day=3``); a None
    keeps the published value."""
    groups = published_groups()
    set_limits(groups, **{key: value for key, value in limits.items() if value is not None})
    return groups


def set_limits(groups: dict[str, QuotaGroup], **limits: int) -> None:
    """Keywords like write_per_second=5 or read_per_day=100."""
    for key, value in limits.items():
        group_name, _, window = key.rpartition("_per_")
        if group_name not in groups or window not in ("second", "day"):
            raise ValueError(f"unknown quota {key!r}")
        setattr(groups[group_name], f"per_{window}", value)


class QuotaLimiter:
    """Sliding-window counters, one per quota group."""

    def __init__(self, groups: dict[str, QuotaGroup]):
        self.groups = groups
        self._accepted: dict[str, deque[float]] = {name: deque() for name in groups}

    def group_of(self, operation: str) -> QuotaGroup | None:
        return next((g for g in self.groups.values() if operation in g.operations), None)

    def admit(self, operation: str, now: float) -> None:
        """Count the request or raise Throttled; throttled requests are not counted."""
        group = self.group_of(operation)
        if group is None:
            return
        accepted = self._accepted[group.name]
        while accepted and accepted[0] <= now - DAY_SECONDS:
            accepted.popleft()
        last_second = sum(1 for stamp in reversed(accepted) if stamp > now - 1)
        if last_second >= group.per_second:
            raise Throttled(
                f"Rate exceeded: {group.per_second} {group.name} request(s) per second."
            )
        if group.per_day is not None and len(accepted) >= group.per_day:
            raise Throttled(f"Rate exceeded: {group.per_day} {group.name} request(s) per 24 hours.")
        accepted.append(now)

    def set_limits(self, **limits: int) -> None:
        set_limits(self.groups, **limits)

    def usage(self, now: float) -> dict[str, dict]:
        report = {}
        for name, group in self.groups.items():
            accepted = [s for s in self._accepted[name] if s > now - DAY_SECONDS]
            report[name] = {
                "per_second": group.per_second,
                "per_day": group.per_day,
                "used_last_second": sum(1 for s in accepted if s > now - 1),
                "used_last_day": len(accepted),
            }
        return report

    def reset(self) -> None:
        for accepted in self._accepted.values():
            accepted.clear()
