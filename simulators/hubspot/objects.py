"""CRM records with per-property history, archiving and merge aliases.

Values arrive already validated and normalised (``properties.py``); this
module only stores them. Every write stamps the property history with the
change source and the injected clock, which is what last-write-wins in pcsync
compares against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import schema
from .timefmt import iso_from_epoch

FIRST_OBJECT_ID = 5000001


@dataclass(frozen=True)
class ChangeSource:
    """Who made a change: the app (`INTEGRATION`) or a user (`CRM_UI`)."""

    change_source: str
    source_id: str
    user_id: int | None = None

    def history_fields(self) -> dict:
        fields = {"sourceType": self.change_source, "sourceId": self.source_id}
        if self.user_id is not None:
            fields["updatedByUserId"] = self.user_id
        return fields


@dataclass
class Record:
    object_type: str
    id: str
    properties: dict[str, str]
    # newest entry first, as HubSpot returns propertiesWithHistory
    history: dict[str, list[dict]] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
    archived_at: float | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class ObjectStore:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self._records: dict[str, dict[str, Record]] = {t: {} for t in schema.OBJECT_TYPES}
        # merged-away id -> surviving id; HubSpot answers reads of a merged id
        # with the surviving record.
        self._aliases: dict[str, dict[str, str]] = {t: {} for t in schema.OBJECT_TYPES}
        # One id sequence for all types, so an id never names two records.
        self._next_id = FIRST_OBJECT_ID

    def create(
        self, object_type: str, values: dict[str, str], source: ChangeSource, now: float
    ) -> Record:
        record_id = str(self._next_id)
        self._next_id += 1
        record = Record(object_type, record_id, {}, created_at=now, updated_at=now)
        # A create may set createdate itself (imports do); otherwise it is now.
        system_values = {
            "hs_object_id": record_id,
            schema.CREATED_PROPERTY[object_type]: iso_from_epoch(now),
        }
        self._write(record, {**system_values, **values}, source, now)
        self._records[object_type][record_id] = record
        return record

    def update(
        self, record: Record, values: dict[str, str], source: ChangeSource, now: float
    ) -> dict[str, str]:
        """Apply `values`; returns only those that changed (HubSpot neither
        records history nor fires propertyChange for an unchanged value)."""
        changed = {
            name: value for name, value in values.items() if record.properties.get(name) != value
        }
        if changed:
            self._write(record, changed, source, now)
        return changed

    def _write(self, record: Record, values: dict[str, str], source: ChangeSource, now: float):
        stamp = iso_from_epoch(now)
        modified = dict.fromkeys(schema.MODIFIED_PROPERTIES[record.object_type], stamp)
        for name, value in {**values, **modified}.items():
            record.properties[name] = value
            entry = {"value": value, "timestamp": stamp, **source.history_fields()}
            record.history.setdefault(name, []).insert(0, entry)
        record.updated_at = now

    def get(self, object_type: str, record_id: str, archived: bool = False) -> Record | None:
        record_id = self._aliases[object_type].get(str(record_id), str(record_id))
        record = self._records[object_type].get(record_id)
        if record is None or record.archived != archived:
            return None
        return record

    def find_by(self, object_type: str, name: str, value: str) -> Record | None:
        """The live record whose property `name` equals `value` (idProperty)."""
        for record in self._records[object_type].values():
            if not record.archived and record.properties.get(name) == value:
                return record
        return None

    def live(self, object_type: str) -> list[Record]:
        return self.all(object_type, archived=False)

    def all(self, object_type: str, archived: bool = False) -> list[Record]:
        records = [r for r in self._records[object_type].values() if r.archived == archived]
        return sorted(records, key=lambda r: int(r.id))

    def is_live(self, object_type: str, record_id: str) -> bool:
        record = self._records[object_type].get(str(record_id))
        return record is not None and not record.archived

    def archive(self, record: Record, now: float) -> None:
        record.archived_at = now

    def merge(
        self, primary: Record, merged: Record, source: ChangeSource, now: float
    ) -> dict[str, str]:
        """Fold `merged` into `primary`; returns the properties moved over.

        HubSpot keeps the primary's values and fills its empty properties from
        the merged record; the merged id then resolves to the primary.
        """
        moved = {
            name: value
            for name, value in merged.properties.items()
            if value
            and not primary.properties.get(name)
            and name not in ("hs_object_id", "hs_merged_object_ids")
        }
        merged_ids = [
            *filter(None, primary.properties.get("hs_merged_object_ids", "").split(";")),
            merged.id,
        ]
        self._write(primary, {**moved, "hs_merged_object_ids": ";".join(merged_ids)}, source, now)
        merged.archived_at = now
        self._aliases[primary.object_type][merged.id] = primary.id
        for alias, target in self._aliases[primary.object_type].items():
            if target == merged.id:
                self._aliases[primary.object_type][alias] = primary.id
        return moved
