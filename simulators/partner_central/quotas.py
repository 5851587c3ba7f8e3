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

WRITE_OPERATIONS = frozenset(
    {
        "CreateOpportunity",
        "UpdateOpportunity",
        "AssociateOpportunity",
        "DisassociateOpportunity",
        "RejectEngagementInvitation",
        "AssignOpportunity",
        "StartEngagementFromOpportunityTask",
        "StartEngagementByAcceptingInvitationTask",
    }
)
READ_OPERATIONS = frozenset(
    {
        "GetOpportunity",
        "GetAwsOpportunitySummary",
        "ListOpportunities",
        "ListSolutions",
        "GetEngagementInvitation",
        "ListEngagementInvitations",
    }
)
CREATE_ENGAGEMENT_PER_SECOND = 15


@dataclass
class QuotaGroup:
    name: str
    operations: frozenset[str]
    per_second: int
    per_day: int | None


def default_groups(
    write_per_second: int, write_per_day: int, read_per_second: int, read_per_day: int
) -> dict[str, QuotaGroup]:
    groups = [
        QuotaGroup("write", WRITE_OPERATIONS, write_per_second, write_per_day),
        QuotaGroup("read", READ_OPERATIONS, read_per_second, read_per_day),
        QuotaGroup(
            "create_engagement", frozenset({"CreateEngagement"}), CREATE_ENGAGEMENT_PER_SECOND, None
        ),
    ]
    return {group.name: group for group in groups}


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
        """Keywords like write_per_second=5 or read_per_day=100."""
        for key, value in limits.items():
            group_name, _, window = key.rpartition("_per_")
            if group_name not in self.groups or window not in ("second", "day"):
                raise ValueError(f"unknown quota {key!r}")
            setattr(self.groups[group_name], f"per_{window}", value)

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
