"""Sync directions and conflict strategies, the vocabulary of the config file."""

from __future__ import annotations

import enum


class Direction(enum.StrEnum):
    PUSH = "push"  # HubSpot → Partner Central only; HubSpot is the source of truth
    PULL = "pull"  # Partner Central → HubSpot only
    BOTH = "both"

    @property
    def pushes(self) -> bool:
        return self in (Direction.PUSH, Direction.BOTH)

    @property
    def pulls(self) -> bool:
        return self in (Direction.PULL, Direction.BOTH)


class Strategy(enum.StrEnum):
    HUBSPOT_WINS = "HUBSPOT_WINS"
    PARTNER_CENTRAL_WINS = "PARTNER_CENTRAL_WINS"
    LAST_WRITE_WINS = "LAST_WRITE_WINS"
    MANUAL = "MANUAL"


# One-way fields have an implied strategy: the source side always wins.
IMPLIED_STRATEGY = {
    Direction.PUSH: Strategy.HUBSPOT_WINS,
    Direction.PULL: Strategy.PARTNER_CENTRAL_WINS,
}
