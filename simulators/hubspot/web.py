"""Small request/response helpers shared by the route modules."""

from __future__ import annotations

from flask import current_app, jsonify, request

from . import errors, schema
from .timefmt import iso_from_epoch

EXTENSION_KEY = "hubspot_simulator"

# HubSpot accepts `deals`, `deal` and `0-3` for the same object type.
_TYPE_ALIASES = {
    **{t: t for t in schema.OBJECT_TYPES},
    **{singular: plural for plural, singular in schema.SINGULAR.items()},
    **{type_id: plural for plural, type_id in schema.OBJECT_TYPE_IDS.items()},
}


def simulator():
    return current_app.extensions[EXTENSION_KEY]


def object_type(name: str) -> str:
    resolved = _TYPE_ALIASES.get(name.lower())
    if resolved is None:
        raise errors.validation_error(f"Unable to infer object type from: {name}")
    return resolved


def json_body():
    body = request.get_json(silent=True)
    if body is None:
        raise errors.validation_error("Invalid input JSON: the request body is not valid JSON.")
    return body


def json_object() -> dict:
    body = json_body()
    if not isinstance(body, dict):
        raise errors.validation_error("Invalid input JSON: expected an object.")
    return body


def list_arg(name: str) -> list[str]:
    """`?properties=a,b&properties=c` -> ["a", "b", "c"]."""
    return [part for value in request.args.getlist(name) for part in value.split(",") if part]


def bool_arg(name: str, default: bool = False) -> bool:
    value = request.args.get(name)
    return default if value is None else value.lower() == "true"


def int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise errors.validation_error(f"{name} must be an integer") from None
    if not 1 <= value <= maximum:
        raise errors.validation_error(f"{name} must be between 1 and {maximum}")
    return value


def batch_response(results: list, batch_errors: list | None = None, status: int = 200):
    """HubSpot's batch envelope; any errors turn it into a 207 Multi-Status."""
    now = iso_from_epoch(simulator().clock())
    body = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if batch_errors:
        body["numErrors"] = len(batch_errors)
        body["errors"] = batch_errors
        status = 207
    return jsonify(body), status


def batch_error(category: str, message: str, context: dict, sub_category: str | None = None):
    entry = {"status": "error", "category": category, "message": message, "context": context}
    if sub_category:
        entry["subCategory"] = sub_category
    return entry
