from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.engine import Direction, Outcome, Strategy, Winner, merge

P = "LifeCycle.NextSteps"
EARLY = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
LATE = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)


def one(base, ours, theirs, strategy=Strategy.LAST_WRITE_WINS, direction=Direction.BOTH, **times):
    def present(value):
        return {} if value is MISSING else {P: value}

    return merge(
        present(base),
        present(ours),
        present(theirs),
        strategies={P: strategy},
        directions={P: direction},
        **times,
    )


MISSING = object()


def test_unchanged_field_writes_nothing_and_keeps_base():
    result = one("a", "a", "a")
    assert not result.has_writes
    assert result.decisions[P].outcome is Outcome.UNCHANGED
    assert result.new_base == {P: "a"}


def test_only_hubspot_changed_goes_to_partner_central():
    result = one("a", "b", "a")
    assert result.to_pc == {P: "b"} and result.to_hubspot == {}
    assert result.new_base == {P: "b"}


def test_only_partner_central_changed_goes_to_hubspot():
    result = one("a", "a", "c")
    assert result.to_hubspot == {P: "c"} and result.to_pc == {}
    assert result.new_base == {P: "c"}


def test_both_changed_alike_agree_without_writes():
    result = one("a", "b", "b")
    assert not result.has_writes and result.conflicts == []
    assert result.decisions[P].outcome is Outcome.AGREED
    assert result.new_base == {P: "b"}


def test_cleared_in_hubspot_is_a_change_to_none():
    result = one("a", None, "a")
    assert result.to_pc == {P: None}
    assert result.new_base == {P: None}


def test_hubspot_wins():
    result = one("a", "b", "c", Strategy.HUBSPOT_WINS)
    assert result.to_pc == {P: "b"} and result.to_hubspot == {}
    (conflict,) = result.conflicts
    assert conflict.winner is Winner.HUBSPOT and not conflict.pending
    assert result.new_base == {P: "b"}


def test_partner_central_wins():
    result = one("a", "b", "c", Strategy.PARTNER_CENTRAL_WINS)
    assert result.to_hubspot == {P: "c"} and result.to_pc == {}
    assert result.conflicts[0].winner is Winner.PARTNER_CENTRAL
    assert result.new_base == {P: "c"}


def test_last_write_wins_hubspot_newer():
    result = one("a", "b", "c", ours_modified_at={P: LATE}, theirs_modified_at=EARLY)
    assert result.to_pc == {P: "b"}


def test_last_write_wins_partner_central_newer():
    result = one("a", "b", "c", ours_modified_at={P: EARLY}, theirs_modified_at=LATE)
    assert result.to_hubspot == {P: "c"}


def test_last_write_wins_tie_or_unknown_hubspot_time_keeps_partner_central():
    assert one("a", "b", "c", ours_modified_at={P: EARLY}, theirs_modified_at=EARLY).to_hubspot == {
        P: "c"
    }
    assert one("a", "b", "c", theirs_modified_at=EARLY).to_hubspot == {P: "c"}


def test_last_write_wins_unknown_pc_time_lets_known_hubspot_time_win():
    assert one("a", "b", "c", ours_modified_at={P: EARLY}).to_pc == {P: "b"}


def test_last_write_wins_accepts_naive_times_as_utc():
    naive_late = datetime(2025, 5, 2, 9, 0)
    result = one("a", "b", "c", ours_modified_at={P: naive_late}, theirs_modified_at=EARLY)
    assert result.to_pc == {P: "b"}


def test_manual_keeps_partner_central_and_records_a_pending_conflict():
    result = one("a", "b", "c", Strategy.MANUAL)
    assert not result.has_writes
    (conflict,) = result.pending_conflicts
    assert (conflict.base, conflict.ours, conflict.theirs) == ("a", "b", "c")
    assert conflict.strategy is Strategy.MANUAL
    assert result.decisions[P].outcome is Outcome.CONFLICT_PENDING
    # The old base stays, so the disagreement shows again until settled.
    assert result.new_base == {P: "a"}


