"""Customer contact details both ways, one contact member at a time.

``Customer.Contacts`` is a list without ids, so the plain field merge can
only compare it whole. This module merges each listed contact's members
(``Email``, ``FirstName``, ``LastName``, ``Phone``, ``BusinessTitle``) with
the same three-way :func:`~.merge.merge`, against what both sides agreed on
per contact at the last sync (:class:`KnownContact`), and settles conflicts
by ``EngineConfig.contact_fields``.

Who is on the list is HubSpot's to say (the deal's contact associations,
primary first, then by id). Partner Central entries are matched to HubSpot
contacts by the e-mail both sides agreed on, else by position when the list
has as many entries as last time (so an e-mail edited in Partner Central
still matches). An entry that matches no HubSpot contact is dropped with a
note: a HubSpot contact cannot be made from it.

A contact deleted in HubSpot keeps its last known entry on the opportunity
(the caller marks it ``deleted``): nothing is blanked because a record went
away. A contact merged into another is renamed to the survivor by the
caller, so the survivor inherits its agreed values.

The result's ``entries`` replace ``Customer.Contacts`` in the mapped HubSpot
values; they already hold every member Partner Central won, so the field
merge only has to send them when they differ (the list stays push-only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from .config import EngineConfig
from .fieldmap import (
    CONTACT_MEMBERS,
    CONTACT_PROPERTIES,
    PushContext,
    contact_members,
    contact_order,
)
from .mapping import Mapped
from .merge import Conflict, Outcome, merge
from .outcome import Note

CONTACTS_PATH = "Customer.Contacts"
_KEPT = (Outcome.TO_PC, Outcome.TO_HUBSPOT, Outcome.AGREED)


@dataclass(frozen=True)
class KnownContact:
    """A listed contact as last synced: its HubSpot id and, per member, the
    value both sides agreed on (``None`` = agreed empty; missing = unknown)."""

    id: str
    base: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False  # gone from HubSpot; its last known entry stays


@dataclass(frozen=True)
class ContactsMerge:
    entries: list[dict[str, str]]  # Customer.Contacts to hold after this sync
    known: list[KnownContact]  # one per entry, to remember once written
    to_hubspot: dict[str, dict[str, str]]  # contact id -> properties to write
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    has_live_contacts: bool = False

    @property
    def pending_conflicts(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.pending]


def member_path(contact_id: str, member: str) -> str:
    return f"{CONTACTS_PATH}[{contact_id}].{member}"


def match_entries(
    theirs: list[dict[str, str]],
    known: list[KnownContact],
    current_emails: dict[str, str] | None = None,
) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """Partner Central entries by HubSpot contact id, and those matching none.
    By the e-mail agreed at the last sync, else the contact's current e-mail
    in HubSpot (``current_emails``: e-mail -> id; what an opportunity synced
    before contacts were remembered has to go by); then by position, when
    the list kept its length."""
    by_email = {**(current_emails or {})}
    by_email.update({k.base["Email"]: k.id for k in known if k.base.get("Email")})
    matched: dict[str, dict[str, str]] = {}
    unmatched: list[int] = []
    for index, entry in enumerate(theirs):
        contact_id = by_email.get(entry.get("Email"))
        if contact_id is not None and contact_id not in matched:
            matched[contact_id] = entry
        else:
            unmatched.append(index)
    left = []
    for index in unmatched:
        same_length = len(theirs) == len(known)
        if same_length and known[index].id not in matched:
            matched[known[index].id] = theirs[index]
        else:
            left.append(theirs[index])
    return matched, left


def _flatten_ours(contact: dict, ctx: PushContext) -> dict[str, Any]:
    """Usable HubSpot values per member path; a rejected value is left out
    (no opinion), an empty one is ``None``."""
    flat: dict[str, Any] = {}
    for member, result in contact_members(contact, ctx).items():
        if not result.rejected:
            flat[member_path(str(contact["id"]), member)] = result.value
    return flat


def _stamps(contact_id: str, stamps: dict[str, datetime]) -> dict[str, datetime]:
    found = {}
    for member, properties in CONTACT_PROPERTIES.items():
        times = [stamps[name] for name in properties if name in stamps]
        if times:
            found[member_path(contact_id, member)] = max(times)
    return found


def _current(path: str, *sides: dict[str, Any]) -> Any:
    """What Partner Central should keep for a member nobody changed (or that
    awaits an operator): its own value, else HubSpot's, else the base."""
    for side in sides:
        if path in side:
            return side[path]
    return None


def _pull_value(member: str, value: Any) -> str | None:
    if value is None:
        # An e-mail identifies the HubSpot contact: never clear it from here.
        return None if member == "Email" else ""
    return str(value)


