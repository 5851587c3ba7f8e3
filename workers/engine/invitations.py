"""Whether an AWS referral (an engagement invitation) may still be decided.

One rule for every place that asks — the management API and the console
before queueing a decision, a decision made on the deal, the worker that
carries it out, and the listing that offers the buttons:

- the invitation has its HubSpot deal (the import has finished);
- it is open: `pending`, or `failed` (an attempt failed; decide again);
- AWS's 15-day deadline has not passed.

Pure code: states and times in, the reason out (tests/unit/engine/test_invitations.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

# States in which an operator may still decide.
OPEN_STATES = frozenset({"pending", "failed"})
TERMINAL_STATES = frozenset({"accepted", "rejected", "expired"})


class Undecidable(StrEnum):
    """Why an invitation may not be decided now."""

    NOT_IMPORTED = "not_imported"  # its deal is still being created
    CLOSED = "closed"  # decided, being decided, or expired
    PAST_DEADLINE = "past_deadline"


def is_past_deadline(expires_at: datetime | None, now: datetime) -> bool:
    """Both aware datetimes; no deadline is never past."""
    return expires_at is not None and expires_at <= now


def why_undecidable(
    state: str, has_deal: bool, expires_at: datetime | None, now: datetime
) -> Undecidable | None:
    """None when the invitation may be accepted or rejected now."""
    if not has_deal:
        return Undecidable.NOT_IMPORTED
    if state not in OPEN_STATES:
        return Undecidable.CLOSED
    if is_past_deadline(expires_at, now):
        return Undecidable.PAST_DEADLINE
    return None
