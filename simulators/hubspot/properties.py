"""Property definitions and groups per object type (the Properties API).

Starts from HubSpot's defaults (``schema.py``); integrations add their own
properties and groups, as pcsync must before writing them. Also validates
property values for writes, reporting every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import errors, schema
from .timefmt import iso_from_epoch
from .values import ValueProblem, normalise

PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _definition(row: tuple, created_at: str, hubspot_defined: bool) -> dict:
    name, label, kind, field_type, group, options, read_only = row
    return {
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": group,
        "options": options,
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": options == schema.OWNER_OPTIONS,
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": hubspot_defined,
        "modificationMetadata": {
            "archivable": not hubspot_defined,
            "readOnlyDefinition": hubspot_defined,
            "readOnlyValue": read_only,
        },
        "formField": not read_only,
        "createdAt": created_at,
        "updatedAt": created_at,
        "archived": False,
    }


def _options(pairs) -> list[dict]:
    return [
        {"label": label, "value": value, "displayOrder": order, "hidden": False}
        for order, (value, label) in enumerate(pairs or ())
    ]


class PropertySchema:
    """Definitions by object type and name; groups by object type and name.

    `owner_options` returns the current owners as (id, label) pairs, because
    `hubspot_owner_id`'s options are the portal's owners.
    """

    def __init__(self, clock: Callable[[], float], owner_options: Callable[[], list]):
        self._clock = clock
        self._owner_options = owner_options
        self.reset()

    def reset(self) -> None:
        now = iso_from_epoch(self._clock())
        self._properties: dict[str, dict[str, dict]] = {}
        self._groups: dict[str, dict[str, dict]] = {}
        for object_type in schema.OBJECT_TYPES:
            self._groups[object_type] = {
                name: {"name": name, "label": label, "displayOrder": -1, "archived": False}
                for name, label in schema.DEFAULT_GROUPS[object_type]
            }
            rows = schema.default_properties(object_type)
            self._properties[object_type] = {
                row[0]: _definition(row, now, hubspot_defined=True) for row in rows
            }

    # -- reads -------------------------------------------------------------

    def names(self, object_type: str) -> set[str]:
        return set(self._properties[object_type])

    def get(self, object_type: str, name: str) -> dict | None:
        return self._properties[object_type].get(name)

    def render(self, definition: dict) -> dict:
        """The definition as the API returns it, options resolved."""
        rendered = dict(definition)
        options = definition["options"]
        if options == schema.OWNER_OPTIONS:
            options = self._owner_options()
        rendered["options"] = _options(options)
        return rendered

    def list(self, object_type: str) -> list[dict]:
        return [self.render(d) for d in self._properties[object_type].values()]

    def groups(self, object_type: str) -> list[dict]:
        return list(self._groups[object_type].values())

    def group(self, object_type: str, name: str) -> dict | None:
        return self._groups[object_type].get(name)

    # -- writes ------------------------------------------------------------

    def create(self, object_type: str, body: dict) -> dict:
        """Validate a PropertyCreate body and add the property; 409 if taken."""
        problems = self._create_problems(object_type, body)
        if problems:
            raise errors.validation_error(
                "Invalid input JSON: " + "; ".join(problems),
                [{"message": p, "code": "INVALID_PROPERTY_DEFINITION"} for p in problems],
            )
        name = body["name"]
        if name in self._properties[object_type]:
            raise errors.already_exists(f"A property named '{name}' already exists.")
        options = body.get("options") or []
        row = (
            name,
            body["label"],
            body["type"],
            body["fieldType"],
            body["groupName"],
            tuple((o["value"], o["label"]) for o in options) or None,
            False,
        )
        definition = _definition(row, iso_from_epoch(self._clock()), hubspot_defined=False)
        definition["description"] = body.get("description", "")
        definition["hasUniqueValue"] = bool(body.get("hasUniqueValue", False))
        definition["formField"] = bool(body.get("formField", False))
        if "displayOrder" in body:
            definition["displayOrder"] = body["displayOrder"]
        self._properties[object_type][name] = definition
        return self.render(definition)

    def _create_problems(self, object_type: str, body: dict) -> list[str]:
        problems = []
        for required in ("name", "label", "type", "fieldType", "groupName"):
            if not isinstance(body.get(required), str) or not body.get(required):
                problems.append(f"{required} is required")
        if problems:
            return problems
        if not PROPERTY_NAME.match(body["name"]):
            problems.append(
                f"name '{body['name']}' must start with a letter and hold only lower-case "
                "letters, digits and underscores"
            )
        valid_field_types = schema.FIELD_TYPES_BY_TYPE.get(body["type"])
        if valid_field_types is None:
            problems.append(
                f"type '{body['type']}' is not one of {sorted(schema.FIELD_TYPES_BY_TYPE)}"
            )
        elif body["fieldType"] not in valid_field_types:
            problems.append(
                f"fieldType '{body['fieldType']}' is not valid for type '{body['type']}'"
            )
        if body["groupName"] not in self._groups[object_type]:
            problems.append(f"property group '{body['groupName']}' does not exist")
        if body["type"] == "enumeration" and body["fieldType"] != "booleancheckbox":
            options = body.get("options")
            if not options or not all(
                isinstance(o, dict) and o.get("value") and o.get("label") for o in options
            ):
                problems.append("enumeration properties need options with label and value")
        return problems

    def create_group(self, object_type: str, body: dict) -> dict:
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not PROPERTY_NAME.match(name) or not label:
            raise errors.validation_error(
                "Invalid input JSON: a group needs a lower-case `name` and a `label`."
            )
        if name in self._groups[object_type]:
            raise errors.already_exists(f"A property group named '{name}' already exists.")
        group = {
            "name": name,
            "label": label,
            "displayOrder": body.get("displayOrder", -1),
            "archived": False,
        }
        self._groups[object_type][name] = group
        return group

    # -- value validation ----------------------------------------------------

    def validate_values(self, object_type: str, values: dict, portal_id: int) -> dict[str, str]:
        """Normalised string values, or 400 listing every bad property."""
        if not isinstance(values, dict):
            raise errors.validation_error("Invalid input JSON: `properties` must be an object.")
        normalised, problems = {}, []
        for name, raw in values.items():
            try:
                normalised[name] = self._value(object_type, name, raw)
            except ValueProblem as problem:
                problems.append(_problem(name, problem, portal_id))
        if problems:
            raise errors.property_values_invalid(problems)
        return normalised

    def _value(self, object_type: str, name: str, raw) -> str:
        definition = self._properties[object_type].get(name)
        if definition is None:
            raise ValueProblem("PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
        if definition["modificationMetadata"]["readOnlyValue"]:
            raise ValueProblem("READ_ONLY_VALUE", f'Property "{name}" is read-only')
        return normalise(definition, raw, self._allowed_options(definition))

    def _allowed_options(self, definition: dict) -> set[str] | None:
        if definition["type"] != "enumeration" or definition["name"] in schema.FREE_ENUMERATIONS:
            return None
        if definition["fieldType"] == "booleancheckbox" and not definition["options"]:
            return {"true", "false"}
        options = definition["options"]
        if options == schema.OWNER_OPTIONS:
            options = self._owner_options()
        return {value for value, _label in options or ()}


def _problem(name: str, problem: ValueProblem, portal_id: int) -> dict:
    return {
        "isValid": False,
        "message": problem.message,
        "error": problem.code,
        "name": name,
        "localizedErrorMessage": problem.message,
        "portalId": portal_id,
    }