def test_conflict_fingerprint_is_stable_and_value_specific():
    first = one("a", "b", "c", Strategy.MANUAL).conflicts[0]
    again = one("a", "b", "c", Strategy.MANUAL).conflicts[0]
    other = one("a", "b", "d", Strategy.MANUAL).conflicts[0]
    assert first.fingerprint == again.fingerprint != other.fingerprint


# --- no opinion (value could not be mapped) ---


def test_unmappable_hubspot_value_counts_as_unchanged():
    result = one("a", MISSING, "a")
    assert not result.has_writes and result.new_base == {P: "a"}


def test_unmappable_hubspot_value_does_not_block_partner_central_change():
    result = one("a", MISSING, "c")
    assert result.to_hubspot == {P: "c"}


# --- first sync (no base) ---


def test_first_sync_equal_values_agree():
    result = one(MISSING, "x", "x")
    assert not result.has_writes and result.new_base == {P: "x"}


def test_first_sync_fills_partner_central_gap():
    result = one(MISSING, "x", None)
    assert result.to_pc == {P: "x"}


def test_first_sync_fills_hubspot_gap():
    result = one(MISSING, None, "y")
    assert result.to_hubspot == {P: "y"}


def test_first_sync_push_only_empty_hubspot_does_not_wipe_partner_central():
    result = one(MISSING, None, "y", Strategy.HUBSPOT_WINS, Direction.PUSH)
    assert not result.has_writes
    assert P not in result.new_base  # asked again next time


def test_first_sync_different_values_are_a_conflict_by_strategy():
    assert one(MISSING, "x", "y", Strategy.HUBSPOT_WINS).to_pc == {P: "x"}
    manual = one(MISSING, "x", "y", Strategy.MANUAL)
    assert manual.pending_conflicts[0].base is None
    assert P not in manual.new_base


def test_first_sync_with_unmappable_hubspot_value_adopts_partner_central_as_base():
    result = one(MISSING, MISSING, "y")
    assert not result.has_writes and result.new_base == {P: "y"}


# --- directions ---


def test_push_only_field_restores_hubspot_value_over_a_partner_central_edit():
    result = one("a", "a", "c", Strategy.HUBSPOT_WINS, Direction.PUSH)
    assert result.to_pc == {P: "a"} and result.to_hubspot == {}


def test_pull_only_field_restores_partner_central_value_over_a_hubspot_edit():
    result = one("a", "b", "a", Strategy.PARTNER_CENTRAL_WINS, Direction.PULL)
    assert result.to_hubspot == {P: "a"} and result.to_pc == {}


@pytest.mark.parametrize("strategy", list(Strategy))
def test_one_way_conflicts_always_let_the_source_win(strategy):
    assert one("a", "b", "c", strategy, Direction.PUSH).to_pc == {P: "b"}
    assert one("a", "b", "c", strategy, Direction.PULL).to_hubspot == {P: "c"}


def test_merge_covers_every_configured_field(config):
    ours = {"LifeCycle.Stage": "Committed", "Project.Title": "New title"}
    theirs = {"LifeCycle.Stage": "Qualified", "Project.Title": "Old title"}
    base = {"LifeCycle.Stage": "Qualified", "Project.Title": "Old title"}
    result = merge(base, ours, theirs, strategies=config.strategies, directions=config.directions)
    assert result.to_pc == {"LifeCycle.Stage": "Committed", "Project.Title": "New title"}
    assert set(result.decisions) == set(config.strategies)


def test_new_base_from_a_real_mapping_is_json_serialisable(
    deal, company, contacts, today, config, opportunity
):
    import json

    from workers.engine import extract_pc_fields, map_hubspot_to_pc

    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    theirs = extract_pc_fields(opportunity, config)
    result = merge(
        {}, mapped.fields, theirs, strategies=config.strategies, directions=config.directions
    )
    stored = json.loads(json.dumps(result.new_base))
    assert stored == result.new_base
    # Stored and reloaded, the base makes the next identical merge a no-op.
    again = merge(stored, result.new_base, result.new_base, strategies=config.strategies)
    assert not again.has_writes
