"""Customer contacts and company inside one deal sync (docs/architecture.md).

`sync_deal` stays the single writer; this module adds what the contact and
company side of a sync needs around its merge:

- before: which contacts the opportunity was last built from (the
  ``customer_records`` rows) and what became of those the deal no longer
  lists — removed from the deal (they leave ``Customer.Contacts``), deleted
  (their last known entry stays) or merged (the survivor inherits their
  agreed values). One HubSpot read per such contact, only when one went
  missing. Then the per-contact merge of the engine
  (:func:`workers.engine.merge_contacts`);
- after a successful write: pending contact conflicts recorded, Partner
  Central's contact edits written to the HubSpot contacts (one batch
  update), the deal's ``aws_contact_company_last_sync`` when contact or
  company data moved, then the records remembered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from models.customer_records import (
    COMPANY,
    CONTACT,
    DELETED,
    LIVE,
    CustomerRecord,
    records_of_deal,
    replace_records,
)
from pcsync import runtime
from workers.clients.hubspot import HubSpot
from workers.engine import (
    CONTACTS_PATH,
    ContactsMerge,
    KnownContact,
    Mapped,
    MergeResult,
    Note,
    extract_pc_fields,
    merge_contacts,
    with_merged_contacts,
)
from workers.errors import NotFound
from workers.sync.conflicts import record_conflict
from workers.sync.context import Run
from workers.sync.deal_status import now_iso
from workers.sync.hubspot_state import DealState

LAST_SYNC_PROPERTY = "aws_contact_company_last_sync"
ACCOUNT_PATH = "Customer.Account"


@dataclass
class CustomerSync:
    """The contact and company side of one deal sync."""

    state: DealState
    known: list[KnownContact]
    company_id: str | None  # the company the opportunity is built from now
    company_state: str = LIVE
    contacts: ContactsMerge | None = None  # None: Customer.Contacts is not synced
    notes: list[Note] = field(default_factory=list)

    def adjust(self, mapped: Mapped) -> Mapped:
        """The mapped HubSpot values with the merged contact list and the
        notes on records that went away."""
        if self.contacts is not None:
            mapped = with_merged_contacts(mapped, self.contacts)
        return replace(mapped, notes=[*mapped.notes, *self.notes])

    def write_hubspot(self, hubspot: HubSpot, hubspot_writes: dict) -> None:
        """Partner Central's contact edits to the HubSpot contacts, in one
        batch update; recorded in ``hubspot_writes["contacts"]`` for the
        outcome and the audit."""
        if self.contacts is None or not self.contacts.to_hubspot:
            return
        hubspot.batch_update("contacts", self.contacts.to_hubspot)
        hubspot_writes["contacts"] = self.contacts.to_hubspot

    def record_conflicts(self, session, run: Run, opportunity_id: str) -> None:
        """Pending contact conflicts, recorded before the deal shows its status."""
        for conflict in self.contacts.pending_conflicts if self.contacts else []:
            record_conflict(session, run, self.state.deal_id, opportunity_id, conflict)

    def status_properties(self, pc_changes: list) -> dict[str, str]:
        """The deal properties to add to the status write."""
        customer_written = any(c.path.startswith("Customer.") for c in pc_changes)
        if customer_written or (self.contacts and self.contacts.to_hubspot):
            return {LAST_SYNC_PROPERTY: now_iso()}
        return {}

    def remember(self, session, result: MergeResult) -> None:
        """After a successful write: store the records the opportunity is built from."""
        deferred = CONTACTS_PATH in result.deferred
        known = self.known if self.contacts is None or deferred else self.contacts.known
        _store(session, self.state.deal_id, self.company_id, self.company_state, known)


def prepare_customer(
    hubspot: HubSpot, state: DealState, opportunity: dict[str, Any], run: Run
) -> CustomerSync:
    """Load what the opportunity was built from, settle the records that
    went away, and merge the contact details with the opportunity's."""
    config = runtime.engine_config()
    with runtime.database().transaction() as session:
        records = records_of_deal(session, state.deal_id)
    sync = CustomerSync(state=state, known=[], company_id=state.company_id)
    _settle_company(hubspot, sync, [r for r in records if r.object_type == COMPANY])
    sync.known = _settle_contacts(hubspot, sync, [r for r in records if r.object_type == CONTACT])
    if CONTACTS_PATH in config.synced_paths:
        theirs = extract_pc_fields(opportunity, config).get(CONTACTS_PATH)
        sync.contacts = merge_contacts(
            state.properties,
            state.company,
            state.contacts,
            sync.known,
            theirs,
            today=run.today,
            config=config,
            ours_modified_at=state.timestamps.get("contacts", {}),
            theirs_modified_at=opportunity["LastModifiedDate"],
        )
    return sync


