"""Engine configuration: one validated file (TOML or JSON) over built-in defaults.

File format (TOML shown; JSON has the same structure)::

    hubspot_timezone = "Europe/Berlin"     # IANA zone of the HubSpot portal
    title_strip_tags = ["#AWS"]            # removed from dealname for Project.Title
    currency = "USD"
    default_pipeline = "default"

    [pipelines.default.stages]             # replaces the built-in table of that pipeline
    appointmentscheduled = "Prospect"
    closedwon = "Launched"
    [pipelines.default.reverse]            # optional: Partner Central stage → dealstage
    Launched = "closedwon"

    [industry_overrides]                   # HubSpot industry → Partner Central Industry
    RESEARCH = "Life Sciences"

    [opportunity_types]                    # HubSpot dealtype → OpportunityType (added)
    renewal = "Flat Renewal"

    [fields."LifeCycle.NextSteps"]         # per field, all keys optional
    enabled = false
    [fields."Project.ExpectedCustomerSpend"]
    properties = ["aws_monthly_spend"]     # HubSpot properties to read (first non-empty)
    direction = "both"                     # push | pull | both
    strategy = "MANUAL"     # HUBSPOT_WINS | PARTNER_CENTRAL_WINS | LAST_WRITE_WINS | MANUAL

    spend_months = 12                      # deal amount / months = monthly AWS spend

    [property_defaults]                    # organisation-wide value of an empty deal
    aws_delivery_models = "SaaS or PaaS"   # property (see workers/engine/deal_inputs.py)
    aws_marketing_source = "None"

    [contact_fields.Phone]                 # per Customer.Contacts member (Email, FirstName,
    direction = "push"                     # LastName, Phone, BusinessTitle) of each listed
    [contact_fields.Email]                 # contact; default: both ways, LAST_WRITE_WINS
    strategy = "MANUAL"

Everything not in the file keeps its default. Every error names its key.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from . import deal_inputs, defaults, model
from .fieldmap import CONTACT_MEMBERS, FIELD_SPECS, FIELDS_BY_PATH, FieldSpec
from .strategies import IMPLIED_STRATEGY, Direction, Strategy


class EngineConfigError(ValueError):
    """A configuration file the engine cannot use. ``errors`` maps each
    offending key (dotted) to its messages. Picklable: both are in ``args``."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message, errors or {})

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.args[1]

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class FieldSettings:
    enabled: bool
    direction: Direction
    strategy: Strategy
    properties: tuple[str, ...]


@dataclass(frozen=True)
class ContactFieldSettings:
    """How one member of a listed contact (``Phone``, ...) syncs."""

    direction: Direction
    strategy: Strategy


# Contact details are edited on both sides (AWS's team fixes a phone number
# as often as sales does), so they merge both ways unless configured.
DEFAULT_CONTACT_FIELD = ContactFieldSettings(Direction.BOTH, Strategy.LAST_WRITE_WINS)


def _default_contact_fields() -> dict[str, ContactFieldSettings]:
    return dict.fromkeys(CONTACT_MEMBERS, DEFAULT_CONTACT_FIELD)


