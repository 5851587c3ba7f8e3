"""The CRM search endpoint's rules: filters, one sort, paging, its caps.

Limits follow https://developers.hubspot.com/docs/api/crm/search: 5 filter
groups of at most 6 filters and 18 in all, limit ≤ 200, at most 10,000
results per query, body ≤ 3,000 characters.
Values compare as numbers or dates when the property is one; strings compare
case-insensitively, as HubSpot's search index does.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import errors, schema
from .timefmt import parse_datetime_ms

MAX_BODY_CHARS = 3000
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_RESULTS = 10000
OPERATORS = frozenset(
    {
        "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
        "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
    }
)  # fmt: skip
ASSOCIATION_FILTER = re.compile(r"^associations\.([a-z_]+)$")


class SearchRequest:
    """A validated search body."""

    def __init__(self, body: dict, raw_length: int, known_property):
        if raw_length > MAX_BODY_CHARS:
            raise errors.validation_error(
                f"Search request body is {raw_length} characters; the maximum is {MAX_BODY_CHARS}."
            )
        if not isinstance(body, dict):
            raise errors.validation_error("Invalid input JSON: the search body must be an object.")
        self.groups = body.get("filterGroups") or []
        self.sorts = body.get("sorts") or []
        self.properties = body.get("properties") or None
        self.query = body.get("query") or None
        self.limit = _int(body.get("limit", DEFAULT_LIMIT), "limit")
        self.after = _int(body.get("after", 0) or 0, "after")
        self._check(known_property)

    def _check(self, known_property) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise errors.validation_error(f"limit must be between 1 and {MAX_LIMIT}")
        if self.after >= MAX_RESULTS:
            raise errors.validation_error(
                f"Search results are capped at {MAX_RESULTS}; after={self.after} is past the cap."
            )
        if len(self.groups) > MAX_GROUPS:
            raise errors.validation_error(f"At most {MAX_GROUPS} filterGroups are allowed.")
        total = 0
        for group in self.groups:
            filters = group.get("filters") or [] if isinstance(group, dict) else None
            if filters is None or len(filters) > MAX_FILTERS_PER_GROUP:
                raise errors.validation_error(
                    f"Each filterGroup holds at most {MAX_FILTERS_PER_GROUP} filters."
                )
            total += len(filters)
            for item in filters:
                _check_filter(item, known_property)
        if total > MAX_FILTERS:
            raise errors.validation_error(f"At most {MAX_FILTERS} filters are allowed in all.")
        if len(self.sorts) > 1:
            raise errors.validation_error("Only one sort is allowed.")
        for sort in self.sorts:
            name = sort.get("propertyName") if isinstance(sort, dict) else None
            if not name or not known_property(name):
                raise errors.validation_error(f"Cannot sort by unknown property {name!r}.")
            if sort.get("direction", "ASCENDING") not in ("ASCENDING", "DESCENDING"):
                raise errors.validation_error("direction must be ASCENDING or DESCENDING")


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.validation_error(f"{name} must be an integer") from None


def _check_filter(item, known_property) -> None:
    if not isinstance(item, dict) or item.get("operator") not in OPERATORS:
        raise errors.validation_error(
            f"Invalid filter {item!r}: operator must be one of {sorted(OPERATORS)}"
        )
    name = item.get("propertyName")
    if not isinstance(name, str) or not (association_target(name) or known_property(name)):
        raise errors.validation_error(f"Invalid filter: property {name!r} does not exist.")
    operator = item["operator"]
    if operator in ("IN", "NOT_IN") and not isinstance(item.get("values"), list):
        raise errors.validation_error(f"{operator} needs `values` (a list).")
    if operator == "BETWEEN" and ("value" not in item or "highValue" not in item):
        raise errors.validation_error("BETWEEN needs `value` and `highValue`.")
    needs_value = operator not in ("IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY")
    if needs_value and "value" not in item:
        raise errors.validation_error(f"{operator} needs `value`.")


# -- evaluation -------------------------------------------------------------------


def comparable(kind: str, text):
    """A sortable key for a stored or filter value of property type `kind`."""
    if text is None or text == "":
        return None
    text = str(text)
    try:
        if kind == "number":
            return Decimal(text)
        if kind in ("datetime", "date"):
            return parse_datetime_ms(text)
    except (InvalidOperation, ValueError):
        return None
    return text.lower()


def matches(item: dict, actual, kind: str, associated_ids: set[str] | None) -> bool:
    """Does one filter hold for one record? `actual` is the stored string."""
    operator = item["operator"]
    if associated_ids is not None:  # associations.<type> filters
        wanted = {str(v) for v in item.get("values") or [item.get("value")]}
        hit = bool(associated_ids & wanted)
        return not hit if operator in ("NEQ", "NOT_IN") else hit
    if operator == "HAS_PROPERTY":
        return bool(actual)
    if operator == "NOT_HAS_PROPERTY":
        return not actual
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = _contains_token(actual or "", str(item["value"]))
        return found if operator == "CONTAINS_TOKEN" else not found
    have = comparable(kind, actual)
    if operator in ("IN", "NOT_IN"):
        inside = have in {comparable(kind, v) for v in item["values"]}
        return inside if operator == "IN" else not inside
    value = comparable(kind, item["value"])
    if operator == "NEQ":
        return have != value
    if have is None or value is None:
        return False
    if operator == "EQ":
        return have == value
    if operator == "BETWEEN":
        high = comparable(kind, item["highValue"])
        return high is not None and value <= have <= high
    try:
        return {"LT": have < value, "LTE": have <= value, "GT": have > value, "GTE": have >= value}[
            operator
        ]
    except TypeError:
        return False


def _contains_token(text: str, token: str) -> bool:
    """HubSpot matches whole words; `*` is a wildcard within a token."""
    pattern = re.compile(
        "^" + ".*".join(re.escape(p) for p in token.lower().split("*")) + "$", re.IGNORECASE
    )
    words = re.split(r"[\s,;.@]+", text.lower())
    return any(pattern.match(word) for word in words if word) or (
        "*" not in token and token.lower() in text.lower() and " " in token
    )


def association_target(property_name: str) -> str | None:
    """`associations.contact` -> `contacts`."""
    found = ASSOCIATION_FILTER.match(property_name)
    if not found:
        return None
    for plural, singular in schema.SINGULAR.items():
        if found.group(1) in (singular, plural):
            return plural
    return None


def run(crm, object_type: str, request: SearchRequest) -> dict:
    """Search live records of `object_type`; HubSpot's response shape."""
    kinds = {
        name: crm.properties.get(object_type, name)["type"]
        for name in crm.properties.names(object_type)
    }

    def filter_holds(record, item) -> bool:
        name = item["propertyName"]
        target = association_target(name)
        associated = None
        if target:
            associated = {to_id for to_id, _ in crm.live_targets(object_type, record.id, target)}
        return matches(item, record.properties.get(name), kinds.get(name, "string"), associated)

    def selected(record) -> bool:
        if request.query and not _query_hit(object_type, record, request.query):
            return False
        if not request.groups:
            return True
        return any(
            all(filter_holds(record, item) for item in group.get("filters") or [])
            for group in request.groups
        )

    indexed_before = crm.clock() - crm.search_lag_seconds
    live = [r for r in crm.objects.live(object_type) if r.created_at <= indexed_before]
    found = _sorted([r for r in live if selected(r)], request, kinds)
    page = found[request.after : request.after + request.limit]
    body = {
        "total": len(found),
        "results": [crm.render(record, request.properties) for record in page],
    }
    next_after = request.after + request.limit
    # HubSpot still offers the next page at the 10,000-result cap; asking for
    # it is the 400 above (the documented way on is a narrower query).
    if next_after < len(found):
        body["paging"] = {"next": {"after": str(next_after)}}
    return body


def _query_hit(object_type: str, record, query: str) -> bool:
    wanted = query.lower().strip("*")
    return any(
        wanted in (record.properties.get(name) or "").lower()
        for name in schema.QUERY_PROPERTIES[object_type]
    )


def _sorted(records: list, request: SearchRequest, kinds: dict) -> list:
    """One sort rule; records lacking the value go last. Default: by id."""
    records = sorted(records, key=lambda r: int(r.id))
    if not request.sorts:
        return records
    name = request.sorts[0]["propertyName"]
    descending = request.sorts[0].get("direction", "ASCENDING") == "DESCENDING"
    kind = kinds.get(name, "string")
    valued = [r for r in records if comparable(kind, r.properties.get(name)) is not None]
    empty = [r for r in records if comparable(kind, r.properties.get(name)) is None]
    valued.sort(key=lambda r: comparable(kind, r.properties.get(name)), reverse=descending)
    return valued + empty
