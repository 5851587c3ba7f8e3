"""Small value types shared by the engine modules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Normalised:
    """What a normaliser made of one raw value.

    - ``value`` set, ``reason`` None: accepted as is (or trivially cleaned).
    - ``value`` set, ``reason`` set: accepted after an adjustment worth auditing
      (cut to a length limit, rounded, unknown industry sent as ``Other``).
    - ``value`` None, ``reason`` None: the source is empty.
    - ``value`` None, ``reason`` set: rejected; the field is left out so the
      other side keeps its value.
    """

    value: Any = None
    reason: str | None = None

    @property
    def rejected(self) -> bool:
        return self.value is None and self.reason is not None

    @property
    def empty(self) -> bool:
        return self.value is None and self.reason is None


EMPTY = Normalised()


def accepted(value: Any) -> Normalised:
    return Normalised(value)


def adjusted(value: Any, reason: str) -> Normalised:
    return Normalised(value, reason)


def rejected(reason: str) -> Normalised:
    return Normalised(None, reason)


@dataclass(frozen=True)
class Note:
    """One entry for the audit trail: what happened to a field and why."""

    path: str
    kind: str  # "omitted" (not sent, other side kept) or "adjusted" (sent, changed)
    reason: str
    source: str | None = None  # e.g. "company.industry" or "contact 51.phone"

    def as_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "kind": self.kind, "reason": self.reason, "source": self.source}


class DealOutcome(StrEnum):
    """What one sync of a deal did. The values are what the audit trail and
    `opportunity_links.sync_status` store, so they never change."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DEFERRED = "deferred"
    CONFLICT = "conflict"
    NEEDS_INPUT = "needs_input"
    DEAL_DELETED = "deal_deleted"
    AWAITING_REFERRAL_DECISION = "awaiting_referral_decision"
    NOT_SYNCING = "not_syncing"