@dataclass(frozen=True)
class EngineConfig:
    pipelines: dict[str, dict[str, str]]
    pipeline_reverse: dict[str, dict[str, str]]
    industry_overrides: dict[str, str]
    opportunity_types: dict[str, str]
    fields: dict[str, FieldSettings]
    default_pipeline: str = defaults.DEFAULT_PIPELINE
    hubspot_timezone: str = defaults.DEFAULT_TIMEZONE
    currency: str = defaults.DEFAULT_CURRENCY
    title_strip_tags: tuple[str, ...] = defaults.DEFAULT_TITLE_STRIP_TAGS
    contact_fields: dict[str, ContactFieldSettings] = field(default_factory=_default_contact_fields)
    spend_months: int = defaults.DEFAULT_SPEND_MONTHS
    property_defaults: dict[str, str] = field(default_factory=dict)

    # --- questions the engine asks -------------------------------------------------

    def settings(self, path: str) -> FieldSettings:
        return self.fields[path]

    @property
    def synced_specs(self) -> list[FieldSpec]:
        """Enabled fields, in table order."""
        return [spec for spec in FIELD_SPECS if self.fields[spec.path].enabled]

    @property
    def synced_paths(self) -> list[str]:
        return [spec.path for spec in self.synced_specs]

    @property
    def strategies(self) -> dict[str, Strategy]:
        return {path: self.fields[path].strategy for path in self.synced_paths}

    @property
    def directions(self) -> dict[str, Direction]:
        return {path: self.fields[path].direction for path in self.synced_paths}

    def with_property_defaults(self, deal: dict[str, str | None]) -> dict[str, str | None]:
        """The deal's properties with the configured default in each empty one."""
        filled = {
            name: value
            for name, value in self.property_defaults.items()
            if not (deal.get(name) or "").strip()
        }
        return {**deal, **filled}

    def stage_for(self, pipeline: str, dealstage: str) -> str | None:
        return self.pipelines.get(pipeline, {}).get(dealstage)

    def dealstage_for(self, pipeline: str, stage: str) -> str | None:
        return self.pipeline_reverse.get(pipeline, {}).get(stage)


# --- schema ------------------------------------------------------------------------------

_STAGES = validate.OneOf(list(model.Stage))
_INDUSTRIES = validate.OneOf(sorted(model.INDUSTRIES))
_OPPORTUNITY_TYPES = validate.OneOf(list(model.OpportunityType))


class PipelineSchema(Schema):
    class Meta:
        unknown = RAISE

    stages = fields.Dict(
        keys=fields.String(), values=fields.String(validate=_STAGES), required=True
    )
    reverse = fields.Dict(keys=fields.String(validate=_STAGES), values=fields.String())

    @validates_schema
    def reverse_names_known_stages(self, data: dict, **_kwargs: Any) -> None:
        unknown = sorted(set(data.get("reverse", {}).values()) - set(data["stages"]))
        if unknown:
            raise ValidationError(f"not stage ids of this pipeline: {unknown}", "reverse")


class FieldSettingsSchema(Schema):
    class Meta:
        unknown = RAISE

    enabled = fields.Boolean()
    direction = fields.Enum(Direction, by_value=True)
    strategy = fields.Enum(Strategy, by_value=True)
    properties = fields.List(
        fields.String(validate=validate.Length(min=1)), validate=validate.Length(min=1)
    )


class ContactFieldSchema(Schema):
    class Meta:
        unknown = RAISE

    direction = fields.Enum(Direction, by_value=True)
    strategy = fields.Enum(Strategy, by_value=True)


def _known_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"unknown time zone {name!r}") from error


class EngineConfigSchema(Schema):
    class Meta:
        unknown = RAISE

    hubspot_timezone = fields.String(validate=_known_timezone)
    title_strip_tags = fields.List(fields.String(validate=validate.Length(min=1)))
    currency = fields.String(validate=validate.OneOf(sorted(model.SPEND_CURRENCIES)))
    spend_months = fields.Integer(strict=True, validate=validate.Range(min=1, max=120))
    property_defaults = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(deal_inputs.DEAL_INPUTS_BY_NAME))),
        values=fields.String(validate=validate.Length(min=1)),
    )
    default_pipeline = fields.String(validate=validate.Length(min=1))
    pipelines = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)), values=fields.Nested(PipelineSchema)
    )
    industry_overrides = fields.Dict(
        keys=fields.String(), values=fields.String(validate=_INDUSTRIES)
    )
    opportunity_types = fields.Dict(
        keys=fields.String(), values=fields.String(validate=_OPPORTUNITY_TYPES)
    )
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(validate=validate.OneOf(list(FIELDS_BY_PATH))),
        values=fields.Nested(FieldSettingsSchema),
    )
    contact_fields = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CONTACT_MEMBERS)),
        values=fields.Nested(ContactFieldSchema),
    )


# --- building -------------------------------------------------------------------------------


