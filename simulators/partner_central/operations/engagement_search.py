"""SearchEngagements: the engagements matching a filter tree, sorted, paged.

Written from the `partnercentral-selling` model (botocore >= 1.44.7): the
request's `Filter` is an `EngagementSearchFilter`, a union of `AndAllFilters`,
`OrAllFilters` (lists of filters), `NotFilter` and predicates (`EqualsTo`,
`ContainsAny`, `ContainsAll`, `GreaterThan`, `GreaterThanOrEquals`,
`LessThan`, `LessThanOrEquals`), each a `Key` of `EngagementSearchFilterName`
and a `Value` union (`StringValue`, `StringListValue`, `LongValue`,
`DateValue`). The response is `EngagementSearchSummaries` (id, title, created
and modified stamps, member count, contexts) and `NextToken`.

The simulator keeps the engagement's own facts, so it answers filters and
sorts on `EngagementId`, `Title`, `CreatedAt`, `LastModifiedAt` and
`MemberCount`; a filter on lead or prospecting context fields is refused by
name rather than answered wrongly. Only engagements the partner is a member
of are found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import business_error
from .common import paginate, sort_items

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

FIELDS: dict[str, Callable[[dict], object]] = {
    "EngagementId": lambda e: e["Id"],
    "Title": lambda e: e.get("Title"),
    "CreatedAt": lambda e: e["CreatedAt"],
    "LastModifiedAt": lambda e: e["ModifiedAt"],
    "MemberCount": lambda e: len(e["Members"]),
}
COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "GreaterThan": lambda have, want: have > want,
    "GreaterThanOrEquals": lambda have, want: have >= want,
    "LessThan": lambda have, want: have < want,
    "LessThanOrEquals": lambda have, want: have <= want,
}


def search_engagements(sim: Simulator, state: CatalogState, params: dict) -> dict:
    condition = params.get("Filter")
    for key in filter_keys(condition):  # refuse before answering, even with nothing to match
        _field(key)
    found = [
        e
        for e in state.engagements.values()
        if any(m["AccountId"] == sim.account_id for m in e["Members"])
        and (condition is None or matches(e, condition))
    ]
    _check_sort_key(params.get("Sort"))
    ordered = sort_items(found, params.get("Sort"), FIELDS, "CreatedAt", "DESCENDING")
    page, next_token = paginate(ordered, params, "SearchEngagements")
    return {"EngagementSearchSummaries": [summary(e) for e in page], "NextToken": next_token}


def summary(engagement: dict) -> dict:
    return {**engagement, "MemberCount": len(engagement["Members"])}


def matches(engagement: dict, condition: dict) -> bool:
    """One `EngagementSearchFilter` (a union: exactly one member is set)."""
    ((kind, operand),) = condition.items()
    if kind == "AndAllFilters":
        return all(matches(engagement, c) for c in operand)
    if kind == "OrAllFilters":
        return any(matches(engagement, c) for c in operand)
    if kind == "NotFilter":
        return not matches(engagement, operand)
    have = _field(operand["Key"])(engagement)
    want = _value(operand["Value"])
    if kind == "EqualsTo":
        return have == want
    if kind == "ContainsAny":
        return have in (want if isinstance(want, list) else [want])
    if kind == "ContainsAll":
        return all(have == w for w in (want if isinstance(want, list) else [want]))
    return have is not None and COMPARISONS[kind](have, want)


def filter_keys(condition: dict | None) -> list[str]:
    """Every `Key` a filter tree names."""
    if condition is None:
        return []
    ((kind, operand),) = condition.items()
    if kind in ("AndAllFilters", "OrAllFilters"):
        return [key for c in operand for key in filter_keys(c)]
    if kind == "NotFilter":
        return filter_keys(operand)
    return [operand["Key"]]


def _field(key: str) -> Callable[[dict], object]:
    if key not in FIELDS:
        raise business_error(
            "Filter",
            f"The simulator holds no {key} for engagements; filter on {', '.join(FIELDS)}.",
            "INVALID_VALUE",
        )
    return FIELDS[key]


def _value(value: dict) -> object:
    # A union: DateValue arrives decoded to epoch milliseconds, like the
    # stored stamps it is compared with.
    ((_, operand),) = value.items()
    return operand


def _check_sort_key(sort: dict | None) -> None:
    if sort is not None:
        _field(sort["SortBy"])


HANDLERS = {"SearchEngagements": search_engagements}
