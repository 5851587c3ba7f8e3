"""The one rule for whether an AWS referral may still be decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workers.engine.invitations import Undecidable, is_past_deadline, why_undecidable

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)


@pytest.mark.parametrize("state", ["pending", "failed"])
def test_an_open_invitation_with_its_deal_before_the_deadline_may_be_decided(state):
    assert why_undecidable(state, True, TOMORROW, NOW) is None


def test_an_invitation_without_a_deadline_never_runs_out():
    assert why_undecidable("pending", True, None, NOW) is None
    assert not is_past_deadline(None, NOW)


@pytest.mark.parametrize("state", ["accepting", "rejecting", "accepted", "rejected", "expired"])
def test_an_invitation_decided_or_being_decided_is_closed(state):
    assert why_undecidable(state, True, TOMORROW, NOW) is Undecidable.CLOSED


def test_the_deadline_itself_is_already_too_late():
    assert is_past_deadline(NOW, NOW)
    assert why_undecidable("pending", True, NOW, NOW) is Undecidable.PAST_DEADLINE
    assert why_undecidable("failed", True, NOW - timedelta(seconds=1), NOW) == "past_deadline"


def test_an_invitation_whose_deal_is_still_being_made_waits_for_the_import():
    # The import comes first: even a closed or late invitation without its
    # deal is reported as not imported yet.
    assert why_undecidable("pending", False, TOMORROW, NOW) is Undecidable.NOT_IMPORTED
    assert why_undecidable("expired", False, NOW, NOW) is Undecidable.NOT_IMPORTED
