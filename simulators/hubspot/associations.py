"""Associations between records, kept consistent in both directions.

Every edge stores the set of HUBSPOT_DEFINED type ids it carries; adding or
removing a type on one side does the reverse type on the other. A labelled
type (the primary company) always travels with the unlabelled default, as
in HubSpot, and an object has at most one primary of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass

# (from type, to type, typeId, v4 label, v3 `type` name, is primary)
ASSOCIATION_TYPES = (
    ("deals", "contacts", 3, None, "deal_to_contact", False),
    ("contacts", "deals", 4, None, "contact_to_deal", False),
    ("deals", "companies", 341, None, "deal_to_company_unlabeled", False),
    ("deals", "companies", 5, "Primary", "deal_to_company", True),
    ("companies", "deals", 342, None, "company_to_deal_unlabeled", False),
    ("companies", "deals", 6, "Primary", "company_to_deal", True),
    ("contacts", "companies", 279, None, "contact_to_company_unlabeled", False),
    ("contacts", "companies", 1, "Primary", "contact_to_company", True),
    ("companies", "contacts", 280, None, "company_to_contact_unlabeled", False),
    ("companies", "contacts", 2, "Primary", "company_to_contact", True),
    ("deals", "notes", 213, None, "deal_to_note", False),
    ("notes", "deals", 214, None, "note_to_deal", False),
    ("contacts", "notes", 201, None, "contact_to_note", False),
    ("notes", "contacts", 202, None, "note_to_contact", False),
    ("companies", "notes", 189, None, "company_to_note", False),
    ("notes", "companies", 190, None, "note_to_company", False),
)

REVERSE_TYPE = {
    3: 4, 4: 3, 341: 342, 342: 341, 5: 6, 6: 5, 279: 280, 280: 279, 1: 2, 2: 1,
    213: 214, 214: 213, 201: 202, 202: 201, 189: 190, 190: 189,
}  # fmt: skip

TYPES_BY_ID = {(row[0], row[2]): row for row in ASSOCIATION_TYPES}
DEFAULT_TYPE = {(row[0], row[1]): row[2] for row in ASSOCIATION_TYPES if row[3] is None}


def type_row(from_type: str, type_id: int):
    return TYPES_BY_ID.get((from_type, type_id))


def target_type(from_type: str, type_id: int) -> str | None:
    """The object type a `type_id` from `from_type` points at, if valid."""
    row = type_row(from_type, type_id)
    return row[1] if row else None


def is_primary(from_type: str, type_id: int) -> bool:
    row = type_row(from_type, type_id)
    return bool(row and row[5])


def v4_type(from_type: str, type_id: int) -> dict:
    row = TYPES_BY_ID[(from_type, type_id)]
    return {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": row[3]}


@dataclass(frozen=True)
class AssociationChange:
    """One type id added to or removed from an edge, seen from `from_type`."""

    from_type: str
    from_id: str
    to_type: str
    to_id: str
    type_id: int
    removed: bool

    @property
    def primary(self) -> bool:
        return is_primary(self.from_type, self.type_id)


class AssociationStore:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        # (from type, from id, to type) -> {to id: {type ids}}
        self._edges: dict[tuple[str, str, str], dict[str, set[int]]] = {}

    def types_between(self, from_type, from_id, to_type, to_id) -> set[int]:
        return set(self._edges.get((from_type, str(from_id), to_type), {}).get(str(to_id), ()))

    def targets(self, from_type: str, from_id: str, to_type: str) -> list[tuple[str, list[int]]]:
        """(to id, sorted type ids) for every associated record, by id."""
        edges = self._edges.get((from_type, str(from_id), to_type), {})
        return [(to_id, sorted(edges[to_id])) for to_id in sorted(edges, key=int) if edges[to_id]]

    def add(self, from_type, from_id, to_type, to_id, type_ids) -> list[AssociationChange]:
        """Add `type_ids` (plus the default type) between two records.

        Returns the changes from the `from` side only; callers derive the
        reverse side's events. Adding a primary moves it off any other record.
        """
        from_id, to_id = str(from_id), str(to_id)
        wanted = {DEFAULT_TYPE[(from_type, to_type)], *type_ids}
        changes = []
        for type_id in sorted(wanted):
            if is_primary(from_type, type_id):
                changes += self._drop_other_primaries(from_type, from_id, to_type, to_id, type_id)
            if type_id in self.types_between(from_type, from_id, to_type, to_id):
                continue
            self._set(from_type, from_id, to_type, to_id, type_id, present=True)
            changes.append(AssociationChange(from_type, from_id, to_type, to_id, type_id, False))
        return changes

    def remove(self, from_type, from_id, to_type, to_id, type_ids=None) -> list[AssociationChange]:
        """Remove `type_ids`, or every type when None or when the default
        type goes (a label cannot outlive the unlabelled association)."""
        from_id, to_id = str(from_id), str(to_id)
        present = self.types_between(from_type, from_id, to_type, to_id)
        doomed = present if type_ids is None else present & set(type_ids)
        if DEFAULT_TYPE[(from_type, to_type)] in doomed:
            doomed = present
        changes = []
        for type_id in sorted(doomed):
            self._set(from_type, from_id, to_type, to_id, type_id, present=False)
            changes.append(AssociationChange(from_type, from_id, to_type, to_id, type_id, True))
        return changes

    def move(self, object_type: str, old_id: str, new_id: str) -> list[AssociationChange]:
        """Re-point every association of `old_id` at `new_id` (merge)."""
        changes = []
        for (from_type, from_id, to_type), edges in list(self._edges.items()):
            if from_type != object_type or from_id != str(old_id):
                continue
            for to_id, type_ids in list(edges.items()):
                if to_id == str(new_id):
                    continue  # never associate a record with itself
                kept = {t for t in type_ids if not is_primary(from_type, t)}
                changes += self.remove(from_type, old_id, to_type, to_id)
                changes += self.add(from_type, new_id, to_type, to_id, kept)
        return changes

    def _drop_other_primaries(self, from_type, from_id, to_type, keep_id, type_id):
        # A deal or contact has at most one primary company, while a company
        # may be the primary of many: look from the deal/contact side.
        if from_type == "companies":
            from_type, from_id, to_type, keep_id = to_type, keep_id, from_type, from_id
            type_id = REVERSE_TYPE[type_id]
        changes = []
        edges = self._edges.get((from_type, from_id, to_type), {})
        for other_id, type_ids in list(edges.items()):
            if other_id != keep_id and type_id in type_ids:
                self._set(from_type, from_id, to_type, other_id, type_id, present=False)
                changes.append(
                    AssociationChange(from_type, from_id, to_type, other_id, type_id, True)
                )
        return changes

    def _set(self, from_type, from_id, to_type, to_id, type_id, present: bool) -> None:
        reverse = (to_type, to_id, from_type, from_id, REVERSE_TYPE[type_id])
        for a_type, a_id, b_type, b_id, t in (
            (from_type, from_id, to_type, to_id, type_id),
            reverse,
        ):
            edge = self._edges.setdefault((a_type, a_id, b_type), {}).setdefault(b_id, set())
            if present:
                edge.add(t)
            else:
                edge.discard(t)
                if not edge:
                    del self._edges[(a_type, a_id, b_type)][b_id]
