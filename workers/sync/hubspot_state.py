"""Read everything one deal's opportunity is built from, in few calls:
the deal with its associations and property history, then its primary
company and its contacts in two batch reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workers.clients.hubspot import HubSpot
from workers.engine import EngineConfig, hubspot_properties_to_read
from workers.engine.related_entities import DEAL_PROPERTIES as RELATED_ENTITY_PROPERTIES
from workers.errors import NotFound
from workers.sync.rules import RULE_PROPERTIES

PRIMARY_COMPANY_TYPE = "deal_to_company"


@dataclass
class DealState:
    deal_id: str
    properties: dict[str, str | None]
    company_id: str | None = None
    company: dict[str, str | None] | None = None
    contacts: list[dict] = field(default_factory=list)
    timestamps: dict[str, dict[str, datetime]] = field(default_factory=dict)


def _latest(history: dict[str, list[dict]]) -> dict[str, datetime]:
    stamps = {}
    for name, entries in (history or {}).items():
        times = [datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in entries]
        if times:
            stamps[name] = max(times)
    return stamps


def _associated(record: dict, to_type: str) -> dict[str, set[str]]:
    """Associated ids with their v3 type names, in the order HubSpot lists them."""
    found: dict[str, set[str]] = {}
    for row in (record.get("associations") or {}).get(to_type, {}).get("results", []):
        found.setdefault(str(row["id"]), set()).add(row.get("type") or "")
    return found


def _primary_company(companies: dict[str, set[str]]) -> str | None:
    # v3 names the primary deal->company association "deal_to_company" and
    # the others "deal_to_company_unlabeled".
    for company_id, types in companies.items():
        if PRIMARY_COMPANY_TYPE in types:
            return company_id
    return next(iter(companies), None)


def read_deal_state(hubspot: HubSpot, deal_id: str, config: EngineConfig) -> DealState | None:
    """The deal's current state, or None when HubSpot no longer has it."""
    wanted = hubspot_properties_to_read(config)
    deal_properties = list(
        dict.fromkeys([*wanted["deal"], *RULE_PROPERTIES, *RELATED_ENTITY_PROPERTIES])
    )
    try:
        deal = hubspot.get_object(
            "deals",
            deal_id,
            deal_properties,
            associations=("companies", "contacts"),
            properties_with_history=wanted["deal"],
        )
    except NotFound:
        return None
    state = DealState(deal_id=str(deal["id"]), properties=deal["properties"])
    state.timestamps["deal"] = _latest(deal.get("propertiesWithHistory"))
    state.company_id = _primary_company(_associated(deal, "companies"))
    if state.company_id:
        companies = hubspot.batch_read(
            "companies",
            [state.company_id],
            wanted["company"],
            properties_with_history=wanted["company"],
        )
        company = companies.get(state.company_id)
        if company:
            state.company = company["properties"]
            state.timestamps["company"] = _latest(company.get("propertiesWithHistory"))
    associated_contacts = _associated(deal, "contacts")
    # Deals have no built-in primary contact; a label containing "primary"
    # marks one, and the engine orders the rest by id.
    contact_ids = sorted(associated_contacts, key=lambda i: (len(i), i))
    if contact_ids:
        contacts = hubspot.batch_read(
            "contacts", contact_ids, wanted["contacts"], properties_with_history=wanted["contacts"]
        )
        stamps: dict[str, datetime] = {}
        for contact_id in contact_ids:
            contact = contacts.get(contact_id)
            if contact is None:
                continue  # deleted since the association was read
            state.contacts.append(
                {
                    "id": contact_id,
                    "properties": contact["properties"],
                    "primary": any("primary" in t.lower() for t in associated_contacts[contact_id]),
                }
            )
            for name, moment in _latest(contact.get("propertiesWithHistory")).items():
                stamps[name] = max(moment, stamps.get(name, moment))
        state.timestamps["contacts"] = stamps
    return state
