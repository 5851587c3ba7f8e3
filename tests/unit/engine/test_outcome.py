"""Deal outcomes are typed, yet stored and audited as the same strings as ever."""

from __future__ import annotations

import json

from workers.engine.outcome import DealOutcome
from workers.sync.deals import DEAL_SYNC_STATUS


def test_outcomes_are_the_strings_the_audit_trail_and_links_hold():
    assert {outcome.value for outcome in DealOutcome} == {
        "created",
        "updated",
        "unchanged",
        "deferred",
        "conflict",
        "needs_input",
        "deal_deleted",
        "awaiting_referral_decision",
        "not_syncing",
    }
    assert DealOutcome("needs_input") is DealOutcome.NEEDS_INPUT
    assert json.dumps({"outcome": DealOutcome.CREATED}) == '{"outcome": "created"}'


def test_every_outcome_of_a_run_that_reached_the_opportunity_shows_a_status_on_the_deal():
    reached = set(DealOutcome) - {
        DealOutcome.DEAL_DELETED,
        DealOutcome.AWAITING_REFERRAL_DECISION,
        DealOutcome.NOT_SYNCING,
    }
    assert set(DEAL_SYNC_STATUS) == reached
