"""Dotted paths (``Customer.Account.Address.CountryCode``) over nested dicts."""

from __future__ import annotations

from typing import Any


def get_path(document: dict[str, Any] | None, path: str) -> Any:
    current: Any = document
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path``; ``None`` removes the member (boto3 cannot send null, and
    an omitted member is how UpdateOpportunity clears a field). Containers
    left empty by a removal are removed too."""
    parts = path.split(".")
    if value is None:
        _remove(document, parts)
        return
    current = document
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            child = current[part] = {}
        current = child
    current[parts[-1]] = value


def _remove(document: dict[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        document.pop(head, None)
        return
    child = document.get(head)
    if isinstance(child, dict):
        _remove(child, rest)
        if not child:
            document.pop(head)


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested dicts by dotted path; lists are leaves (compared whole)."""
    if not isinstance(document, dict):
        return {prefix: document}
    flat: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat
