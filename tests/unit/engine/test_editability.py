from __future__ import annotations

import pytest

from simulators.partner_central.rules import APPROVED_LOCKED as APPROVED_LOCKED_AS_DOCUMENTED
from workers.engine import apply_editability, merge, split_by_review_status
from workers.engine.editability import EDIT_RULES
from workers.engine.fieldmap import FIELD_SPECS
from workers.engine.model import ReviewStatus

ALL_PATHS = {spec.path: f"new {spec.path}" for spec in FIELD_SPECS}

ACTION_REQUIRED_WRITABLE = {
    "Customer.Account.Address.CountryCode",
    "Customer.Account.Address.PostalCode",
    "Customer.Account.Address.City",
    "Customer.Account.Address.StateOrRegion",
    "Customer.Account.Address.StreetAddress",
    "Customer.Account.WebsiteUrl",
    "LifeCycle.TargetCloseDate",
    "Project.ExpectedCustomerSpend",
    "Project.CustomerBusinessProblem",
    "PartnerOpportunityIdentifier",
}

# What AWS documents as locked after approval, from the simulator, which is
# written from AWS's documentation and not from this engine.
APPROVED_DEFERRED = set(APPROVED_LOCKED_AS_DOCUMENTED)


def test_rules_cover_exactly_the_models_review_statuses():
    assert set(EDIT_RULES) - {None} == set(ReviewStatus)


@pytest.mark.parametrize("status", [None, "Pending Submission"])
def test_everything_writable_before_submission(status):
    split = split_by_review_status(ALL_PATHS, status)
    assert split.writable == ALL_PATHS and split.deferred == {}


@pytest.mark.parametrize("status", ["Submitted", "In review", "Rejected"])
def test_everything_deferred_while_submitted_in_review_or_rejected(status):
    split = split_by_review_status(ALL_PATHS, status)
    assert split.writable == {} and split.deferred == ALL_PATHS
    assert split.reason


def test_in_review_with_a_capital_r_is_not_a_known_status_and_writes_nothing():
    split = split_by_review_status(ALL_PATHS, "In Review")
    assert split.writable == {}


def test_action_required_allows_only_the_listed_paths():
    split = split_by_review_status(ALL_PATHS, "Action Required")
    assert set(split.writable) == ACTION_REQUIRED_WRITABLE
    assert set(split.deferred) == set(ALL_PATHS) - ACTION_REQUIRED_WRITABLE


def test_approved_locks_the_listed_paths():
    split = split_by_review_status(ALL_PATHS, "Approved")
    assert set(split.deferred) == APPROVED_DEFERRED
    assert "LifeCycle.Stage" in split.writable and "Customer.Contacts" in split.writable


def test_deferred_fields_keep_their_old_base_and_are_written_later():
    strategies = {"Project.Title": "HUBSPOT_WINS", "LifeCycle.Stage": "HUBSPOT_WINS"}
    base = {"Project.Title": "Old", "LifeCycle.Stage": "Qualified"}
    ours = {"Project.Title": "New", "LifeCycle.Stage": "Committed"}
    theirs = dict(base)

    first = apply_editability(merge(base, ours, theirs, strategies=strategies), "Approved")
    assert first.to_pc == {"LifeCycle.Stage": "Committed"}
    assert first.deferred == {"Project.Title": "New"}
    assert first.new_base == {"Project.Title": "Old", "LifeCycle.Stage": "Committed"}

    # Later, once editable, the same HubSpot value is still a pending change.
    theirs_after = {"Project.Title": "Old", "LifeCycle.Stage": "Committed"}
    later = apply_editability(
        merge(first.new_base, ours, theirs_after, strategies=strategies), "Pending Submission"
    )
    assert later.to_pc == {"Project.Title": "New"} and later.deferred == {}


def test_deferral_does_not_touch_writes_to_hubspot():
    strategies = {"LifeCycle.Stage": "LAST_WRITE_WINS"}
    result = merge(
        {"LifeCycle.Stage": "Qualified"},
        {"LifeCycle.Stage": "Qualified"},
        {"LifeCycle.Stage": "Committed"},
        strategies=strategies,
    )
    assert apply_editability(result, "In review").to_hubspot == {"LifeCycle.Stage": "Committed"}


def test_first_sync_deferral_leaves_no_base():
    result = merge(
        {},
        {"Project.Title": "T"},
        {"Project.Title": None},
        strategies={"Project.Title": "HUBSPOT_WINS"},
    )
    deferred = apply_editability(result, "Submitted")
    assert deferred.deferred == {"Project.Title": "T"}
    assert "Project.Title" not in deferred.new_base
