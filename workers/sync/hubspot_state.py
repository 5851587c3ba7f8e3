"""Read everything a deal's opportunity is built from, in few calls.

One deal (`read_deal_state`): the deal with its associations and property
history, then its primary company and its contacts in two batch reads.
Many deals (`read_deal_states`, the reconciliation cycle): the deals in
batch reads, their associations in one v4 batch read per object type, then
every company and contact they name in batch reads, shared between deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workers.clients.hubspot import HubSpot
from workers.engine import EngineConfig, hubspot_properties_to_read
from workers.engine.related_kinds import DEAL_PROPERTIES as RELATED_ENTITY_PROPERTIES
from workers.errors import NotFound
from workers.limiter import Priority
from workers.sync.rules import RULE_PROPERTIES

PRIMARY_COMPANY_TYPE = "deal_to_company"
# The HubSpot-defined deal-to-company type "Primary" in the v4 associations
# API (the v3 API names the same type "deal_to_company").
PRIMARY_COMPANY_TYPE_ID = 5

# {associated id: its type names}, in the order HubSpot lists them.
Associated = dict[str, set[str]]


@dataclass
class DealState:
    deal_id: str
    properties: dict[str, str | None]
    company_id: str | None = None
    company: dict[str, str | None] | None = None
    contacts: list[dict] = field(default_factory=list)
    timestamps: dict[str, dict[str, datetime]] = field(default_factory=dict)


@dataclass
class _Deal:
    """A deal record as read, with the companies and contacts it names."""

    record: dict
    companies: Associated
    contacts: Associated


def _latest(history: dict[str, list[dict]]) -> dict[str, datetime]:
    stamps = {}
    for name, entries in (history or {}).items():
        times = [datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in entries]
        if times:
            stamps[name] = max(times)
    return stamps


def _associated(record: dict, to_type: str) -> Associated:
    """Associated ids with their v3 type names, in the order HubSpot lists them."""
    found: Associated = {}
    for row in (record.get("associations") or {}).get(to_type, {}).get("results", []):
        found.setdefault(str(row["id"]), set()).add(row.get("type") or "")
    return found


def _v4_associated(rows: list[dict]) -> Associated:
    """The same from v4 association rows: a type's label, or the v3 name of
    the primary company type, which v4 labels "Primary"."""
    found: Associated = {}
    for row in rows:
        names = found.setdefault(str(row["id"]), set())
        for kind in row.get("types") or []:
            primary = kind.get("typeId") == PRIMARY_COMPANY_TYPE_ID
            names.add(PRIMARY_COMPANY_TYPE if primary else kind.get("label") or "")
    return found


def _primary_company(companies: Associated) -> str | None:
    # v3 names the primary deal->company association "deal_to_company" and
    # the others "deal_to_company_unlabeled".
    for company_id, types in companies.items():
        if PRIMARY_COMPANY_TYPE in types:
            return company_id
    return next(iter(companies), None)


def _deal_properties(wanted: dict) -> list[str]:
    return list(dict.fromkeys([*wanted["deal"], *RULE_PROPERTIES, *RELATED_ENTITY_PROPERTIES]))


def read_deal_state(hubspot: HubSpot, deal_id: str, config: EngineConfig) -> DealState | None:
    """The deal's current state, or None when HubSpot no longer has it."""
    wanted = hubspot_properties_to_read(config)
    try:
        record = hubspot.get_object(
            "deals",
            deal_id,
            _deal_properties(wanted),
            associations=("companies", "contacts"),
            properties_with_history=wanted["deal"],
        )
    except NotFound:
        return None
    deal = _Deal(record, _associated(record, "companies"), _associated(record, "contacts"))
    (state,) = _states(hubspot, wanted, [deal], "event")
    return state


def read_deal_states(
    hubspot: HubSpot, deal_ids: list[str], config: EngineConfig, *, priority: Priority
) -> dict[str, DealState]:
    """{deal id: state} of many deals; a deal HubSpot no longer has is left out."""
    wanted = hubspot_properties_to_read(config)
    records = hubspot.batch_read(
        "deals",
        deal_ids,
        _deal_properties(wanted),
        properties_with_history=wanted["deal"],
        priority=priority,
    )
    companies = hubspot.associations("deals", "companies", records, priority=priority)
    contacts = hubspot.associations("deals", "contacts", records, priority=priority)
    deals = [
        _Deal(
            record,
            _v4_associated(companies.get(deal_id, [])),
            _v4_associated(contacts.get(deal_id, [])),
        )
        for deal_id, record in records.items()
    ]
    return {state.deal_id: state for state in _states(hubspot, wanted, deals, priority)}


def _states(
    hubspot: HubSpot, wanted: dict, deals: list[_Deal], priority: Priority
) -> list[DealState]:
    """The deals' states, their companies and contacts read in shared batches."""
    primaries = [_primary_company(deal.companies) for deal in deals]
    companies = _batch_read(hubspot, "companies", set(primaries) - {None}, wanted, priority)
    contact_ids = {contact_id for deal in deals for contact_id in deal.contacts}
    contacts = _batch_read(hubspot, "contacts", contact_ids, wanted, priority)
    return [
        _state(deal, company_id, companies, contacts)
        for deal, company_id in zip(deals, primaries, strict=True)
    ]


def _batch_read(
    hubspot: HubSpot, object_type: str, ids: set, wanted: dict, priority: Priority
) -> dict[str, dict]:
    if not ids:
        return {}
    properties = wanted["company" if object_type == "companies" else "contacts"]
    return hubspot.batch_read(
        object_type, ids, properties, properties_with_history=properties, priority=priority
    )


def _state(
    deal: _Deal, company_id: str | None, companies: dict[str, dict], contacts: dict[str, dict]
) -> DealState:
    state = DealState(deal_id=str(deal.record["id"]), properties=deal.record["properties"])
    state.timestamps["deal"] = _latest(deal.record.get("propertiesWithHistory"))
    state.company_id = company_id
    company = companies.get(company_id) if company_id else None
    if company:
        state.company = company["properties"]
        state.timestamps["company"] = _latest(company.get("propertiesWithHistory"))
    if deal.contacts:
        _add_contacts(state, deal.contacts, contacts)
    return state


def _add_contacts(state: DealState, associated: Associated, contacts: dict[str, dict]) -> None:
    # Deals have no built-in primary contact; a label containing "primary"
    # marks one, and the engine orders the rest by id.
    stamps: dict[str, datetime] = {}
    for contact_id in sorted(associated, key=lambda i: (len(i), i)):
        contact = contacts.get(contact_id)
        if contact is None:
            continue  # deleted since the association was read
        state.contacts.append(
            {
                "id": contact_id,
                "properties": contact["properties"],
                "primary": any("primary" in t.lower() for t in associated[contact_id]),
            }
        )
        for name, moment in _latest(contact.get("propertiesWithHistory")).items():
            stamps[name] = max(moment, stamps.get(name, moment))
    state.timestamps["contacts"] = stamps