def _reverse_stages(stages: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    reverse: dict[str, str] = {}
    for dealstage, stage in stages.items():
        reverse.setdefault(stage, dealstage)
    reverse.update(overrides)
    return reverse


def _field_settings(path: str, override: dict[str, Any]) -> FieldSettings:
    spec = FIELDS_BY_PATH[path]
    direction = override.get("direction", spec.direction)
    strategy = override.get("strategy", IMPLIED_STRATEGY.get(direction, spec.strategy))
    return FieldSettings(
        enabled=override.get("enabled", True),
        direction=direction,
        strategy=strategy,
        properties=tuple(override.get("properties", spec.properties)),
    )


def _contact_field_settings(override: dict[str, Any]) -> ContactFieldSettings:
    direction = override.get("direction", DEFAULT_CONTACT_FIELD.direction)
    implied = IMPLIED_STRATEGY.get(direction, DEFAULT_CONTACT_FIELD.strategy)
    return ContactFieldSettings(direction, override.get("strategy", implied))


def _consistency_errors(
    settings: dict[str, FieldSettings],
    contact_settings: dict[str, ContactFieldSettings],
    data: dict,
) -> dict[str, list[str]]:
    """Rules across keys that a per-key schema cannot express."""
    errors: dict[str, list[str]] = {}
    for member, item in contact_settings.items():
        implied = IMPLIED_STRATEGY.get(item.direction)
        if implied and item.strategy != implied:
            errors.setdefault(f"contact_fields.{member}.strategy", []).append(
                f"a {item.direction}-only field always uses {implied}, not {item.strategy}"
            )
    for path, item in settings.items():
        key = f"fields.{path}"
        implied = IMPLIED_STRATEGY.get(item.direction)
        if implied and item.strategy != implied:
            errors.setdefault(f"{key}.strategy", []).append(
                f"a {item.direction}-only field always uses {implied}, not {item.strategy}"
            )
        spec = FIELDS_BY_PATH[path]
        if item.direction.pulls and spec.to_hubspot is None:
            errors.setdefault(f"{key}.direction", []).append(
                f"{path} cannot be written to HubSpot; use direction 'push'"
            )
    pipelines = data.get("pipelines", {})
    default_pipeline = data.get("default_pipeline", defaults.DEFAULT_PIPELINE)
    if default_pipeline not in pipelines and default_pipeline not in defaults.DEFAULT_PIPELINES:
        errors.setdefault("default_pipeline", []).append(
            f"no stage table for pipeline {default_pipeline!r}"
        )
    return errors


def _property_default_errors(property_defaults: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in property_defaults.items():
        unknown = deal_inputs.unknown_choices(deal_inputs.DEAL_INPUTS_BY_NAME[name], value)
        if unknown:
            errors[f"property_defaults.{name}"] = [f"not options of {name}: {unknown}"]
    return errors


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict as {"dotted.key": [messages]}; the
    "value"/"key" levels marshmallow adds inside Dict fields are folded in."""
    if isinstance(messages, list):
        return {prefix or "<root>": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, inner in messages.items():
        if key == "value":
            name = prefix
        elif key == "key":
            name = f"{prefix} (key)"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        for flat_key, texts in _flatten(inner, name).items():
            flat.setdefault(flat_key, []).extend(texts)
    return flat


def _raise(errors: dict[str, list[str]], origin: str) -> None:
    lines = [f"{key}: {'; '.join(texts)}" for key, texts in sorted(errors.items())]
    raise EngineConfigError(
        f"invalid engine configuration ({origin}):\n  " + "\n  ".join(lines), errors
    )


def engine_config_from_dict(raw: dict[str, Any] | None, *, origin: str = "dict") -> EngineConfig:
    """Validate ``raw`` (the file's content) and lay it over the defaults."""
    try:
        data = EngineConfigSchema().load(raw or {})
    except ValidationError as error:
        _raise(_flatten(error.messages), origin)
    field_overrides = data.get("fields_", {})
    settings = {
        spec.path: _field_settings(spec.path, field_overrides.get(spec.path, {}))
        for spec in FIELD_SPECS
    }
    contact_overrides = data.get("contact_fields", {})
    contact_settings = {
        member: _contact_field_settings(contact_overrides.get(member, {}))
        for member in CONTACT_MEMBERS
    }
    problems = {
        **_consistency_errors(settings, contact_settings, data),
        **_property_default_errors(data.get("property_defaults", {})),
    }
    if problems:
        _raise(problems, origin)
    pipeline_data = data.get("pipelines", {})
    pipelines = {name: dict(stages) for name, stages in defaults.DEFAULT_PIPELINES.items()}
    pipelines.update({name: p["stages"] for name, p in pipeline_data.items()})
    # Plain strings (not StrEnum members) so values serialise identically everywhere.
    pipelines = {name: {k: str(v) for k, v in stages.items()} for name, stages in pipelines.items()}
    reverse = {
        name: _reverse_stages(stages, pipeline_data.get(name, {}).get("reverse", {}))
        for name, stages in pipelines.items()
    }
    return EngineConfig(
        pipelines=pipelines,
        pipeline_reverse=reverse,
        industry_overrides=dict(data.get("industry_overrides", {})),
        opportunity_types={
            **defaults.DEFAULT_OPPORTUNITY_TYPES,
            **data.get("opportunity_types", {}),
        },
        fields=settings,
        default_pipeline=data.get("default_pipeline", defaults.DEFAULT_PIPELINE),
        hubspot_timezone=data.get("hubspot_timezone", defaults.DEFAULT_TIMEZONE),
        currency=data.get("currency", defaults.DEFAULT_CURRENCY),
        title_strip_tags=tuple(data.get("title_strip_tags", defaults.DEFAULT_TITLE_STRIP_TAGS)),
        contact_fields=contact_settings,
        spend_months=data.get("spend_months", defaults.DEFAULT_SPEND_MONTHS),
        property_defaults=dict(data.get("property_defaults", {})),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EngineConfigError(f"cannot read engine configuration {path}: {error}") from error
    try:
        if path.suffix.lower() == ".toml":
            content = tomllib.loads(text)
        elif path.suffix.lower() == ".json":
            content = json.loads(text)
        else:
            raise EngineConfigError(f"engine configuration {path} must end in .toml or .json")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise EngineConfigError(
            f"engine configuration {path} is not valid {path.suffix[1:]}: {error}"
        ) from error
    if not isinstance(content, dict):
        raise EngineConfigError(f"engine configuration {path} must hold an object at the top level")
    return content


def load_engine_config(path: str | None) -> EngineConfig:
    """The configuration in ``path`` (``.toml`` or ``.json``) over the built-in
    defaults; ``None`` gives the defaults alone."""
    if path is None:
        return engine_config_from_dict({}, origin="built-in defaults")
    return engine_config_from_dict(_read(Path(path)), origin=str(path))


def default_config_document() -> dict[str, Any]:
    """The built-in defaults in file form (JSON-serialisable), for a
    deployment to start its reviewed file from."""
    config = load_engine_config(None)
    return {
        "hubspot_timezone": config.hubspot_timezone,
        "title_strip_tags": list(config.title_strip_tags),
        "currency": config.currency,
        "default_pipeline": config.default_pipeline,
        "pipelines": {
            name: {"stages": {k: str(v) for k, v in stages.items()}}
            for name, stages in config.pipelines.items()
        },
        "industry_overrides": dict(config.industry_overrides),
        "opportunity_types": {k: str(v) for k, v in config.opportunity_types.items()},
        "fields": {
            path: {
                "enabled": item.enabled,
                "direction": str(item.direction),
                "strategy": str(item.strategy),
                "properties": list(item.properties),
            }
            for path, item in config.fields.items()
        },
        "contact_fields": {
            member: {"direction": str(item.direction), "strategy": str(item.strategy)}
            for member, item in config.contact_fields.items()
        },
        "spend_months": config.spend_months,
        "property_defaults": dict(config.property_defaults),
    }
