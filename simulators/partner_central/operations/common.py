"""Helpers shared by the operation handlers: lookups, stamps, paging, events."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import store
from ..errors import NotFound, business_error

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

DEFAULT_PAGE_SIZE = 20


def find_opportunity(state: CatalogState, opportunity_id: str) -> dict:
    record = state.opportunities.get(opportunity_id)
    if record is None:
        raise NotFound(f"Opportunity {opportunity_id} not found in catalog {state.name}.")
    return record


def resolve_identifier(identifier: str) -> str:
    """Accept an ARN wherever the model allows `ArnOrIdentifier`: the id is its last part."""
    return identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier


def find_engagement(state: CatalogState, identifier: str) -> dict:
    engagement = state.engagements.get(resolve_identifier(identifier))
    if engagement is None:
        raise NotFound(f"Engagement {identifier} not found in catalog {state.name}.")
    return engagement


def find_invitation(state: CatalogState, identifier: str) -> dict:
    invitation = state.invitations.get(resolve_identifier(identifier))
    if invitation is None:
        raise NotFound(f"Engagement invitation {identifier} not found in catalog {state.name}.")
    return invitation


def touch_opportunity(sim: Simulator, record: dict) -> None:
    """Every write to an opportunity moves its LastModifiedDate, strictly forward."""
    record["LastModifiedDate"] = sim.clock.next_modification_ms()


def publish_opportunity_event(sim: Simulator, record: dict, detail_type: str) -> None:
    detail = {
        "schemaVersion": "1",
        "catalog": record["Catalog"],
        "opportunity": {"identifier": record["Id"]},
    }
    sim.publish(detail_type, detail, record["Arn"])


def publish_member_added(sim: Simulator, catalog: str, engagement: dict, member: dict) -> None:
    detail = {
        "catalog": catalog,
        "engagement": {"id": engagement["Id"]},
        "engagementMember": {
            "accountId": member["AccountId"],
            "companyName": member["CompanyName"],
        },
    }
    sim.publish("Engagement Member Added", detail, engagement["Arn"])


def add_engagement_member(sim: Simulator, catalog: str, engagement: dict, member: dict) -> bool:
    """Add a member unless its account is already one; True when added."""
    if any(m["AccountId"] == member["AccountId"] for m in engagement["Members"]):
        return False
    engagement["Members"].append(member)
    engagement["ModifiedAt"] = sim.clock.now_ms()
    publish_member_added(sim, catalog, engagement, member)
    return True


def partner_member(sim: Simulator) -> dict:
    return {
        "CompanyName": store.PARTNER_COMPANY_NAME,
        "WebsiteUrl": store.PARTNER_WEBSITE,
        "AccountId": sim.account_id,
    }


def paginate(items: list, params: dict, operation: str, default_size: int = DEFAULT_PAGE_SIZE):
    """One page of `items` and the NextToken for the rest (None on the last page)."""
    size = params.get("MaxResults") or default_size
    offset = _offset_from_token(params.get("NextToken"), operation)
    page = items[offset : offset + size]
    following = offset + size
    return page, (_token_for(operation, following) if following < len(items) else None)


def page_response(items: list, params: dict, operation: str, member: str) -> dict:
    """A List operation's answer: one page of ``items`` as ``member``, and its NextToken."""
    page, next_token = paginate(items, params, operation)
    return {member: page, "NextToken": next_token}


def _token_for(operation: str, offset: int) -> str:
    raw = json.dumps({"operation": operation, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _offset_from_token(token: str | None, operation: str) -> int:
    if token is None:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["operation"] == operation and int(decoded["offset"]) >= 0:
            return int(decoded["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise business_error(
        "NextToken", "The pagination token is invalid or expired.", "INVALID_VALUE"
    )


def sort_items(items: list, sort: dict | None, keys: dict, default_by: str, default_order: str):
    """Sort by the request's Sort (or the default), with `keys` mapping SortBy → key function."""
    sort_by = (sort or {}).get("SortBy", default_by)
    order = (sort or {}).get("SortOrder", default_order)
    key = keys[sort_by]
    return sorted(
        items, key=lambda item: (key(item) is None, key(item) or ""), reverse=order == "DESCENDING"
    )


def by_operation(*handlers: Callable) -> dict[str, Callable]:
    """Handlers keyed by the operation each is named after
    (``get_aws_opportunity_summary`` handles ``GetAwsOpportunitySummary``)."""
    return {
        "".join(part.capitalize() for part in handler.__name__.split("_")): handler
        for handler in handlers
    }
