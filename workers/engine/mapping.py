"""HubSpot records ⇄ Partner Central field values, driven by :mod:`fieldmap`.

Values are keyed by Partner Central path. In a mapped result:
- a path with a value: what HubSpot says, normalised for Partner Central;
- a path with ``None``: HubSpot's property is empty (clears the field);
- a path that is missing: no usable value (see the notes), so this side has
  no opinion and the merge leaves the field as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from . import normalise as norm
from .config import EngineConfig
from .fieldmap import (
    COMPANY,
    CONTACT_MEMBERS,
    CONTACTS,
    DEAL,
    FIELDS_BY_PATH,
    PullContext,
    PushContext,
)
from .model import PAYMENT_FREQUENCIES
from .outcome import Note
from .paths import get_path

# Properties the engine reads besides the mapped ones.
_DEAL_CONTEXT_PROPERTIES = ("hs_object_id", "pipeline", "deal_currency_code")


@dataclass(frozen=True)
class Mapped:
    fields: dict[str, Any]
    notes: list[Note] = field(default_factory=list)


class HubSpotProperties(dict):
    """``{"deal": {...}, "company": {...}}`` of property strings to write,
    with ``notes`` on values that could not be expressed in HubSpot."""

    def __init__(self, *args: Any, notes: list[Note] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.notes: list[Note] = notes or []


def _first_value(record: dict[str, str], properties: tuple[str, ...]) -> str | None:
    for name in properties:
        value = record.get(name)
        if value is not None and str(value).strip():
            return str(value)
    return None


def map_hubspot_to_pc(
    deal: dict[str, str],
    company: dict[str, str] | None,
    contacts: list[dict],
    *,
    today: date,
    config: EngineConfig,
) -> Mapped:
    """HubSpot deal, its primary company and its contacts (each
    ``{"id", "properties", "primary"}``) as Partner Central field values.
    ``deal`` must include ``hs_object_id`` and ``pipeline``."""
    deal = config.with_property_defaults(deal)
    ctx = PushContext(deal=deal, company=company, contacts=contacts, today=today, config=config)
    fields: dict[str, Any] = {}
    notes: list[Note] = []
    for spec in config.synced_specs:
        settings = config.settings(spec.path)
        source = f"{spec.source}.{'/'.join(settings.properties)}"
        if spec.source == COMPANY and company is None:
            notes.append(Note(spec.path, "omitted", "deal has no associated company", source))
            continue
        record = deal if spec.source == DEAL else (company or {})
        raw = None if spec.source == CONTACTS else _first_value(record, settings.properties)
        result = spec.to_pc(raw, ctx)
        if result.value is not None:
            fields[spec.path] = result.value
            if result.reason:
                notes.append(Note(spec.path, "adjusted", result.reason, source))
        elif result.reason:
            notes.append(Note(spec.path, "omitted", result.reason, source))
        elif spec.required:
            notes.append(
                Note(
                    spec.path,
                    "omitted",
                    "empty in HubSpot; Partner Central keeps its value",
                    source,
                )
            )
        else:
            fields[spec.path] = None
    return Mapped(fields, notes)


# --- reading an opportunity --------------------------------------------------------------


def _canonical_spend(entries: Any, config: EngineConfig) -> Any:
    """Only the monthly AWS spend entries pcsync maps, projected to the members
    it maps, amounts in canonical form. Other entries (e.g. a "Self" total
    contract value) are not ours to compare; the payload builder keeps them."""
    mine = [
        {
            "Amount": norm.format_amount(norm.Decimal(e["Amount"]))
            if e.get("Amount")
            else e.get("Amount"),
            "CurrencyCode": e.get("CurrencyCode"),
            "Frequency": e.get("Frequency"),
            "TargetCompany": e.get("TargetCompany"),
        }
        for e in entries or []
        if is_mapped_spend_entry(e)
    ]
    return [{k: v for k, v in e.items() if v is not None} for e in mine] or None


def is_mapped_spend_entry(entry: dict) -> bool:
    return entry.get("TargetCompany") == "AWS" and entry.get("Frequency") == PAYMENT_FREQUENCIES[0]


def _canonical_contacts(contacts: Any, _config: EngineConfig) -> Any:
    projected = []
    for contact in contacts or []:
        entry = {m: contact[m] for m in CONTACT_MEMBERS if contact.get(m)}
        if "Email" in entry:
            entry["Email"] = entry["Email"].lower()
        if entry:
            projected.append(entry)
    return projected or None


def _canonical_scalar(value: Any, _config: EngineConfig) -> Any:
    return None if value in ("", None) else value


_CANONICAL = {
    "Project.ExpectedCustomerSpend": _canonical_spend,
    "Customer.Contacts": _canonical_contacts,
}


def extract_pc_fields(opportunity: dict[str, Any], config: EngineConfig) -> dict[str, Any]:
    """The synced paths of a GetOpportunity response, in the same canonical
    form :func:`map_hubspot_to_pc` produces, so equal means unchanged. Every
    synced path is present (``None`` when the opportunity has no value)."""
    return {
        path: _CANONICAL.get(path, _canonical_scalar)(get_path(opportunity, path), config)
        for path in config.synced_paths
    }


# --- pulling into HubSpot -------------------------------------------------------------------


def pc_to_hubspot(
    fields: dict[str, Any], config: EngineConfig, *, pipeline: str | None = None
) -> HubSpotProperties:
    """Partner Central values (the merge's ``to_hubspot``) as HubSpot property
    strings by object. Only fields configured to pull are written; values
    HubSpot cannot hold (an ``Other`` industry, a stage the pipeline lacks)
    are left out with a note. ``pipeline`` is the deal's pipeline id."""
    ctx = PullContext(config=config, pipeline=pipeline or config.default_pipeline, fields=fields)
    result = HubSpotProperties()
    for path, value in fields.items():
        spec = FIELDS_BY_PATH.get(path)
        settings = config.fields.get(path)
        if spec is None or settings is None or not settings.enabled or not settings.direction.pulls:
            result.notes.append(Note(path, "omitted", "not configured to sync to HubSpot"))
            continue
        converted = spec.to_hubspot(value, ctx) if spec.to_hubspot else None
        if converted is None:
            result.notes.append(Note(path, "omitted", f"{value!r} has no HubSpot equivalent"))
            continue
        result.setdefault(spec.source, {})[settings.properties[0]] = converted
    return result


# --- helpers for the caller -------------------------------------------------------------------


def hubspot_properties_to_read(config: EngineConfig) -> dict[str, list[str]]:
    """Property names to request per HubSpot object type."""
    wanted: dict[str, list[str]] = {
        DEAL: list(_DEAL_CONTEXT_PROPERTIES),
        COMPANY: ["country"],
        CONTACTS: [],
    }
    for spec in config.synced_specs:
        for name in config.settings(spec.path).properties:
            if name not in wanted[spec.source]:
                wanted[spec.source].append(name)
    return wanted


def ours_modified_at(
    property_timestamps: dict[str, dict[str, datetime]], config: EngineConfig
) -> dict[str, datetime]:
    """Per path, the latest HubSpot change of any property it is built from,
    for LAST_WRITE_WINS. ``property_timestamps`` is ``{"deal": {"amount": dt},
    "company": {...}, "contacts": {...}}`` (for contacts: the latest over all
    associated contacts), e.g. from ``propertiesWithHistory``."""
    stamps: dict[str, datetime] = {}
    for spec in config.synced_specs:
        known = property_timestamps.get(spec.source, {})
        times = [known[name] for name in config.settings(spec.path).properties if name in known]
        if times:
            stamps[spec.path] = max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
    return stamps
