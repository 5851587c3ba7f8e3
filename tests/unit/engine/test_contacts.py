"""Per-contact, per-member merge of Customer.Contacts (workers.engine.contacts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.engine import (
    EngineConfigError,
    KnownContact,
    Mapped,
    engine_config_from_dict,
    merge_contacts,
    with_merged_contacts,
)
from workers.engine.contacts import match_entries

ANNA = {
    "Email": "anna@acme.example.com",
    "FirstName": "Anna",
    "LastName": "Schmidt",
    "Phone": "+4930901820",
    "BusinessTitle": "CTO",
}
BOB = {
    "Email": "bob.builder@acme.example.com",
    "FirstName": "Bob",
    "LastName": "Builder",
    "Phone": "+4930901820",
    "BusinessTitle": "Data Engineer",
}
EARLIER = datetime(2025, 6, 1, 10, tzinfo=UTC)
LATER = datetime(2025, 6, 1, 12, tzinfo=UTC)


def known_pair() -> list[KnownContact]:
    return [KnownContact("77", dict(ANNA)), KnownContact("902", dict(BOB))]


def run(deal, company, contacts, known, theirs, today, config, **kwargs):
    return merge_contacts(
        deal, company, contacts, known, theirs, today=today, config=config, **kwargs
    )


def test_first_sync_lists_primary_first_and_remembers_ids(deal, company, contacts, today, config):
    result = run(deal, company, contacts, [], None, today, config)
    assert result.entries == [ANNA, BOB]
    assert [k.id for k in result.known] == ["77", "902"]
    assert result.known[0].base == ANNA
    assert result.to_hubspot == {}


def test_hubspot_change_replaces_the_member_and_nothing_flows_back(
    deal, company, contacts, today, config
):
    contacts[0]["properties"]["email"] = "bob@acme.example.com"
    result = run(deal, company, contacts, known_pair(), [ANNA, BOB], today, config)
    assert result.entries[1]["Email"] == "bob@acme.example.com"
    assert result.to_hubspot == {}
    assert result.known[1].base["Email"] == "bob@acme.example.com"


def test_partner_central_edit_flows_to_the_hubspot_contact(deal, company, contacts, today, config):
    edited = {**BOB, "Phone": "+4930111222", "BusinessTitle": "Head of Data"}
    result = run(deal, company, contacts, known_pair(), [ANNA, edited], today, config)
    assert result.to_hubspot == {"902": {"phone": "+4930111222", "jobtitle": "Head of Data"}}
    assert result.entries == [ANNA, edited]


def test_email_edited_in_partner_central_still_matches_by_position(
    deal, company, contacts, today, config
):
    edited = {**BOB, "Email": "b.builder@acme.example.com"}
    result = run(deal, company, contacts, known_pair(), [ANNA, edited], today, config)
    assert result.to_hubspot == {"902": {"email": "b.builder@acme.example.com"}}


def test_conflict_follows_the_member_strategy(deal, company, contacts, today):
    config = engine_config_from_dict(
        {
            "contact_fields": {
                "Phone": {"strategy": "MANUAL"},
                "BusinessTitle": {"direction": "push"},
            }
        }
    )
    contacts[0]["properties"].update(phone="+49 30 5555", jobtitle="Lead Engineer")
    theirs = {**BOB, "Phone": "+4930666", "BusinessTitle": "Architect"}
    result = run(deal, company, contacts, known_pair(), [ANNA, theirs], today, config)
    (pending,) = result.pending_conflicts
    assert pending.path == "Customer.Contacts[902].Phone"
    # MANUAL keeps Partner Central's value and the old base; push-only wins for HubSpot.
    assert result.entries[1]["Phone"] == "+4930666"
    assert result.known[1].base["Phone"] == BOB["Phone"]
    assert result.entries[1]["BusinessTitle"] == "Lead Engineer"
    assert result.to_hubspot == {}


def test_last_write_wins_uses_the_contact_property_time(deal, company, contacts, today, config):
    contacts[0]["properties"]["jobtitle"] = "Lead Engineer"
    theirs = {**BOB, "BusinessTitle": "Architect"}
    newer_hubspot = run(
        deal, company, contacts, known_pair(), [ANNA, theirs], today, config,
        ours_modified_at={"jobtitle": LATER}, theirs_modified_at=EARLIER,
    )  # fmt: skip
    older_hubspot = run(
        deal, company, contacts, known_pair(), [ANNA, theirs], today, config,
        ours_modified_at={"jobtitle": EARLIER}, theirs_modified_at=LATER,
    )  # fmt: skip
    assert newer_hubspot.entries[1]["BusinessTitle"] == "Lead Engineer"
    assert older_hubspot.to_hubspot == {"902": {"jobtitle": "Architect"}}


def test_removed_contact_leaves_and_stray_partner_central_entry_is_noted(
    deal, company, contacts, today, config
):
    stray = {"Email": "someone@else.example.com"}
    result = run(deal, company, contacts[1:], known_pair(), [ANNA, BOB, stray], today, config)
    assert result.entries == [ANNA]
    assert any("matches no contact" in n.reason for n in result.notes)


def test_deleted_contact_keeps_its_last_known_entry(deal, company, contacts, today, config):
    known = [KnownContact("77", dict(ANNA)), KnownContact("902", dict(BOB), deleted=True)]
    result = run(deal, company, contacts[1:], known, [ANNA, BOB], today, config)
    assert result.entries == [ANNA, BOB]
    assert result.known[1].deleted and result.known[1].id == "902"
    assert any("deleted in HubSpot" in n.reason for n in result.notes)


def test_email_is_never_cleared_in_hubspot(deal, company, contacts, today, config):
    without_email = {k: v for k, v in BOB.items() if k != "Email"}
    result = run(deal, company, contacts, known_pair(), [ANNA, without_email], today, config)
    assert result.to_hubspot == {}
    assert any("HubSpot keeps it" in n.reason for n in result.notes)


def test_match_prefers_email_over_position():
    known = known_pair()
    matched, strays = match_entries([BOB, ANNA], known)
    assert matched == {"902": BOB, "77": ANNA} and strays == []


def test_merged_entries_replace_the_mapped_list(deal, company, contacts, today, config):
    result = run(deal, company, [], [], None, today, config)
    cleared = with_merged_contacts(Mapped({"Customer.Contacts": None}), result)
    assert cleared.fields["Customer.Contacts"] is None
    unusable = [{"id": "5", "properties": {"email": "not-an-email"}}]
    result = run(deal, company, unusable, [], [ANNA], today, config)
    kept = with_merged_contacts(Mapped({}), result)
    assert "Customer.Contacts" not in kept.fields


def test_one_way_contact_field_with_another_strategy_is_refused():
    with pytest.raises(EngineConfigError) as error:
        engine_config_from_dict(
            {"contact_fields": {"Phone": {"direction": "push", "strategy": "MANUAL"}}}
        )
    assert "contact_fields.Phone.strategy" in error.value.errors


def test_without_remembered_contacts_entries_match_by_current_email(
    deal, company, contacts, today, config
):
    # An opportunity synced before contacts were remembered: Partner Central
    # lists Bob first with another title; nothing is a stray.
    theirs = [{**BOB, "BusinessTitle": "Architect"}, ANNA]
    result = run(
        deal, company, contacts, [], theirs, today, config,
        ours_modified_at={"jobtitle": EARLIER}, theirs_modified_at=LATER,
    )  # fmt: skip
    assert not any("matches no contact" in n.reason for n in result.notes)
    assert result.to_hubspot == {"902": {"jobtitle": "Architect"}}
    assert [e["Email"] for e in result.entries] == [ANNA["Email"], BOB["Email"]]
