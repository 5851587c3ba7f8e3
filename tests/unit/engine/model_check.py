"""What the Partner Central server checks and botocore does not: enums,
patterns (as full matches), lengths and list sizes, unknown members, at
every depth. Tests use it to prove every request the engine builds would be
accepted."""

from __future__ import annotations

import re
from datetime import datetime

from botocore.model import Shape

from workers.engine import model


def request_errors(shape_name: str, params: dict) -> list[str]:
    return _check(model.shape(shape_name), params, "")


def _check(shape: Shape, value, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, value, path)
    if kind == "list":
        return _list(shape, value, path)
    if kind == "string":
        return _string(shape, value, path)
    if kind == "timestamp":
        return [] if isinstance(value, datetime | str) else [f"{path}: not a timestamp"]
    return []


def _structure(shape: Shape, value, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    errors = [
        f"{path}.{name}: required" for name in shape.required_members if value.get(name) is None
    ]
    for name, member in value.items():
        child = f"{path}.{name}" if path else name
        if name not in shape.members:
            errors.append(f"{child}: unknown member")
        elif member is None:
            errors.append(f"{child}: null (boto3 cannot send it)")
        else:
            errors += _check(shape.members[name], member, child)
    return errors


def _list(shape: Shape, value, path: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: not a list"]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    errors = []
    if low is not None and len(value) < low:
        errors.append(f"{path}: fewer than {low} entries")
    if high is not None and len(value) > high:
        errors.append(f"{path}: more than {high} entries")
    for index, item in enumerate(value):
        errors += _check(shape.member, item, f"{path}[{index}]")
    return errors


def _string(shape: Shape, value, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: not a string"]
    errors = []
    if shape.enum and value not in shape.enum:
        errors.append(f"{path}: {value!r} not in enum")
    pattern = shape.metadata.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        errors.append(f"{path}: {value!r} does not match {pattern}")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        errors.append(f"{path}: shorter than {low}")
    if high is not None and len(value) > high:
        errors.append(f"{path}: longer than {high}")
    return errors
