"""Translate between wire JSON and the simulator's internal values, by shape.

Internally timestamps are epoch milliseconds (`int`); everything else is the
JSON value as sent. Outputs are projected onto the response shape, so a stored
record never leaks a member the operation does not return (GetOpportunity has
no Origin or Tags, for example).
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.model import Shape

from . import timestamps

CONTAINERS = ("list", "map")


def _each_item(shape: Shape, value, convert: Callable, *args):
    """A list or map with each item converted by ``convert(item_shape, item, *args)``."""
    if shape.type_name == "list":
        return [convert(shape.member, item, *args) for item in value]
    return {key: convert(shape.value, item, *args) for key, item in value.items()}


def _each_member(shape: Shape, convert: Callable) -> dict:
    """Every member of a structure shape converted by ``convert(name,
    member_shape)``; members that convert to None are left out."""
    converted = {}
    for name, member_shape in shape.members.items():
        member = convert(name, member_shape)
        if member is not None:
            converted[name] = member
    return converted


def decode(shape: Shape, value):
    """Wire value (already validated) to internal value: timestamps become ms."""
    return _convert(shape, value, timestamps.to_millis)


def encode(shape: Shape, value):
    """Internal value to wire JSON: project onto the shape, format timestamps."""
    return _convert(shape, value, timestamps.to_iso)


def _convert(shape: Shape, value, timestamp: Callable):
    """``value`` with only the members ``shape`` declares and each timestamp
    converted by ``timestamp``."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "timestamp":
        return timestamp(value)
    if kind == "structure":
        return _each_member(
            shape, lambda name, member_shape: _convert(member_shape, value.get(name), timestamp)
        )
    if kind in CONTAINERS:
        return _each_item(
            shape, value, lambda item_shape, item: _convert(item_shape, item, timestamp)
        )
    return value


def project(shape: Shape, value, aliases: dict[str, str] | None = None):
    """Keep only what `shape` declares; `aliases` maps a shape member to a source key."""
    aliases = aliases or {}
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return None
        return _each_member(
            shape,
            lambda name, member_shape: project(
                member_shape, value.get(name, value.get(aliases.get(name, name))), aliases
            ),
        )
    if kind in CONTAINERS:
        return _each_item(shape, value, project, aliases)
    return value