def remember_created(session, state: DealState, request: dict[str, Any], run: Run) -> dict:
    """After CreateOpportunity: remember the records the request was built
    from; returns the deal properties to add to the status write."""
    config = runtime.engine_config()
    known: list[KnownContact] = []
    if CONTACTS_PATH in config.synced_paths:
        created = merge_contacts(
            state.properties,
            state.company,
            state.contacts,
            [],
            extract_pc_fields(request, config).get(CONTACTS_PATH),
            today=run.today,
            config=config,
        )
        known = created.known
    _store(session, state.deal_id, state.company_id, LIVE, known)
    return {LAST_SYNC_PROPERTY: now_iso()}


# -- records that went away ------------------------------------------------------------


def _resolve(hubspot: HubSpot, object_type: str, object_id: str) -> str | None:
    """The id HubSpot answers for a record: its own, a merge survivor's, or
    None when it was deleted."""
    try:
        return str(hubspot.get_object(object_type, object_id, ["hs_object_id"])["id"])
    except NotFound:
        return None


def _settle_company(hubspot: HubSpot, sync: CustomerSync, records: list[CustomerRecord]) -> None:
    previous = records[0] if records else None
    if previous is None or sync.company_id is not None:
        return  # a company is associated: the engine maps it
    deleted = (
        previous.state == DELETED or _resolve(hubspot, "companies", previous.object_id) is None
    )
    if deleted:
        # Keep the record: later syncs say why Customer.Account stays.
        sync.company_id, sync.company_state = previous.object_id, DELETED
        reason = f"company {previous.object_id} was deleted in HubSpot"
    else:
        reason = f"company {previous.object_id} is no longer associated with the deal"
    sync.notes.append(
        Note(
            ACCOUNT_PATH,
            "omitted",
            f"{reason}; Customer.Account keeps its last known values",
            f"company {previous.object_id}",
        )
    )


def _settle_contacts(
    hubspot: HubSpot, sync: CustomerSync, records: list[CustomerRecord]
) -> list[KnownContact]:
    """The known contacts, with those no longer on the deal settled: a
    deleted one is marked (its entry stays), a merged one renamed to its
    survivor, a removed one left for the merge to drop."""
    listed = {str(c["id"]) for c in sync.state.contacts}
    known_ids = {r.object_id for r in records}
    known: list[KnownContact] = []
    for record in records:
        contact = KnownContact(record.object_id, dict(record.base or {}), record.state == DELETED)
        if contact.deleted or contact.id in listed:
            known.append(contact)
            continue
        survivor = _resolve(hubspot, "contacts", contact.id)
        source = f"contact {contact.id}"
        if survivor is None:
            known.append(replace(contact, deleted=True))
            sync.notes.append(
                Note(CONTACTS_PATH, "omitted", f"{source} was deleted in HubSpot", source)
            )
        elif survivor != contact.id:
            if survivor not in known_ids:
                known.append(replace(contact, id=survivor))
            sync.notes.append(
                Note(CONTACTS_PATH, "adjusted", f"{source} was merged into {survivor}", source)
            )
        else:
            known.append(contact)
            sync.notes.append(
                Note(CONTACTS_PATH, "adjusted", f"{source} left the deal and the list", source)
            )
    return known


# -- persistence ------------------------------------------------------------------------


def _store(session, deal_id, company_id, company_state, known: list[KnownContact]) -> None:
    replace_records(
        session,
        deal_id,
        company=(company_id, company_state) if company_id else None,
        contacts=[(k.id, k.base, DELETED if k.deleted else LIVE) for k in known],
    )