def merge_contacts(
    deal: dict[str, str],
    company: dict[str, str] | None,
    contacts: list[dict],
    known: list[KnownContact],
    theirs: list[dict[str, str]] | None,
    *,
    today: date,
    config: EngineConfig,
    ours_modified_at: dict[str, datetime] | None = None,
    theirs_modified_at: datetime | None = None,
) -> ContactsMerge:
    """Merge the deal's HubSpot ``contacts`` (``{"id", "properties",
    "primary"}``) with Partner Central's ``theirs`` (canonical entries, see
    :func:`~.mapping.extract_pc_fields`) against ``known``.
    ``ours_modified_at`` holds HubSpot change times by contact property
    (the latest over the deal's contacts), for LAST_WRITE_WINS."""
    ctx = PushContext(deal=deal, company=company, contacts=contacts, today=today, config=config)
    live = sorted(contacts, key=contact_order)
    ours: dict[str, Any] = {}
    for contact in live:
        ours.update(_flatten_ours(contact, ctx))
    current_emails = {
        ours[path]: str(c["id"])
        for c in live
        if ours.get(path := member_path(str(c["id"]), "Email"))
    }
    matched, strays = match_entries(theirs or [], known, current_emails)
    known_by_id = {k.id: k for k in known}
    base: dict[str, Any] = {}
    their_values: dict[str, Any] = {}
    strategies, directions, stamps = {}, {}, {}
    for contact in live:
        contact_id = str(contact["id"])
        stamps.update(_stamps(contact_id, ours_modified_at or {}))
        previous = known_by_id.get(contact_id)
        entry = matched.get(contact_id)
        for member in CONTACT_MEMBERS:
            path = member_path(contact_id, member)
            settings = config.contact_fields[member]
            strategies[path], directions[path] = settings.strategy, settings.direction
            if previous is not None and member in previous.base:
                base[path] = previous.base[member]
            if entry is not None:
                their_values[path] = entry.get(member)
    result = merge(
        base,
        ours,
        their_values,
        strategies=strategies,
        directions=directions,
        ours_modified_at=stamps,
        theirs_modified_at=theirs_modified_at,
    )
    entries: list[dict[str, str]] = []
    remembered: list[KnownContact] = []
    to_hubspot: dict[str, dict[str, str]] = {}
    notes: list[Note] = []
    for contact in live:
        contact_id = str(contact["id"])
        entry: dict[str, str] = {}
        for member in CONTACT_MEMBERS:
            path = member_path(contact_id, member)
            decision = result.decisions[path]
            if decision.outcome in _KEPT:
                value = decision.value
            else:
                value = _current(path, their_values, ours, base)
            if value is not None:
                entry[member] = value
            if decision.outcome is Outcome.TO_HUBSPOT:
                written = _pull_value(member, decision.value)
                if written is None:
                    notes.append(
                        Note(path, "omitted", "cleared in Partner Central; HubSpot keeps it")
                    )
                else:
                    to_hubspot.setdefault(contact_id, {})[CONTACT_PROPERTIES[member][0]] = written
        if not entry:
            continue  # nothing usable: the field mapping already noted why
        entries.append(entry)
        remembered.append(
            KnownContact(
                contact_id,
                {
                    m: result.new_base[p]
                    for m in CONTACT_MEMBERS
                    if (p := member_path(contact_id, m)) in result.new_base
                },
            )
        )
    for gone in known:
        if not gone.deleted or gone.id not in matched:
            continue
        entries.append(matched[gone.id])
        remembered.append(replace(gone, base=dict(matched[gone.id])))
        notes.append(
            Note(
                CONTACTS_PATH,
                "omitted",
                f"contact {gone.id} was deleted in HubSpot; its last known details stay",
                f"contact {gone.id}",
            )
        )
    for stray in strays:
        notes.append(
            Note(
                CONTACTS_PATH,
                "omitted",
                f"Partner Central contact {stray.get('Email') or stray} matches no contact "
                "of the deal; the deal's contacts decide who is listed",
            )
        )
    return ContactsMerge(
        entries=entries,
        known=remembered,
        to_hubspot=to_hubspot,
        conflicts=result.conflicts,
        notes=notes,
        has_live_contacts=bool(live),
    )


def with_merged_contacts(mapped: Mapped, contacts: ContactsMerge) -> Mapped:
    """``mapped`` with ``Customer.Contacts`` replaced by the merged entries
    (for a configuration that syncs that field). An empty list clears
    Partner Central's contacts (every contact left the deal) unless the deal
    still has contacts none of which was usable: then HubSpot has no opinion
    and Partner Central keeps its list."""
    fields = dict(mapped.fields)
    if contacts.entries:
        fields[CONTACTS_PATH] = contacts.entries
    elif contacts.has_live_contacts:
        fields.pop(CONTACTS_PATH, None)
    else:
        fields[CONTACTS_PATH] = None
    return Mapped(fields, [*mapped.notes, *contacts.notes])
