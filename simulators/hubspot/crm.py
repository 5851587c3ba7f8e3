"""CRM operations shared by the API routes and the user-playing controls.

Each operation validates its whole input before changing anything (HubSpot
rejects a batch with one bad property as a whole), applies it to the stores
and reports what changed so webhooks can fire. The caller passes the change
source: the app for API calls, a user for controls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import associations as assoc
from . import errors, schema
from .associations import AssociationStore
from .events import Change
from .objects import ChangeSource, ObjectStore, Record
from .properties import PropertySchema
from .timefmt import epoch_ms, iso_from_epoch

# Batch create, read, update and archive take at most 100 inputs per request
# (the CRM object APIs' batch endpoints, e.g.
# https://developers.hubspot.com/docs/api/crm/deals; more is a 400).
BATCH_LIMIT = 100
# Batch reads that ask for property history take at most 50 inputs (HubSpot's
# batch read reference: "50 with propertiesWithHistory").
HISTORY_BATCH_LIMIT = 50


def check_type(object_type: str) -> str:
    if object_type not in schema.OBJECT_TYPES:
        raise errors.validation_error(f"Unable to infer object type from: {object_type}")
    return object_type


def check_batch(inputs, limit: int = BATCH_LIMIT) -> list:
    if not isinstance(inputs, list) or not inputs:
        raise errors.validation_error("Invalid input JSON: `inputs` must be a non-empty list.")
    if len(inputs) > limit:
        raise errors.batch_too_large(len(inputs), limit)
    return inputs


class Crm:
    def __init__(
        self,
        *,
        clock: Callable[[], float],
        portal_id: int,
        properties: PropertySchema,
        objects: ObjectStore,
        associations: AssociationStore,
        emit: Callable[[list[Change]], None],
    ):
        self.clock = clock
        self.portal_id = portal_id
        self.properties = properties
        self.objects = objects
        self.associations = associations
        self._emit = emit
        # One lock for every read and write: requests arrive on many threads.
        self.lock = threading.RLock()
        # Records created less than this long ago are not in search results yet.
        self.search_lag_seconds = 0.0

    # -- reads -----------------------------------------------------------------

    def get(self, object_type: str, record_id, archived=False, id_property=None) -> Record:
        check_type(object_type)
        if id_property and id_property != "hs_object_id":
            # Only a unique-value property identifies a record (idProperty docs).
            definition = self.properties.get(object_type, id_property)
            if not (definition and definition.get("hasUniqueValue")):
                raise errors.validation_error(
                    f"{id_property} is not a unique identifier property of {object_type}"
                )
            record = self.objects.find_by(object_type, id_property, str(record_id))
        else:
            record = self.objects.get(object_type, str(record_id), archived=archived)
        if record is None:
            raise errors.not_found()
        return record

    def render(
        self,
        record: Record,
        properties: list[str] | None = None,
        with_history: list[str] | None = None,
        association_types: list[str] | None = None,
    ) -> dict:
        """A record as HubSpot's SimplePublicObject (values are strings or null)."""
        object_type = record.object_type
        if properties:
            names = [n for n in properties if self.properties.get(object_type, n)]
            names = sorted({*names, *schema.ALWAYS_READ_PROPERTIES[object_type]})
        else:
            names = list(schema.DEFAULT_READ_PROPERTIES[object_type])
        body = {
            "id": record.id,
            "properties": {name: record.properties.get(name) for name in names},
            "createdAt": iso_from_epoch(record.created_at),
            "updatedAt": iso_from_epoch(record.updated_at),
            "archived": record.archived,
        }
        if record.archived:
            body["archivedAt"] = iso_from_epoch(record.archived_at)
        if with_history:
            body["propertiesWithHistory"] = {
                name: [dict(entry) for entry in record.history.get(name, [])]
                for name in with_history
                if self.properties.get(object_type, name)
            }
        if association_types:
            rendered = self._v3_associations(record, association_types)
            if rendered:
                body["associations"] = rendered
        return body

    def _v3_associations(self, record: Record, to_types: list[str]) -> dict:
        rendered = {}
        for to_type in to_types:
            if to_type not in schema.OBJECT_TYPES:
                continue
            results = [
                {"id": to_id, "type": assoc.type_row(record.object_type, type_id)[4]}
                for to_id, type_ids in self.live_targets(record.object_type, record.id, to_type)
                for type_id in type_ids
            ]
            if results:
                rendered[to_type] = {"results": results}
        return rendered

    def live_targets(self, from_type, from_id, to_type) -> list[tuple[str, list[int]]]:
        """Associations whose other end is not archived (HubSpot hides them)."""
        return [
            (to_id, type_ids)
            for to_id, type_ids in self.associations.targets(from_type, from_id, to_type)
            if self.objects.is_live(to_type, to_id)
        ]

    # -- object writes -----------------------------------------------------------

    def create_many(self, object_type: str, inputs: list[dict], source: ChangeSource):
        """Create records after checking every input; all or nothing."""
        check_type(object_type)
        prepared = [self._prepare_create(object_type, item) for item in inputs]
        return [self._create(object_type, values, links, source) for values, links in prepared]

    def create(self, object_type: str, item: dict, source: ChangeSource) -> Record:
        return self.create_many(object_type, [item], source)[0]

    def _prepare_create(self, object_type: str, item: dict):
        if not isinstance(item, dict):
            raise errors.validation_error("Invalid input JSON: each input must be an object.")
        values = self.properties.validate_values(
            object_type, item.get("properties") or {}, self.portal_id
        )
        missing = [n for n in schema.REQUIRED_ON_CREATE.get(object_type, ()) if not values.get(n)]
        if missing:
            raise errors.property_values_invalid(
                [
                    {
                        "isValid": False,
                        "message": f"{name} is required",
                        "error": "REQUIRED_PROPERTY",
                        "name": name,
                        "localizedErrorMessage": f"{name} is required",
                        "portalId": self.portal_id,
                    }
                    for name in missing
                ]
            )
        self._check_unique(object_type, values)
        if object_type == "deals" and not values.get("pipeline"):
            values["pipeline"] = "default"  # HubSpot puts a deal in the default pipeline
        links = [self._association_input(object_type, a) for a in item.get("associations") or []]
        return values, links

    def _association_input(self, from_type: str, given: dict) -> tuple[str, str, list[int]]:
        """(to type, to id, type ids) from a create's `associations` entry."""
        try:
            to_id = str(given["to"]["id"])
            type_ids = [int(t["associationTypeId"]) for t in given["types"]]
            categories = {t.get("associationCategory", "HUBSPOT_DEFINED") for t in given["types"]}
        except (KeyError, TypeError, ValueError):
            raise errors.validation_error(
                "Invalid association: expected {to:{id}, types:[{associationCategory,"
                " associationTypeId}]}"
            ) from None
        to_types = {assoc.target_type(from_type, t) for t in type_ids}
        if (
            not type_ids
            or None in to_types
            or len(to_types) != 1
            or categories != {"HUBSPOT_DEFINED"}
        ):
            raise errors.validation_error(
                f"Invalid association types {type_ids} from {from_type}",
                [
                    {
                        "message": "association type is not valid for this object",
                        "code": "INVALID_ASSOCIATION_TYPE",
                    }
                ],
            )
        to_type = to_types.pop()
        if not self.objects.is_live(to_type, to_id):
            raise errors.validation_error(
                f"One or more associations are invalid: {to_type} {to_id} does not exist"
            )
        return to_type, to_id, type_ids

    def _create(self, object_type, values, links, source: ChangeSource) -> Record:
        now = self.clock()
        record = self.objects.create(object_type, values, source, now)
        changes = [self._change("creation", record, source, now)]
        changes += [
            self._change("propertyChange", record, source, now, name=name, value=value)
            for name, value in values.items()
            if value
        ]
        for to_type, to_id, type_ids in links:
            added = self.associations.add(object_type, record.id, to_type, to_id, type_ids)
            changes += self._association_changes(added, source, now)
        self._emit(changes)
        return record

    def update_many(self, object_type: str, inputs: list[dict], source: ChangeSource):
        """Update after checking every input; unknown ids are reported, not fatal."""
        check_type(object_type)
        ids = [str(item.get("id")) if isinstance(item, dict) else None for item in inputs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise errors.validation_error(
                f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique"
            )
        prepared = [
            (str(item.get("id")), self.properties.validate_values(
                object_type, item.get("properties") or {}, self.portal_id
            ))
            for item in inputs
        ]  # fmt: skip
        updated, missing = [], []
        for record_id, values in prepared:
            record = self.objects.get(object_type, record_id)
            if record is None:
                missing.append(record_id)
                continue
            updated.append(self._update(record, values, source))
        return updated, missing

    def update(self, object_type: str, record_id, properties: dict, source: ChangeSource):
        check_type(object_type)
        record = self.get(object_type, record_id)
        values = self.properties.validate_values(object_type, properties or {}, self.portal_id)
        return self._update(record, values, source)

    def _check_unique(self, object_type: str, values: dict[str, str], own_id=None) -> None:
        """A property created with hasUniqueValue holds each value on one record
        only (HubSpot properties API: "hasUniqueValue"); a second record with
        it is refused as a conflict naming the record that has it."""
        for name, value in values.items():
            definition = self.properties.get(object_type, name)
            if not value or not (definition and definition.get("hasUniqueValue")):
                continue
            holder = self.objects.find_by(object_type, name, value)
            if holder is not None and holder.id != own_id:
                raise errors.already_exists(
                    f"A {object_type[:-1]} with {name}={value} already exists. "
                    f"Existing ID: {holder.id}"
                )

    def _update(self, record: Record, values: dict[str, str], source: ChangeSource) -> Record:
        self._check_unique(record.object_type, values, record.id)
        now = self.clock()
        changed = self.objects.update(record, values, source, now)
        self._emit(
            [
                self._change("propertyChange", record, source, now, name=name, value=value)
                for name, value in changed.items()
            ]
        )
        return record

    def archive(self, object_type: str, record_id, source: ChangeSource) -> None:
        """Archive a record; an unknown id is not an error (HubSpot answers 204)."""
        check_type(object_type)
        record = self.objects.get(object_type, str(record_id))
        if record is None:
            return
        now = self.clock()
        self.objects.archive(record, now)
        self._emit([self._change("deletion", record, source, now)])

    def merge(self, object_type: str, primary_id, merged_id, source: ChangeSource) -> Record:
        check_type(object_type)
        if str(primary_id) == str(merged_id):
            raise errors.validation_error("Cannot merge an object with itself.")
        primary = self.get(object_type, primary_id)
        merged = self.get(object_type, merged_id)
        now = self.clock()
        moved = self.objects.merge(primary, merged, source, now)
        # Associations move to the primary without associationChange events
        # (HubSpot's behaviour here is unverified; the merge event says it all).
        self.associations.move(object_type, merged.id, primary.id)
        merge_fields = {
            "primaryObjectId": int(primary.id),
            "mergedObjectIds": [int(merged.id)],
            "newObjectId": int(primary.id),
            "numberOfPropertiesMoved": len(moved),
        }
        change = self._change("merge", primary, source, now)
        self._emit([Change(**{**change.__dict__, "merge": merge_fields})])
        return primary

    # -- associations ---------------------------------------------------------------

    def associate(self, from_type, from_id, to_type, to_id, type_ids, source) -> list[int]:
        """Add associations; returns the type ids now on the edge."""
        self._check_pair(from_type, from_id, to_type, to_id)
        for type_id in type_ids:
            if assoc.target_type(from_type, type_id) != to_type:
                raise errors.validation_error(
                    f"associationTypeId {type_id} is not valid from {from_type} to {to_type}"
                )
        now = self.clock()
        added = self.associations.add(from_type, from_id, to_type, to_id, type_ids)
        self._emit(self._association_changes(added, source, now))
        return sorted(self.associations.types_between(from_type, from_id, to_type, to_id))

    def disassociate(self, from_type, from_id, to_type, to_id, type_ids, source) -> None:
        check_type(from_type)
        check_type(to_type)
        now = self.clock()
        removed = self.associations.remove(from_type, from_id, to_type, to_id, type_ids)
        self._emit(self._association_changes(removed, source, now))

    def _check_pair(self, from_type, from_id, to_type, to_id) -> None:
        check_type(from_type)
        check_type(to_type)
        if (from_type, to_type) not in assoc.DEFAULT_TYPE:
            raise errors.validation_error(f"{from_type} cannot be associated with {to_type}")
        for object_type, record_id in ((from_type, from_id), (to_type, to_id)):
            if not self.objects.is_live(object_type, str(record_id)):
                raise errors.HubSpotError(
                    404,
                    f"No {object_type} with id {record_id} exists.",
                    "OBJECT_NOT_FOUND",
                )

    # -- change reports ----------------------------------------------------------

    def _change(self, kind, record: Record, source, now, name=None, value=None) -> Change:
        return Change(
            kind=kind,
            object_type=record.object_type,
            object_id=record.id,
            source=source,
            occurred_at_ms=epoch_ms(now),
            property_name=name,
            property_value=value,
        )

    def _association_changes(self, changes, source, now) -> list[Change]:
        return [
            Change(
                kind="associationChange",
                object_type=c.from_type,
                object_id=c.from_id,
                source=source,
                occurred_at_ms=epoch_ms(now),
                association=c,
            )
            for c in changes
        ]
