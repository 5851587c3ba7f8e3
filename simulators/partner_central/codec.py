"""Translate between wire JSON and the simulator's internal values, by shape.

Internally timestamps are epoch milliseconds (`int`); everything else is the
JSON value as sent. Outputs are projected onto the response shape, so a stored
record never leaks a member the operation does not return (GetOpportunity has
no Origin or Tags, for example).
"""

from __future__ import annotations

from botocore.model import Shape

from . import timestamps


def decode(shape: Shape, value):
    """Wire value (already validated) to internal value: timestamps become ms."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "timestamp":
        return timestamps.to_millis(value)
    if kind == "structure":
        return {
            name: decode(shape.members[name], member)
            for name, member in value.items()
            if name in shape.members and member is not None
        }
    if kind == "list":
        return [decode(shape.member, item) for item in value]
    if kind == "map":
        return {key: decode(shape.value, item) for key, item in value.items()}
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
        projected = {}
        for name, member_shape in shape.members.items():
            source = value.get(name, value.get(aliases.get(name, name)))
            member = project(member_shape, source, aliases)
            if member is not None:
                projected[name] = member
        return projected
    if kind == "list":
        return [project(shape.member, item, aliases) for item in value]
    if kind == "map":
        return {key: project(shape.value, item, aliases) for key, item in value.items()}
    return value


def encode(shape: Shape, value):
    """Internal value to wire JSON: project onto the shape, format timestamps."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "timestamp":
        return timestamps.to_iso(value)
    if kind == "structure":
        encoded = {}
        for name, member_shape in shape.members.items():
            member = encode(member_shape, value.get(name))
            if member is not None:
                encoded[name] = member
        return encoded
    if kind == "list":
        return [encode(shape.member, item) for item in value]
    if kind == "map":
        return {key: encode(shape.value, item) for key, item in value.items()}
    return value
