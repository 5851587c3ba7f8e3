"""Validate a JSON value against a botocore shape, reporting every error at once.

This is what the Partner Central server does and botocore does not: enums,
`pattern` traits, string lengths, list sizes and number ranges, at every
depth, with unknown members rejected. Field names are dotted paths such as
`Customer.Contacts[0].Email`.

Patterns are applied as full matches: the model's patterns carry no anchors
(`(?s).{20,2000}`, `(?=.{0,80}$)[a-z0-9...]...`) and only make sense anchored,
as the server's Java `matches()` applies them.
"""

from __future__ import annotations

import re
from functools import cache

from botocore.model import Shape

from . import timestamps
from .errors import FieldError

# Python's `re` has no Unicode property classes; these stand-ins are the
# closest single escapes (used only by the TagKey/TagValue patterns).
_UNICODE_PROPERTY_STANDINS = {r"\p{L}": r"\w", r"\p{N}": r"\w", r"\p{Z}": r"\s"}

_ENUM_LISTING_LIMIT = 12


@cache
def compiled_pattern(pattern: str) -> re.Pattern:
    for java_class, python_class in _UNICODE_PROPERTY_STANDINS.items():
        pattern = pattern.replace(java_class, python_class)
    return re.compile(pattern)


def validate(shape: Shape, value, path: str = "") -> list[FieldError]:
    """All errors of `value` against `shape`; an empty list means valid."""
    validator = _VALIDATORS.get(shape.type_name, _validate_scalar)
    return validator(shape, value, path)


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _error(path: str, message: str, code: str) -> list[FieldError]:
    return [FieldError(path or None, message, code)]


def _validate_structure(shape: Shape, value, path: str) -> list[FieldError]:
    if not isinstance(value, dict):
        return _error(path, "Expected an object.", "INVALID_VALUE")
    errors: list[FieldError] = []
    present = {name for name, member in value.items() if member is not None}
    for name in shape.required_members:
        if name not in present:
            errors += _error(_child(path, name), "Field is required.", "REQUIRED_FIELD_MISSING")
    for name in sorted(present - set(shape.members)):
        errors += _error(_child(path, name), "Unknown field.", "INVALID_VALUE")
    if shape.metadata.get("union") and len(present & set(shape.members)) != 1:
        members = ", ".join(shape.members)
        errors += _error(path, f"Exactly one of {members} must be set.", "INVALID_VALUE")
    for name, member_shape in shape.members.items():
        if name in present:
            errors += validate(member_shape, value[name], _child(path, name))
    return errors


def _validate_list(shape: Shape, value, path: str) -> list[FieldError]:
    if not isinstance(value, list):
        return _error(path, "Expected a list.", "INVALID_VALUE")
    errors = _size_errors(shape, len(value), path, "item")
    for index, item in enumerate(value):
        errors += validate(shape.member, item, f"{path}[{index}]")
    return errors


def _validate_map(shape: Shape, value, path: str) -> list[FieldError]:
    if not isinstance(value, dict):
        return _error(path, "Expected an object.", "INVALID_VALUE")
    errors = _size_errors(shape, len(value), path, "entry")
    for key, item in value.items():
        errors += validate(shape.key, key, f"{path}[{key}]")
        errors += validate(shape.value, item, f"{path}[{key}]")
    return errors


def _size_errors(shape: Shape, size: int, path: str, noun: str) -> list[FieldError]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        return _error(path, f"At least {low} {noun}(s) required, got {size}.", "NOT_ENOUGH_VALUES")
    if high is not None and size > high:
        return _error(path, f"At most {high} {noun}(s) allowed, got {size}.", "TOO_MANY_VALUES")
    return []


def _validate_string(shape: Shape, value, path: str) -> list[FieldError]:
    if not isinstance(value, str):
        return _error(path, "Expected a string.", "INVALID_VALUE")
    if shape.enum:
        if value in shape.enum:
            return []
        return _error(path, _enum_message(shape.enum), "INVALID_ENUM_VALUE")
    errors = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        bounds = f"between {low if low is not None else 0} and {high if high is not None else '∞'}"
        errors += _error(path, f"Length must be {bounds} characters.", "INVALID_STRING_FORMAT")
    pattern = shape.metadata.get("pattern")
    if pattern and not compiled_pattern(pattern).fullmatch(value):
        errors += _error(path, f"Value does not match pattern {pattern}.", "INVALID_STRING_FORMAT")
    return errors


def _enum_message(allowed: list[str]) -> str:
    listed = ", ".join(allowed[:_ENUM_LISTING_LIMIT])
    more = (
        f" (and {len(allowed) - _ENUM_LISTING_LIMIT} more)"
        if len(allowed) > _ENUM_LISTING_LIMIT
        else ""
    )
    return f"Value must be one of: {listed}{more}."


def _validate_number(shape: Shape, value, path: str) -> list[FieldError]:
    integral = shape.type_name in ("integer", "long")
    expected = int if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, expected):
        kind = "an integer" if integral else "a number"
        return _error(path, f"Expected {kind}.", "INVALID_VALUE")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return _error(path, f"Value must be between {low} and {high}.", "VALUE_OUT_OF_RANGE")
    return []


def _validate_boolean(shape: Shape, value, path: str) -> list[FieldError]:
    if not isinstance(value, bool):
        return _error(path, "Expected a boolean.", "INVALID_VALUE")
    return []


def _validate_timestamp(shape: Shape, value, path: str) -> list[FieldError]:
    if not timestamps.is_parseable(value):
        return _error(path, "Expected an ISO 8601 timestamp.", "INVALID_STRING_FORMAT")
    return []


def _validate_scalar(shape: Shape, value, path: str) -> list[FieldError]:
    return []


_VALIDATORS = {
    "structure": _validate_structure,
    "list": _validate_list,
    "map": _validate_map,
    "string": _validate_string,
    "integer": _validate_number,
    "long": _validate_number,
    "double": _validate_number,
    "float": _validate_number,
    "boolean": _validate_boolean,
    "timestamp": _validate_timestamp,
}
